"""mkdocs hook: offer each page's program for download, beside its reproduce block.

`scripts/build_downloads.py` writes each page's program into `docs/downloads/` as `<page>.py` and `<page>.ipynb`;
`on_page_markdown` reads the page as it does (`build_downloads.read_program`) and adds, after the program's last
block and its output, one paragraph: the two files (relative links, which `--strict` checks) and a link to the
Setup page's *Run it yourself*. Why a hook: no plugin knows where a page's program ends.
"""

from __future__ import annotations

import posixpath
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_downloads  # noqa: E402 - scripts/ is not a package

RUN_IT_YOURSELF = "setup.md#run-it-yourself"


def download_paragraph(page: str) -> str:
    """The Markdown paragraph offering a page's program; `page` is its path under `docs/`, e.g. `lstm.md`.

    Examples:
        >>> print(download_paragraph("lstm.md"))  # doctest: +ELLIPSIS
        <BLANKLINE>
        Download this program: [lstm.py](downloads/lstm.py){ download="lstm.py" }, or as a notebook ...
        { .seqdocs-downloads }
        <BLANKLINE>
    """
    here = posixpath.dirname(page) or "."
    script, notebook = (posixpath.relpath(f"{build_downloads.FOLDER}/{name}", here)
                        for name in build_downloads.download_names(page))
    setup = posixpath.relpath(RUN_IT_YOURSELF, here)
    script_name, notebook_name = posixpath.basename(script), posixpath.basename(notebook)
    return (f'\nDownload this program: [{script_name}]({script}){{ download="{script_name}" }}, or as a notebook '
            f'with the output above, [{notebook_name}]({notebook}){{ download="{notebook_name}" }}. To run it, '
            f"install PyTorch and seqdocs as [Run it yourself]({setup}) says.\n{{ .seqdocs-downloads }}\n")


def add_download_links(markdown: str, page: str, docs: Path) -> str:
    """The page's Markdown with the download paragraph after its program's last block (unchanged if it has none)."""
    program = build_downloads.read_program(markdown, docs, page)
    if not program.cells:
        return markdown
    lines = markdown.splitlines()
    lines.insert(program.end_line + 1, download_paragraph(page))
    return "\n".join(lines) + "\n"


def on_page_markdown(markdown: str, page, config, files) -> str:
    if not page.file.src_uri.endswith(".md"):
        return markdown
    try:
        return add_download_links(markdown, page.file.src_uri, Path(config.docs_dir))
    except build_downloads.DownloadError as error:
        from mkdocs.exceptions import PluginError

        raise PluginError(str(error)) from None
