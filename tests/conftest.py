"""Shared fixtures: one strict site build per test session, and a local server for it.

The build is the real one readers get: ``python -m mkdocs build --strict`` from the
project root, so the artifact hook, the snippets and the notebooks all run.

Under pytest-xdist every worker asks for the site, but only one of them builds it:
the workers share a directory next to their own temp dirs and take a file lock on it,
so the first one builds and records the result (exit code and output), and the others
read that record. Building once also keeps two builds from writing ``docs/generated/``
at the same time. A failed build fails every test that needs the site, with the build's
output in the message; it never skips.
"""

from __future__ import annotations

import fcntl
import json
import os
import posixpath
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import settings

# CI runs the same hypothesis examples every time, so a red run can be reproduced; a developer's run explores
# new ones (and keeps the failures it finds in .hypothesis/).
# No per-example deadline in either: it would time the machine, not the code, and a shared 2-core machine under
# load once failed a correct test at hypothesis's default 200 ms.
# A test without a count of its own tries 100 examples under CI, 25 elsewhere (see tests/strategies.py's examples()).
settings.register_profile("ci", derandomize=True, database=None, deadline=None, max_examples=100)
settings.register_profile("dev", deadline=None, max_examples=25)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "scripts"))
import serve_site  # noqa: E402 - scripts/ is not a package

# Colour codes that mkdocs and Material put in their log lines.
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")

# How much of a failed build's output each test that needed the site repeats.
BUILD_OUTPUT_TAIL_LINES = 15

# Generous: a cold build runs every example, snippet and notebook on a busy machine.
BUILD_TIMEOUT_SECONDS = 1800


@dataclass(frozen=True)
class SiteBuild:
    """The outcome of ``mkdocs build --strict``.

    Attributes:
        site: Directory holding the built HTML.
        output: Everything the build printed (stdout and stderr, interleaved).
        returncode: The build's exit status; 0 means it passed.
    """

    site: Path
    output: str
    returncode: int

    def log_lines(self) -> list[str]:
        """The output's lines without colour codes."""
        return ANSI_ESCAPE.sub("", self.output).splitlines()


@dataclass(frozen=True)
class NavPage:
    """A page listed in the ``nav`` of mkdocs.yml.

    Attributes:
        source: Path of the page's source under docs/, e.g. ``lstm.md``.
        output: Path of the built HTML under the site directory, e.g. ``lstm/index.html``.
        url: The page's URL relative to the site root, e.g. ``lstm/`` (``""`` for the home page).
    """

    source: str
    output: str
    url: str


class _AnyTagLoader(yaml.SafeLoader):
    """A YAML loader that reads mkdocs.yml without importing anything.

    mkdocs.yml may hold tags such as ``!!python/name:...`` or ``!ENV``; the nav never needs
    them, so each tagged node loads as None.
    """


_AnyTagLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def _page_for(source: str, use_directory_urls: bool) -> NavPage:
    """Where mkdocs writes the page built from ``source`` (the rule mkdocs itself follows)."""
    stem = posixpath.splitext(source)[0]
    parent, name = posixpath.split(stem)
    if name in ("index", "README"):
        url = f"{parent}/" if parent else ""
        return NavPage(source, posixpath.join(parent, "index.html"), url)
    if use_directory_urls:
        return NavPage(source, f"{stem}/index.html", f"{stem}/")
    return NavPage(source, f"{stem}.html", f"{stem}.html")


def _flatten_nav(entries: object) -> list[str]:
    """The page sources of a nav, in order, sections flattened, external links left out.

    A folder (`reference/`) stands for the pages scripts/gen_ref_pages.py writes there at build time.
    """
    if isinstance(entries, str) and entries.endswith("/"):
        import gen_ref_pages

        return [page for page in gen_ref_pages.reference_pages() if page.startswith(entries)]
    if isinstance(entries, str):
        return [] if "://" in entries else [entries]
    if isinstance(entries, dict):
        return [source for value in entries.values() for source in _flatten_nav(value)]
    if isinstance(entries, list):
        return [source for entry in entries for source in _flatten_nav(entry)]
    return []


def nav_pages() -> list[NavPage]:
    """The pages of the site's nav, read from mkdocs.yml (empty if it has none)."""
    config_path = REPO_ROOT / "mkdocs.yml"
    if not config_path.exists():
        return []
    config = yaml.load(config_path.read_text(encoding="utf-8"), Loader=_AnyTagLoader) or {}
    use_directory_urls = config.get("use_directory_urls", True) is not False
    return [_page_for(source, use_directory_urls) for source in _flatten_nav(config.get("nav"))]


@pytest.fixture(scope="session")
def site_nav() -> list[NavPage]:
    """The pages of the nav, in order; fails the test if mkdocs.yml lists none."""
    pages = nav_pages()
    if not pages:
        pytest.fail("mkdocs.yml is missing or has no nav", pytrace=False)
    return pages


SLOW_DOCTESTS = ("train_memory_model", "gradient_flow")
"""Docstring examples that train models or run a whole experiment (seconds each): they run with the slow tests."""


@pytest.hookimpl(tryfirst=True)  # before `-m` chooses what runs
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the docstring examples of SLOW_DOCTESTS slow, wherever their module lives."""
    for item in items:
        if isinstance(item, pytest.DoctestItem) and item.name.rsplit(".", 1)[-1] in SLOW_DOCTESTS:
            item.add_marker(pytest.mark.slow)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Tell tests/generated.py which examples the selected tests read, so that the first reader builds them all
    in one call (see its docstring)."""
    import generated

    generated.WANTED.update(
        example for item in session.items for mark in item.iter_markers("generated") for example in mark.args
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run any test that takes a ``nav_page`` argument once per page of the nav.

    With no nav to read, the test still runs once, with ``nav_page=None``, and must fail:
    a missing nav is a broken site, not a reason to skip.
    """
    if "nav_page" in metafunc.fixturenames:
        pages = nav_pages()
        if pages:
            metafunc.parametrize("nav_page", pages, ids=[page.source for page in pages])
        else:
            metafunc.parametrize("nav_page", [None], ids=["no-nav-in-mkdocs.yml"])


def _run_build(site: Path) -> SiteBuild:
    """Build the site into ``site`` as scripts/site.sh does (the artifacts, then mkdocs); capture what it printed."""
    commands = [
        [sys.executable, str(REPO_ROOT / "scripts" / "build_artifacts.py")],
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
    ]
    # Material prints an advert for its successor on every build; it says nothing about this site.
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    output = ""
    for command in commands:
        try:
            completed = subprocess.run(
                command, cwd=REPO_ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True, timeout=BUILD_TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired as error:
            printed = error.stdout if isinstance(error.stdout, str) else (error.stdout or b"").decode()
            return SiteBuild(site, output + printed + f"\n[build timed out after {BUILD_TIMEOUT_SECONDS} s]", -1)
        output += completed.stdout
        if completed.returncode != 0:
            break
    return SiteBuild(site, output, completed.returncode)


@pytest.fixture(scope="session")
def site_build(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> SiteBuild:
    """Build the site once for the whole session (once across all xdist workers).

    Returns:
        The build's outcome, whether it passed or not; use ``built_site`` to require
        a passing build.
    """
    own_temp = tmp_path_factory.getbasetemp()
    # xdist workers get sibling temp dirs (.../popen-gw0, .../popen-gw1): share their parent.
    shared = own_temp if worker_id == "master" else own_temp.parent
    record = shared / "site-build.json"
    with open(shared / "site-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if record.exists():
            saved = json.loads(record.read_text())
            return SiteBuild(Path(saved["site"]), saved["output"], saved["returncode"])
        build = _run_build(shared / "site")
        record.write_text(
            json.dumps({"site": str(build.site), "output": build.output, "returncode": build.returncode})
        )
        return build


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    """The xdist worker name (``gw0``...), or ``master`` without xdist.

    pytest-xdist provides this fixture itself; this fallback keeps the suite working
    when xdist is not installed. A conftest fixture overrides the plugin's, so it reads
    the same attribute the plugin does.
    """
    workerinput = getattr(request.config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "master"


@pytest.fixture(scope="session")
def built_site(site_build: SiteBuild) -> Path:
    """The built site directory; fails the test if the build failed.

    The message holds the build's WARNING and ERROR lines and the end of its output; the whole output is
    in the failure of test_site.py::test_strict_build_passes_without_warning.
    """
    if site_build.returncode != 0:
        lines = site_build.log_lines()
        problems = [line for line in lines if line.startswith(("WARNING", "ERROR"))]
        pytest.fail(
            f"`mkdocs build --strict` exited with {site_build.returncode}.\n"
            + "Its warnings and errors:\n"
            + "\n".join(problems or ["(none logged)"])
            + "\nThe end of its output:\n"
            + "\n".join(lines[-BUILD_OUTPUT_TAIL_LINES:]),
            pytrace=False,
        )
    return site_build.site


@pytest.fixture(scope="session")
def served_site(built_site: Path):
    """Serve the built site on 127.0.0.1 as a static host would (`scripts/serve_site.py`), in a thread.

    Yields:
        The base URL, ending in ``/``, e.g. ``http://127.0.0.1:40123/``.
    """
    with serve_site.serving(built_site) as base:
        yield base
