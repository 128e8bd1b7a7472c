"""Make what a reader takes home from the site: the package's wheel, and each page's program as `.py` and `.ipynb`.

    python scripts/build_downloads.py

`scripts/build_artifacts.py` calls `build()` after each complete build (not after `--only`), since a page's
program is read from the snippet output that build wrote. Everything goes into `docs/downloads/`, which mkdocs
publishes as `site/downloads/`, a stable path:

| file                                   | made from                                                                     |
| -------------------------------------- | ----------------------------------------------------------------------------- |
| `seqdocs-<version>-py3-none-any.whl`   | `pip wheel` (setuptools, pyproject.toml) of a clean copy of the package       |
| `walkthrough.ipynb`                    | the executed walk-through notebook, `docs/generated/notebooks/`, copied       |
| `<page>.py`, `<page>.ipynb`            | the page's Python blocks in page order, its headings, the outputs it shows    |
| `install.md` (not published)           | the wheel's link and install command, which the Setup page includes           |

**A page's program** is every ```` ```python ```` block of the page, its `--8<--` includes expanded (the reproduce
snippets, `docs/generated/snippets/<name>.md`), in page order; a block titled "Output" right after one is what
it printed when the site was built. The notebook (nbformat) holds the page's title, the heading of each block's
section as a Markdown cell, each block as a code cell and the output the page shows as that cell's output; the
`.py` is the same notebook in jupytext's percent format (`# %%` cells), so it runs as a script and opens as a
notebook. Nothing runs here: the snippet build has run the code, and `tests/test_downloads.py` runs every file
in a new virtual environment holding only torch and the wheel, and compares what it prints with the page.
`scripts/hooks_downloads.py` puts the links beside each page's reproduce block, by the same reading of the page.

**The wheel** is built from a copy of `pyproject.toml`, `README.md` and `seqdocs/` (no `__pycache__`), without build
isolation (no network: setuptools comes from the build's venv), with `SOURCE_DATE_EPOCH` and the umask fixed (the
wheel records each file's time and mode), so the same sources give the same bytes on any machine and in any clone.

**Cache.** Each file's key is the SHA-256 of what it is made from (this script, the sources or the page and its
includes, the versions of the tools that write it); `.manifest.json` holds the key of each file in the folder,
and a file whose key has not changed is not written again, so a build with nothing to do writes nothing. Wheels
are kept under `build/downloads/` by key, the last KEPT_WHEELS, so undoing an edit to the package copies the
earlier wheel back instead of building it again.

**Why it is written here.** The wheel is pip's and setuptools' own build (`python -m build` would add a package
and call the same backend). What stays hand-written is reading a page and the cache. jupytext, which reads
Markdown into notebooks, finds no code cell in `lstm.md`, `setup.md` or `cost.md` (their program comes through a
`--8<--` include, which it does not expand) and has no notion of a block's "Output"; `read_program` finds one cell
in each, with its output. The cache: building the wheel takes 9.9 s (2.6 s of CPU, in pip); with nothing changed,
the whole step takes 0.3 s.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THIS_SCRIPT = Path(__file__).resolve()
FOLDER = "downloads"
"""The output folder, relative to `docs/` and to the built site."""
MARKER = ".seqdocs-downloads"
"""Marks the folder as this script's: only such a folder (or an empty or new one) is ever cleaned."""
MANIFEST = ".manifest.json"
WHEEL_SOURCES = ("pyproject.toml", "README.md", "seqdocs")
"""What goes into the wheel: the build configuration, the long description, the package."""
SOURCE_DATE_EPOCH = "315532800"
"""1980-01-01 00:00 UTC, the earliest time a zip file can record: every file in the wheel carries it."""
KEPT_WHEELS = 4
WALKTHROUGH = "generated/notebooks/walkthrough.ipynb"
"""The walk-through notebook, relative to `docs/`: the first download the Setup page offers."""
INSTALL_INCLUDE = "install.md"
NOTEBOOK_TOOLS = ("nbformat", "jupytext")
SKIPPED_FOLDERS = ("generated", FOLDER)
"""Folders of `docs/` holding included material, not pages."""

INCLUDE = re.compile(r'^(?P<indent>[ \t]*)--8<--[ \t]+"(?P<path>[^"]+)"[ \t]*$')
"""A pymdownx.snippets block include, on a line of its own."""
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
HEADING = re.compile(r"^(?P<level>#{1,6})[ \t]+(?P<text>.*?)[ \t]*(?:\{[^}]*\})?[ \t]*$")
"""An ATX heading at the start of a line; an attr_list (`{ #id }`) at its end is left out."""
TITLE = re.compile(r'\btitle="([^"]*)"')


class DownloadError(RuntimeError):
    """A download could not be made; the message names the page or file and what to do."""


# --- reading a page's program ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class CodeBlock:
    """A fenced block of the page; `line` is the line of the page's own text it comes from (0-based): the
    block's closing fence, or the `--8<--` line that includes it."""

    language: str
    title: str
    code: str
    line: int


@dataclass(frozen=True)
class Cell:
    """One step of a page's program: the headings of its section (from level 2 down), its code, and what the page
    shows it printed."""

    headings: tuple[Heading, ...]
    code: str
    output: str | None


@dataclass
class PageProgram:
    """A page's Python blocks, in page order, and what the notebook and the page links need to know."""

    page: str
    title: str
    cells: list[Cell] = field(default_factory=list)
    end_line: int = -1
    """The last line of the page's own text that belongs to its program (with the last block's output)."""
    includes: list[Path] = field(default_factory=list)


def _expand(text: str, docs: Path, page: str, line: int | None = None, depth: int = 0) -> Iterator[tuple[str, int, Path | None]]:
    """The page's lines with every `--8<--` include replaced by the file's lines (indented as the include line),
    each with the line of the page's own text it comes from and the included file it was read from."""
    if depth > 8:
        raise DownloadError(f"{page}: includes nest more than 8 deep; is a file including itself?")
    for number, raw in enumerate(text.splitlines()):
        own = number if line is None else line
        match = INCLUDE.match(raw)
        if not match:
            yield raw, own, None
            continue
        path = docs / match["path"]
        if match["path"].split("/")[0] == FOLDER:  # this script's own output (install.md), which holds no program
            yield raw, own, None
            continue
        if not path.is_file():
            raise DownloadError(f"{page}: includes {match['path']}, which does not exist; run "
                                "scripts/build_artifacts.py first, which writes docs/generated/")
        yield "", own, path
        for inner, _, source in _expand(path.read_text(encoding="utf-8"), docs, page, own, depth + 1):
            yield (match["indent"] + inner if inner else inner), own, source or path


def read_program(markdown: str, docs: Path, page: str) -> PageProgram:
    """Read a page's program from its Markdown; `page` is its path under `docs/`, e.g. `lstm.md`.

    Examples:
        >>> program = read_program("# LSTM\\n\\n## Run\\n\\n```python\\nprint(1)\\n```\\n\\n"
        ...                        '```text title="Output"\\n1\\n```\\n', Path("."), "lstm.md")
        >>> program.title, program.cells, program.end_line
        ('LSTM', [Cell(headings=(Heading(level=2, text='Run'),), code='print(1)\\n', output='1\\n')], 10)
    """
    title, section, blocks, includes = None, (), [], []
    fence = None  # (indent, fence, language, title, lines) while inside a block
    sections: dict[int, tuple[Heading, ...]] = {}
    for raw, line, source in _expand(markdown, docs, page):
        if source is not None and source not in includes:
            includes.append(source)
        if fence is None:
            opened, heading = FENCE.match(raw), HEADING.match(raw)
            if opened:
                info = opened["info"].strip()
                language = info.split()[0].lstrip(".{").rstrip("}") if info else ""
                found_title = TITLE.search(info)
                fence = (opened["indent"], opened["fence"], language, found_title[1] if found_title else "", [])
            elif heading:
                level, text = len(heading["level"]), heading["text"]
                if level == 1 and title is None:
                    title = text
                elif level > 1:
                    section = tuple(h for h in section if h.level < level) + (Heading(level, text),)
        else:
            indent, mark, language, block_title, lines = fence
            if re.fullmatch(rf"[ \t]*{re.escape(mark[0])}{{{len(mark)},}}[ \t]*", raw):
                blocks.append(CodeBlock(language, block_title, "".join(lines), line))
                sections[len(blocks) - 1] = section
                fence = None
            else:
                lines.append((raw[len(indent):] if raw.startswith(indent) else raw.lstrip()) + "\n")
    program = PageProgram(page, title or Path(page).stem, includes=includes)
    for position, block in enumerate(blocks):
        if block.language != "python":
            continue
        following = blocks[position + 1] if position + 1 < len(blocks) else None
        shown = following if following is not None and following.title.strip() == "Output" else None
        program.cells.append(Cell(sections[position], block.code, shown.code if shown else None))
        program.end_line = (shown or block).line
    return program


def pages(docs: Path) -> list[str]:
    """Every page of `docs/` (Markdown, outside the generated folders), as paths under it, in order."""
    found = []
    for path in sorted(docs.rglob("*.md")):
        relative = path.relative_to(docs).as_posix()
        if relative.split("/")[0] not in SKIPPED_FOLDERS:
            found.append(relative)
    return found


def download_names(page: str) -> tuple[str, str]:
    """The program's and the notebook's path under the downloads folder: `lstm.md` -> `lstm.py`, `lstm.ipynb`."""
    stem = posixpath.splitext(page)[0]
    return f"{stem}.py", f"{stem}.ipynb"


# --- the program as a notebook and a script ----------------------------------------------------------------


def notebook(program: PageProgram, substitute: Callable[[str], str] = lambda text: text):
    """The page's program as an nbformat notebook: title, section headings, code cells with the page's output.

    `substitute` puts the examples' values into heading text (a heading may hold `{{ example.key }}`).
    """
    from nbformat import v4

    title = substitute(program.title)
    intro = f"# {title}\n\n" + textwrap.fill(
        f"The program of the seqdocs page *{title}*: its code in the page's order, with the output the page shows "
        f"(computed with torch {_version('torch')} when the site was built). It needs PyTorch and `seqdocs`; *Run "
        "it yourself* on the site's Setup page says how to install them.", width=100)
    cells = [v4.new_markdown_cell(intro)]
    shown: tuple[Heading, ...] = ()
    for count, cell in enumerate(program.cells, 1):
        # The headings above this block that the notebook has not shown yet: a new subsection under a section
        # already shown adds one heading, a block in another section its section's heading and all below it.
        common = next((n for n, (a, b) in enumerate(zip(shown, cell.headings)) if a != b), min(len(shown), len(cell.headings)))
        for heading in cell.headings[common:]:
            cells.append(v4.new_markdown_cell(f"{'#' * heading.level} {substitute(heading.text)}"))
        shown = cell.headings
        outputs = [v4.new_output("stream", name="stdout", text=cell.output)] if cell.output else []
        cells.append(v4.new_code_cell(cell.code.rstrip("\n"), execution_count=count, outputs=outputs))
    for number, made in enumerate(cells, 1):
        made["id"] = f"cell-{number}"  # nbformat draws random ids; fixed ones keep the file reproducible
    document = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    document.nbformat, document.nbformat_minor = 4, 5
    return document


def notebook_text(document) -> str:
    import nbformat

    nbformat.validate(document)
    return nbformat.writes(document) + "\n"


def script_text(document) -> str:
    """The notebook as a Python script in jupytext's percent format, without jupytext's metadata header."""
    import copy

    import jupytext

    plain = copy.deepcopy(document)
    plain.metadata["jupytext"] = {"notebook_metadata_filter": "-all", "cell_metadata_filter": "-all"}
    return jupytext.writes(plain, fmt="py:percent")


# --- the wheel ---------------------------------------------------------------------------------------------


def project_metadata(root: Path) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def wheel_name(root: Path) -> str:
    """The wheel's file name, from pyproject.toml's name and version: `seqdocs-0.1.0-py3-none-any.whl`."""
    project = project_metadata(root)
    name = re.sub(r"[-_.]+", "_", project["name"]).lower()
    return f"{name}-{project['version']}-py3-none-any.whl"


def wheel_sources(root: Path) -> list[Path]:
    """The files a wheel is built from, sorted; caches and editable-install leftovers left out."""
    files = []
    for name in WHEEL_SOURCES:
        path = root / name
        if path.is_file():
            files.append(path)
        for inner in sorted(path.rglob("*")) if path.is_dir() else []:
            parts = inner.relative_to(root).parts
            if inner.is_file() and not any(p == "__pycache__" or p.endswith(".egg-info") for p in parts) \
                    and inner.suffix not in (".pyc", ".pyo"):
                files.append(inner)
    return files


def _digest(parts: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for label, data in parts:
        digest.update(f"{label}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def _version(name: str) -> str:
    with contextlib.suppress(metadata.PackageNotFoundError):
        return metadata.version(name)
    return "absent"


def wheel_key(root: Path) -> str:
    parts = [("script", THIS_SCRIPT.read_bytes()),
             ("tools", f"python={sys.version_info[0]}.{sys.version_info[1]} setuptools={_version('setuptools')}".encode())]
    parts += [(path.relative_to(root).as_posix(), path.read_bytes()) for path in wheel_sources(root)]
    return _digest(parts)


def build_wheel(root: Path, destination: Path) -> Path:
    """Build the wheel into `destination` from a clean copy of its sources; return its path.

    Raises:
        DownloadError: If pip fails (its output is in the message) or writes another file than expected.
    """
    destination.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="seqdocs-wheel-") as scratch:
        source = Path(scratch) / "source"
        for path in wheel_sources(root):
            copy = source / path.relative_to(root)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
            copy.chmod(0o644)  # a clone's umask must not change the bytes (the wheel records each file's mode)
        environment = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "PYTHONHASHSEED": "0"}
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                   "--disable-pip-version-check", "--quiet", "--wheel-dir", str(Path(scratch) / "out"), str(source)]
        # The wheel records each file's mode, which setuptools sets from the umask: fixed, like the time.
        done = subprocess.run(command, env=environment, capture_output=True, text=True, umask=0o022)
        built = sorted((Path(scratch) / "out").glob("*.whl"))
        expected = wheel_name(root)
        if done.returncode != 0 or [path.name for path in built] != [expected]:
            raise DownloadError(f"building the wheel ({' '.join(command[2:4])}) failed, or did not make {expected} "
                                f"alone (it made {[p.name for p in built]}):\n{done.stdout}{done.stderr}")
        shutil.copyfile(built[0], destination / expected)
    return destination / expected


# --- the build ---------------------------------------------------------------------------------------------


@dataclass
class Download:
    """One file of the downloads folder: its name, its key, and how to make its bytes."""

    name: str
    key: str
    make: Callable[[], bytes]


def _page_downloads(docs: Path) -> list[Download]:
    """The `.py` and `.ipynb` of every page that has a program."""
    import hooks_artifacts  # the examples' values, for a heading that holds one

    tools = " ".join(f"{name}={_version(name)}" for name in NOTEBOOK_TOOLS) + f" torch={_version('torch')}"
    found = []
    for page in pages(docs):
        markdown = (docs / page).read_text(encoding="utf-8")
        program = read_program(markdown, docs, page)
        if not program.cells:
            continue
        key = _digest([("script", THIS_SCRIPT.read_bytes()), ("tools", tools.encode()), ("page", markdown.encode())]
                      + [(path.relative_to(docs).as_posix(), path.read_bytes()) for path in program.includes])
        generated = docs / hooks_artifacts.GENERATED

        @functools.cache
        def made(program=program, page=page, generated=generated):
            return notebook(program, lambda text: hooks_artifacts.substitute_values(text, page, generated))

        script, notebook_file = download_names(page)
        found.append(Download(script, key, lambda made=made: script_text(made()).encode()))
        found.append(Download(notebook_file, key, lambda made=made: notebook_text(made()).encode()))
    return found


def _wheel_download(root: Path) -> Download:
    """The wheel: the kept one for its key, or a new build (kept under `build/downloads/<key>/`)."""
    key, name = wheel_key(root), wheel_name(root)
    store = root / "build" / FOLDER

    def make() -> bytes:
        kept = store / key
        if not (kept / name).is_file():
            store.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=store))
            try:
                build_wheel(root, staging)
                if kept.exists():
                    shutil.rmtree(kept)
                os.replace(staging, kept)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        os.utime(kept)  # the most recently used wheels are the ones kept
        results = [path for path in store.iterdir() if not path.name.startswith(".")]
        for old in sorted(results, key=lambda path: -path.stat().st_mtime_ns)[KEPT_WHEELS:]:
            shutil.rmtree(old, ignore_errors=True)
        return (kept / name).read_bytes()

    return Download(name, key, make)


def _install_download(root: Path) -> Download:
    """The Setup page's install step: the wheel's link and the command that installs it. The link is relative to
    the page that includes the file (`setup.md`, in `docs/`)."""
    wheel = wheel_name(root)
    text = (f"Download [{wheel}]({FOLDER}/{wheel}){{ download=\"{wheel}\" }} and install it:\n\n"
            "```console\n"
            f"pip install {wheel}\n"
            "```\n")
    return Download(INSTALL_INCLUDE, _digest([("text", text.encode())]), lambda: text.encode())


def _walkthrough_download(docs: Path) -> Download | None:
    path = docs / WALKTHROUGH
    if not path.is_file():
        return None
    return Download(path.name, _digest([("notebook", path.read_bytes())]), path.read_bytes)


def _write(path: Path, data: bytes) -> None:
    """Write atomically: a reader (or mkdocs serve) never sees half a file."""
    handle, temporary = tempfile.mkstemp(prefix=".staging-", dir=path.parent)
    with os.fdopen(handle, "wb") as output:
        output.write(data)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


def _read_manifest(path: Path) -> dict[str, str]:
    """The key of each file as last written; empty if there is no readable manifest."""
    with contextlib.suppress(OSError, ValueError):
        written = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(written, dict):
            return written
    return {}


def _claim(folder: Path) -> None:
    if (folder / MARKER).is_file():
        return
    if folder.exists() and any(folder.iterdir()):
        raise DownloadError(f"{folder} holds files this build did not write (no {MARKER} in it); refusing to clean "
                            "it. Empty it or move it.")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("Written by scripts/build_downloads.py; rebuilt from the package and the pages.\n")


def build(root: Path = ROOT, docs: Path | None = None, report: Callable[[str], None] = print) -> list[str]:
    """Bring `docs/downloads/` up to date; return the names of the files written.

    Raises:
        DownloadError: If a page cannot be read (a missing include) or the wheel does not build.
    """
    import fcntl

    started = time.monotonic()
    root = Path(root).resolve()
    docs = Path(docs or root / "docs").resolve()
    folder = docs / FOLDER
    _claim(folder)
    if str(THIS_SCRIPT.parent) not in sys.path:
        sys.path.insert(0, str(THIS_SCRIPT.parent))
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        wanted = [_wheel_download(root), _install_download(root), _walkthrough_download(docs), *_page_downloads(docs)]
        wanted = [download for download in wanted if download is not None]
        written_keys = _read_manifest(folder / MANIFEST)
        written = []
        for download in wanted:
            path = folder / download.name
            if written_keys.get(download.name) != download.key or not path.is_file():
                path.parent.mkdir(parents=True, exist_ok=True)
                _write(path, download.make())
                written.append(download.name)
        names = {download.name for download in wanted}
        removed = [p.relative_to(folder).as_posix() for p in sorted(folder.rglob("*"))
                   if p.is_file() and not p.name.startswith(".") and p.relative_to(folder).as_posix() not in names]
        for name in removed:
            (folder / name).unlink()
        manifest = {download.name: download.key for download in wanted}
        if manifest != written_keys:
            _write(folder / MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    programs = sum(name.endswith(".py") for name in names)
    report(f"downloads: {len(written)} of {len(wanted)} files written in {time.monotonic() - started:.1f} s "
           f"({', '.join(written) or 'all up to date'}); the programs of {programs} pages"
           + (f"; removed {', '.join(removed)}" if removed else ""))
    return written


def main(docs: Path | None = None) -> int:
    """Build the downloads, reporting on stdout; 1 (with the reason on stderr) if that failed."""
    try:
        build(docs=docs, report=lambda line: print(line, flush=True))
    except DownloadError as error:
        print(f"build_downloads: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
