"""Every Python block on the site runs as a reader would copy it, and prints what the page shows.

The code is read back from the built HTML, not from the Markdown, so what is tested is what the reader
copies: pymdownx.highlight markup with the tags stripped, entities unescaped and line numbers left out.
A Python block is a ``div.highlight`` with the class ``language-python`` (pymdownx.highlight's
``pygments_lang_class``). When the block right after it is titled "Output", the code's stdout must equal
that block's text, trailing whitespace aside.

Left out, on purpose:
- notebook pages: their cells share one kernel and run in order; the build executes them (nbclient).
- code inside the API reference's rendered objects (classes ``doc``, ``doc-*`` from mkdocstrings):
  signatures and source listings are not programs, and docstring examples run under --doctest-modules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import NavPage

pytestmark = pytest.mark.slow

# Per block; a block that trains a small model on a busy 2-core machine must still fit.
RUN_TIMEOUT_SECONDS = 300

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class CodeBlock:
    """One highlighted block of a built page."""

    index: int
    language: str | None
    title: str
    text: str
    line: int
    in_api_object: bool

    def first_line(self) -> str:
        return next((line for line in self.text.splitlines() if line.strip()), "")


class _CodeBlockParser(HTMLParser):
    """Collects the ``div.highlight`` blocks of a page in document order.

    It keeps a stack of open elements so it knows whether text is inside a block's ``<code>``, inside a
    line-number cell (skipped), inside the title span, or under a mkdocstrings object.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[CodeBlock] = []
        self.stack: list[tuple[str, set[str]]] = []
        self.block_depth: int | None = None  # stack depth of the open div.highlight

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        if tag in VOID_TAGS:
            return
        if self.block_depth is None and tag == "div" and "highlight" in classes:
            language = next((name[len("language-") :] for name in classes if name.startswith("language-")), None)
            in_api_object = any(
                name == "doc" or name.startswith("doc-") for _, ancestor in self.stack for name in ancestor
            ) or any(name.startswith("doc-") for name in classes)
            self.blocks.append(CodeBlock(len(self.blocks), language, "", "", self.getpos()[0], in_api_object))
            self.block_depth = len(self.stack)
        elif self.block_depth is not None and tag == "code" and self.blocks[-1].language is None:
            # Some renderers put the language class on <code> instead of the div.
            self.blocks[-1].language = next(
                (name[len("language-") :] for name in classes if name.startswith("language-")), None
            )
        self.stack.append((tag, classes))

    def handle_endtag(self, tag: str) -> None:
        # Pop up to the matching element, so a stray or missing end tag cannot derail the stack.
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break
        if self.block_depth is not None and len(self.stack) <= self.block_depth:
            self.block_depth = None

    def handle_data(self, data: str) -> None:
        if self.block_depth is None:
            return
        inside = self.stack[self.block_depth :]
        if any("linenos" in classes or "linenodiv" in classes for _, classes in inside):
            return
        if any(tag == "span" and "filename" in classes for tag, classes in inside):
            self.blocks[-1].title += data
        elif any(tag == "code" for tag, _ in inside):
            self.blocks[-1].text += data


def code_blocks(page: Path) -> list[CodeBlock]:
    parser = _CodeBlockParser()
    parser.feed(page.read_text(encoding="utf-8"))
    parser.close()
    return parser.blocks


@dataclass
class PythonExample:
    """A Python block to run, and the output the page shows for it (None if it shows none)."""

    block: CodeBlock
    shown_output: str | None


def python_examples(page: Path) -> list[PythonExample]:
    blocks = code_blocks(page)
    examples = []
    for position, block in enumerate(blocks):
        if block.language != "python" or block.in_api_object:
            continue
        following = blocks[position + 1] if position + 1 < len(blocks) else None
        shown = following.text if following is not None and following.title.strip() == "Output" else None
        examples.append(PythonExample(block, shown))
    return examples


def normalized(text: str) -> str:
    """Text with trailing whitespace removed from each line and from the end."""
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines())


def run_as_copied(code: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter, from an empty directory, as a reader pasting it would."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PYTHON")}
    environment["MPLBACKEND"] = "Agg"  # a reader's figures open windows; here they must not
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=workdir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
    )


def check_examples(page: Path, label: str, tmp_path: Path) -> list[str]:
    """Run every Python block of a page; return one message per block that misbehaves."""
    problems = []
    for example in python_examples(page):
        block = example.block
        where = f"{label} block #{block.index} (HTML line {block.line}, starts {block.first_line()!r})"
        workdir = tmp_path / f"block{block.index}"
        workdir.mkdir(parents=True)
        try:
            result = run_as_copied(block.text, workdir)
        except subprocess.TimeoutExpired:
            problems.append(f"{where}: still running after {RUN_TIMEOUT_SECONDS} s")
            continue
        if result.returncode != 0:
            problems.append(f"{where}: exited with {result.returncode}\n{result.stderr}")
            continue
        if result.stderr.strip():
            problems.append(f"{where}: wrote to stderr, which the page does not show:\n{result.stderr}")
        if example.shown_output is not None and normalized(result.stdout) != normalized(example.shown_output):
            problems.append(
                f"{where}: printed something else than its Output block.\n"
                f"--- page shows ---\n{normalized(example.shown_output)}\n"
                f"--- code prints ---\n{normalized(result.stdout)}"
            )
    return problems


def check_notebook(page: Path, label: str, workdir: Path) -> list[str]:
    """Run the code cells of the notebook offered for download next to `page`, in order, as one program.

    Whatever the executed notebook's cells printed (their stream outputs) must be printed again.
    """
    notebooks = sorted(page.parent.glob("*.ipynb"))
    if not notebooks:
        return [f"{label}: no .ipynb next to {page.name}"]
    document = json.loads(notebooks[0].read_text(encoding="utf-8"))
    cells = [cell for cell in document["cells"] if cell["cell_type"] == "code"]
    code = "\n\n".join("".join(cell["source"]) for cell in cells)
    printed = ["".join(output["text"]) for cell in cells for output in cell.get("outputs", [])
               if output.get("output_type") == "stream" and output.get("name") == "stdout"]
    if not printed:
        return [f"{label}: the executed notebook printed nothing to compare with"]
    result = run_as_copied(code, workdir)
    if result.returncode != 0:
        return [f"{label}: its cells, run in order as one program, failed:\n{result.stderr[-2000:]}"]
    return [f"{label}: a cell printed this in the notebook, but not when copied:\n{text}"
            for text in printed if normalized(text) not in normalized(result.stdout)]


def test_python_blocks_of_nav_page_run_as_shown(
    built_site: Path, nav_page: NavPage | None, tmp_path: Path
) -> None:
    assert nav_page is not None, "mkdocs.yml has no nav"
    page = built_site / nav_page.output
    if nav_page.source.endswith(".ipynb"):
        # A notebook's cells build on each other: copied, they run as one program, in order.
        problems = check_notebook(page, nav_page.source, tmp_path)
        assert not problems, "\n\n".join(problems)
        return
    assert page.is_file(), f"{nav_page.output} was not built"
    problems = check_examples(page, nav_page.source, tmp_path)
    assert not problems, "\n\n".join(problems)


def test_python_blocks_outside_the_nav_run_as_shown(
    built_site: Path, site_nav: list[NavPage], tmp_path: Path
) -> None:
    in_nav = {page.output for page in site_nav}
    problems = []
    for page in sorted(built_site.rglob("*.html")):
        relative = page.relative_to(built_site).as_posix()
        if relative not in in_nav:
            problems += check_examples(page, relative, tmp_path / relative.replace("/", "_"))
    assert not problems, "\n\n".join(problems)


def test_site_shows_python_blocks_with_their_output(built_site: Path, site_nav: list[NavPage]) -> None:
    # Guards the tests above against passing on nothing: if the markup changes (say pygments_lang_class is
    # turned off), they would find no Python block and check nothing.
    examples = [
        example
        for page in site_nav
        if not page.source.endswith(".ipynb") and (built_site / page.output).is_file()
        for example in python_examples(built_site / page.output)
    ]
    assert examples, (
        "no div.highlight with class language-python on any nav page: is pygments_lang_class on in "
        "mkdocs.yml (pymdownx.highlight)?"
    )
    assert any(example.shown_output is not None for example in examples), (
        "no Python block is followed by a block titled 'Output'"
    )
