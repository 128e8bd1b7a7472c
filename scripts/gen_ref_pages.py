"""Write the API reference, one page per module of `seqdocs`, while mkdocs builds (the mkdocstrings way).

mkdocs-gen-files runs this script at the start of every build. It writes `reference/<module>.md` for each module
that `seqdocs/__init__.py` exports names from, with the module's one-line summary and a `::: seqdocs.<name>`
entry for each exported name, in the order `__init__.py` imports them; `reference/index.md` for the package; and
`reference/SUMMARY.md`, which mkdocs-literate-nav reads as the section's navigation. None of them is on disk.
Each entry is written by the path readers import it from, so its id is `seqdocs.lstm_trace` and its members'
are `seqdocs.Trace.to_json`: pages link to it as `[lstm_trace][seqdocs.lstm_trace]`, which lands on
`reference/lstm/#seqdocs.lstm_trace`, and the entry lists the pages linking to it (`backlinks` in mkdocs.yml).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "seqdocs"


def exports() -> dict[str, list[str]]:
    """Each module `seqdocs/__init__.py` imports public names from, with those names, in its order."""
    found: dict[str, list[str]] = {}
    for node in ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            names = [alias.asname or alias.name for alias in node.names if not alias.name.startswith("_")]
            found.setdefault(node.module, []).extend(names)
    return found


def reference_pages() -> dict[str, str]:
    """Each page of the reference (its path under `docs/`) and the module it documents, the package first."""
    return {"reference/index.md": "seqdocs", **{f"reference/{module}.md": f"seqdocs.{module}" for module in sorted(exports())}}


def page_text(module: str, names: list[str]) -> str:
    summary = (ast.get_docstring(ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))) or "").split("\n")[0]
    # Each entry by the path readers import it from, `seqdocs.NAME`: that is its id, and links name it so.
    entries = "".join(f"::: seqdocs.{name}\n    options:\n      heading_level: 2\n\n" for name in names)
    return f"# seqdocs.{module}\n\n{summary}\n\n{entries}"


def write_pages() -> None:
    import mkdocs_gen_files

    found = exports()
    links = "".join(f"- [seqdocs.{module}]({module}.md): {', '.join(f'`{name}`' for name in names)}\n"
                    for module, names in sorted(found.items()))
    with mkdocs_gen_files.open("reference/index.md", "w") as handle:
        handle.write("# API reference\n\nEvery name below is importable from `seqdocs` itself, e.g. "
                     f"`from seqdocs import lstm_trace`. One page per module:\n\n{links}")
    for page, identifier in reference_pages().items():
        if identifier != "seqdocs":
            with mkdocs_gen_files.open(page, "w") as handle:
                handle.write(page_text(identifier.split(".")[1], found[identifier.split(".")[1]]))
    with mkdocs_gen_files.open("reference/SUMMARY.md", "w") as handle:
        handle.writelines(f"* [{identifier}]({Path(page).name})\n" for page, identifier in reference_pages().items())


if __name__ in ("__main__", "<run_path>"):
    write_pages()
