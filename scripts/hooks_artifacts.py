"""mkdocs hook: bring `docs/generated/` up to date before each build, and put examples' values into pages.

The artifacts do not depend on mkdocs: `scripts/site.sh` runs `scripts/build_artifacts.py` before the site
generator. `on_pre_build` runs it too (unless site.sh just did; cached: a no-op when nothing changed, 0.5 s), so that
`mkdocs build` and `mkdocs serve` on a fresh clone show the complete site and `mkdocs serve` reruns what an
edit touched. A failing example, snippet or notebook stops the build; the build's own output above names it.

`mkdocs build` waits for it. `mkdocs serve` waits only while some unit has no output at all (a fresh clone);
otherwise the artifact build runs behind it (niced) and the site is rebuilt at once with the outputs there
are: the API pages and the pages of units that did not change show an edit of `seqdocs/rnn.py` at once. Each
unit's output lands in `docs/generated/` as it finishes, which mkdocs sees and rebuilds for; until the last
lands, each rebuild names the pages still being recomputed (those including a unit whose output is not that
of its current key). An edit of the sources while it runs restarts it (an undone edit comes from the kept results).

A page writes `{{ lstm.final_hidden }}` where the `lstm` example gave `out.value("final_hidden", ...)`;
`on_page_markdown` replaces it before the Markdown is read, so a value may hold Markdown or maths. A name
that no example gives fails the build, naming the page, the example and the key. The replacement runs on
the page's own text (code blocks included), not on files it includes with `--8<--`.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from build_artifacts import ImportGraph, Project, discover_units, is_fresh  # scripts/build_artifacts.py, beside it
from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.hooks.seqdocs_artifacts")

VALUE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
"""`{{ example.key }}`, spaces inside the braces optional."""
GENERATED = "generated"
"""The build's output folder, relative to `docs/`."""
BUILD_SCRIPT = Path(__file__).with_name("build_artifacts.py")
ROOT = BUILD_SCRIPT.parent.parent
SOURCES = ("seqdocs", "scripts")
"""What the units' keys are made of: an edit here while a build runs in the background restarts it."""


class UnknownValue(PluginError, LookupError):
    """A page names a value that no example gives: the build fails, naming it."""


def start(generated: Path, background: bool) -> subprocess.Popen:
    """Run `build_artifacts.py` in a process group of its own (which `stop` interrupts); in the background,
    niced, so the site's rebuilds come first. It prints its progress and errors to mkdocs' terminal."""
    nice = ["nice", "-n", "10"] if background else []
    return subprocess.Popen([*nice, sys.executable, str(BUILD_SCRIPT), "--output", str(generated)], start_new_session=True)


def wait(build: subprocess.Popen) -> None:
    """Wait for the build to end; fail the mkdocs build if it failed."""
    try:
        if build.wait() != 0:
            raise PluginError("seqdocs artifacts: the artifact build failed; its error is above")
    except KeyboardInterrupt:  # Ctrl-C in the terminal reaches mkdocs, not the build's group: pass it on
        stop(build)
        raise


def stop(build: subprocess.Popen) -> None:
    """Interrupt it as Ctrl-C would: it stops its units, keeps nothing half-written and exits quietly."""
    if build.poll() is None:
        with contextlib.suppress(ProcessLookupError):  # it may have ended just now
            os.killpg(build.pid, signal.SIGINT)
    build.wait()


serve = False
"""Whether this is `mkdocs serve` (set by `on_startup`, which mkdocs calls once, before the first build)."""
serving: subprocess.Popen | None = None
"""Under `mkdocs serve`, the latest artifact build, started at `started`."""
started = 0.0
pending: dict[str, Path] = {}
"""Under `mkdocs serve`, the output (a folder or a file) of each unit not yet landed for its current key."""
waiting: dict[str, list[str]] = {}
"""Under `mkdocs serve`, each page built while a unit it includes was pending, with those units."""


def on_startup(command: str, dirty: bool) -> None:
    global serve
    serve = command == "serve"


def on_pre_build(config) -> None:
    """Run every stale example, snippet and notebook; fail the mkdocs build if one fails."""
    global serving, started
    if os.environ.get("SEQDOCS_ARTIFACTS_BUILT") == "1":  # `scripts/site.sh build` has just run it
        return
    generated = Path(config.docs_dir) / GENERATED
    if not serve:
        return wait(start(generated, background=False))
    project = Project(ROOT, generated)
    units = discover_units(project)
    missing = any(not project.outputs(unit)[1].is_file() for unit in units)
    newest = max(path.stat().st_mtime for folder in SOURCES for path in (ROOT / folder).rglob("*.py"))
    if serving is not None and (newest > started or missing and serving.poll() is not None):
        if serving.poll() is None:
            log.info("artifacts: the sources changed; starting again")
        stop(serving)  # what it computes is out of date already
        serving = None
    if serving is None:
        serving, started = start(generated, background=not missing), time.time()
    if missing or serving.poll() not in (None, 0):
        wait(serving)  # a unit with no output at all, whose pages could not be built; or the build failed
    graph = ImportGraph(ROOT) if serving.poll() is None else None  # the units it has still to land, if it runs
    pending.clear()
    pending.update({unit.label: project.outputs(unit)[0] for unit in units
                    if graph and not is_fresh(unit, graph.key(unit), project)})
    waiting.clear()


def on_post_build(config) -> None:
    """Under `mkdocs serve`, name the pages still being recomputed."""
    if waiting:
        pages = ", ".join(f"{page} ({', '.join(units)})" for page, units in sorted(waiting.items()))
        log.info(f"artifacts: still being recomputed, shown as before until they land: {pages}")


def on_shutdown() -> None:
    if serving is not None:
        stop(serving)


def substitute_values(markdown: str, page: str, generated: Path) -> str:
    """Replace every `{{ example.key }}` in the Markdown of `page` (named in messages, e.g. `lstm.md`) with the
    value the example gave in `generated/<example>/values.json`.

    Raises:
        UnknownValue: If any named example or key does not exist; the message lists each, with the keys
            the example does give.
    """
    problems = []

    @functools.cache
    def values(example: str) -> dict[str, str] | None:
        path = generated / example / "values.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def replace(match: re.Match[str]) -> str:
        example, key = match.groups()
        if values(example) is None:
            problems.append(f"{page}: {{{{ {example}.{key} }}}}: no example {example!r} (no {GENERATED}/{example}/values.json)")
        elif key not in values(example):
            close = difflib.get_close_matches(key, values(example), n=3)
            hint = f"did you mean {', '.join(close)}?" if close else f"it gives: {', '.join(sorted(values(example))) or 'none'}"
            problems.append(f"{page}: {{{{ {example}.{key} }}}}: example {example!r} gives no value {key!r}; {hint}")
        return values(example).get(key, match.group(0)) if values(example) else match.group(0)

    text = VALUE.sub(replace, markdown)
    if problems:
        raise UnknownValue("\n".join(problems))
    return text


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Put the examples' values into the page; notebook pages are left alone (mkdocs-jupyter renders them)."""
    examples = {f"example {match.group(1)}" for match in VALUE.finditer(markdown)}
    for unit, path in sorted(pending.items()):
        output = path.relative_to(config.docs_dir).as_posix()
        if unit in examples or page.file.src_uri == output or f"{output}/" in markdown or f'{output}"' in markdown:
            waiting.setdefault(page.file.src_uri, []).append(unit)
    if page.file.src_uri.endswith(".ipynb"):
        return markdown
    return substitute_values(markdown, page.file.src_uri, Path(config.docs_dir) / GENERATED)
