"""Write the API reference, one page per module of `seqdocs`, while mkdocs builds (the mkdocstrings way).

mkdocs-gen-files runs this script at the start of every build. The package has two layers: `seqdocs` (what a
learner uses) and `seqdocs.experiments` (what goes past the toy). For each module a layer's `__init__.py`
imports names from, it writes `reference/<module>.md` (or `reference/experiments/<module>.md`) with the
module's one-line summary and a `:::` entry for each of the module's public names: first the names the layer
exports, in the order `__init__.py` imports them, then the module's other public names. It also writes
`reference/index.md` and `reference/experiments/index.md` for the two layers, and `reference/SUMMARY.md`,
which mkdocs-literate-nav reads as the section's navigation. None of them is on disk. SUMMARY.md is excluded from
the built site: literate-nav only reads it, and published it would be a page of bare links outside the nav.

Each entry is written by the path readers import it from, so its id is `seqdocs.lstm_trace`,
`seqdocs.experiments.gradient_flow`, or, for a name only its module exports, `seqdocs.block.layer_norm`:
pages link to it as `[lstm_trace][seqdocs.lstm_trace]`, which lands on `reference/lstm/#seqdocs.lstm_trace`,
and the entry lists the pages linking to it (`backlinks` in mkdocs.yml).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "seqdocs"
LAYERS = {"seqdocs": PACKAGE, "seqdocs.experiments": PACKAGE / "experiments"}
"""Each layer of the API and its folder."""
NAV_FILE = "reference/SUMMARY.md"
"""The reference's navigation, in mkdocs-literate-nav's format (its `nav_file` in mkdocs.yml): read, not published."""


@functools.cache
def parse(path: Path) -> ast.Module:
    """A module's syntax tree, read once per build (mkdocs-gen-files runs this script afresh for each build)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def exports(folder: Path = PACKAGE) -> dict[str, list[str]]:
    """Each module a layer's `__init__.py` imports public names from, with those names, in its order."""
    found: dict[str, list[str]] = {}
    for node in parse(folder / "__init__.py").body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            names = [alias.asname or alias.name for alias in node.names if not alias.name.startswith("_")]
            found.setdefault(node.module, []).extend(names)
    return found


def public_names(path: Path) -> list[str]:
    """The public names a module defines itself, in order: functions, classes and documented constants."""
    body = parse(path).body
    names = []
    for node, after in zip(body, [*body[1:], None]):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(after, ast.Expr) and isinstance(
                getattr(after, "value", None), ast.Constant) and isinstance(after.value.value, str):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [target.id for target in targets if isinstance(target, ast.Name)]
    return [name for name in names if not name.startswith("_")]


def reference_pages() -> dict[str, str]:
    """Each page of the reference (its path under `docs/`) and what it documents, each layer before its modules."""
    pages = {}
    for layer, folder in LAYERS.items():
        base = "reference/" + "".join(f"{part}/" for part in layer.split(".")[1:])
        pages[f"{base}index.md"] = layer
        pages.update({f"{base}{module}.md": f"{layer}.{module}" for module in sorted(exports(folder))})
    return pages


def page_text(layer: str, module: str, names: list[str]) -> str:
    path = LAYERS[layer] / f"{module}.py"
    summary = (ast.get_docstring(parse(path)) or "").split("\n")[0]
    # Each entry by the path readers import it from: that is its id, and links name it so.
    identifiers = [f"{layer}.{name}" for name in names]
    identifiers += [f"{layer}.{module}.{name}" for name in public_names(path) if name not in names]
    # Each entry's heading is an h2, under the page's h1: mkdocstrings-python's default `heading_level`.
    entries = "".join(f"::: {identifier}\n\n" for identifier in identifiers)
    return f"# {layer}.{module}\n\n{summary}\n\n{entries}"


def index_text(layer: str, found: dict[str, list[str]]) -> str:
    links = "".join(f"- [{layer}.{module}]({module}.md): {', '.join(f'`{name}`' for name in names)}\n"
                    for module, names in sorted(found.items()))
    example = "from seqdocs import lstm_trace" if layer == "seqdocs" else "from seqdocs.experiments import gradient_flow"
    more = ("\n[seqdocs.experiments](experiments/index.md) holds the experiments that go past the toy.\n"
            if layer == "seqdocs" else "")
    return (f"# {'API reference' if layer == 'seqdocs' else layer}\n\nEvery name below is importable from `{layer}` "
            f"itself, e.g. `{example}`; each page also lists its module's other public names. One page per "
            f"module:\n\n{links}{more}")


def write_pages() -> None:
    import mkdocs_gen_files

    summary = []
    for page, identifier in reference_pages().items():
        layer = next(name for name in sorted(LAYERS, key=len, reverse=True) if identifier.startswith(name))
        found = exports(LAYERS[layer])
        with mkdocs_gen_files.open(page, "w") as handle:
            if identifier == layer:
                handle.write(index_text(layer, found))
            else:
                module = identifier.removeprefix(layer + ".")
                handle.write(page_text(layer, module, found[module]))
        indent = "    " * (page.count("/") - 1 - (identifier == layer))
        summary.append(f"{indent}* [{identifier}]({page.removeprefix('reference/')})\n")
    with mkdocs_gen_files.open(NAV_FILE, "w") as handle:
        handle.writelines(summary)
    # literate-nav finds an excluded file all the same (it looks files up by path), and mkdocs does not build it.
    from mkdocs.structure.files import InclusionLevel

    mkdocs_gen_files.FilesEditor.current().files.get_file_from_path(NAV_FILE).inclusion = InclusionLevel.EXCLUDED


if __name__ in ("__main__", "<run_path>"):
    write_pages()
