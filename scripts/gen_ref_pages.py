"""Write the API reference, one page per module of `seqdocs`, while mkdocs builds (the mkdocstrings way).

mkdocs-gen-files runs this script at the start of every build: it writes `reference/<module>.md` holding
`::: seqdocs.<module>` for each public module, `reference/index.md` for the package itself, and
`reference/SUMMARY.md`, which mkdocs-literate-nav reads as the section's navigation. None of these files is on
disk. Pages link to an entry as `[lstm_trace][seqdocs.lstm_trace]`: mkdocstrings registers each entry under
the names it is re-exported as, so the link lands on `reference/lstm/#seqdocs.lstm.lstm_trace`.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "seqdocs"


def reference_pages() -> dict[str, str]:
    """Each page of the reference (its path under `docs/`) and the object it documents, package first."""
    pages = {"reference/index.md": "seqdocs"}
    for path in sorted(PACKAGE.glob("[!_]*.py")):
        pages[f"reference/{path.stem}.md"] = f"seqdocs.{path.stem}"
    return pages


def write_pages() -> None:
    import mkdocs_gen_files

    summary = []
    for page, identifier in reference_pages().items():
        with mkdocs_gen_files.open(page, "w") as handle:
            # The package's page is its docstring and the list of modules; each module's page has its entries.
            options = "\n    options:\n      members: false" if identifier == "seqdocs" else ""
            handle.write(f"::: {identifier}{options}\n")
        summary.append(f"* [{identifier}]({Path(page).name})\n")
    with mkdocs_gen_files.open("reference/SUMMARY.md", "w") as handle:
        handle.writelines(summary)


if __name__ in ("__main__", "<run_path>"):
    write_pages()
