"""mkdocs hook: `mkdocs build` stops at once when its site folder already holds the build of the very same inputs.

The inputs are everything a build reads: every file under `docs/` (the pages, and the artifacts and downloads
they include), `overrides/`, `seqdocs/` (the API reference) and `scripts/` (the hooks, gen_ref_pages.py and what
they import), mkdocs.yml and pyproject.toml; the options the command line or the environment set (site_url from
SITE_URL, strict, the site folder); and the Python and the installed distributions (each `*.dist-info` folder's
name holds its version). After a build that logged no warning their key is kept in `build/` beside the other
build caches; the next `mkdocs build` with the same key and the same site folder has nothing to do, and says so.
Any other build first deletes the key, so a build that fails or is interrupted leaves none. `mkdocs serve` always
builds (its site folder is new each time).

Why it stays: MkDocs has no such check (`--dirty` rebuilds pages whose source is newer than their output, which
a page's includes, the API reference's sources and the navigation escape; and `--strict --dirty` always fails).
Measured on the 2-core machine (load 1-4): `SEQDOCS_ARTIFACTS_BUILT=1 mkdocs build --strict` with nothing changed
took 7.8-9.0 s wall (5.8 s on a quiet machine) before, 2.0-2.8 s with it: loading the plugins (mkdocs-jupyter's
imports of nbconvert and jupytext alone 1.4 s) and hashing the inputs (0.04 s).
"""

from __future__ import annotations

import hashlib
import logging
import sys
import sysconfig
from pathlib import Path

from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority
from mkdocs.utils import CountHandler

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ("docs", "overrides", "seqdocs", "scripts")
"""The folders whose every file is an input, with mkdocs.yml and pyproject.toml."""
KEY = ROOT / "build" / "mkdocs-site-inputs"
"""The key of the inputs the site folder was last built from, and that folder."""

building = False
"""Whether this is `mkdocs build` (not serve, not --dirty)."""
key = ""
"""This build's key."""
warnings = CountHandler(level=logging.WARNING)
logging.getLogger("mkdocs").addHandler(warnings)


class UpToDate(Abort):
    """Nothing to build; not an error."""

    exit_code = 0


def inputs_key(config) -> str:
    """The SHA-256 of everything the build reads, as the module docstring lists it."""
    digest = hashlib.sha256()
    for part in (sys.version, config.site_url or "", config.site_dir, str(config.strict), str(config.use_directory_urls),
                 *sorted(path.name for path in Path(sysconfig.get_paths()["purelib"]).glob("*.dist-info"))):
        digest.update(part.encode() + b"\0")
    paths = [ROOT / "mkdocs.yml", ROOT / "pyproject.toml"]
    paths += sorted(path for folder in INPUTS for path in (ROOT / folder).rglob("*") if "__pycache__" not in path.parts)
    for path in paths:
        if path.is_file():
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def on_startup(command: str, dirty: bool) -> None:
    global building
    building = command == "build" and not dirty


@event_priority(100)  # before any other plugin's or hook's work
def on_config(config) -> None:
    """Stop the build if the site folder holds the build of these inputs; otherwise forget the key."""
    global key
    if not building:
        return
    key = inputs_key(config)
    if KEY.is_file() and KEY.read_text(encoding="utf-8") == key and (Path(config.site_dir) / "index.html").is_file():
        raise UpToDate(f"{config.site_dir} is up to date: nothing it is built from has changed since it was built.")
    KEY.unlink(missing_ok=True)
    warnings.counts.clear()


@event_priority(-100)  # after every other plugin's or hook's work
def on_post_build(config) -> None:
    """Keep the key of a build that logged no warning."""
    if building and not warnings.get_counts():
        KEY.parent.mkdir(exist_ok=True)
        KEY.write_text(key, encoding="utf-8")
