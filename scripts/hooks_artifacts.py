"""mkdocs hook: bring `docs/generated/` up to date before each build, and put examples' values into pages.

The artifacts do not depend on mkdocs: `scripts/site.sh` runs `scripts/build_artifacts.py` before the site
generator. `on_pre_build` runs it too (unless site.sh just did; cached: a no-op when nothing changed, 0.5 s), so that
`mkdocs build` and `mkdocs serve` on a fresh clone show the complete site and `mkdocs serve` reruns what an
edit touched. A failing example, snippet or notebook stops the build with a message naming it.

`mkdocs build` waits for it. `mkdocs serve` waits only while some unit has no output at all (a fresh clone);
otherwise the artifact build runs behind it (niced) and the site is rebuilt at once with the outputs there
are: the API pages and the pages of units that did not change show an edit of `seqdocs/rnn.py` at once. Each
unit's output lands in `docs/generated/` as it finishes, which mkdocs sees and rebuilds for; until the last
lands, each rebuild names the pages still being recomputed. An edit of the sources while it runs restarts
it (undoing an edit is then served from the kept results).

A page writes `{{ lstm.final_hidden }}` where the `lstm` example gave `out.value("final_hidden", ...)`;
`on_page_markdown` replaces it before the Markdown is read, so a value may hold Markdown or maths. A name
that no example gives fails the build, naming the page, the example and the key. The replacement runs on
the page's own text (code blocks included), not on files it includes with `--8<--`.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from build_artifacts import Project, discover_units  # scripts/build_artifacts.py, beside this hook
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
PROGRESS = re.compile(r"artifacts: running (.*), \d+ at a time$|  (?:ran|FAILED) (\w+ [\w-]+)")


class UnknownValue(LookupError):
    """A page names a value that no example gives."""


class ArtifactBuild:
    """One run of `build_artifacts.py`, its lines logged as they come; `pending`: the units still running."""

    def __init__(self, generated: Path, background: bool) -> None:
        self.started, self.lines, self.pending, self.quiet = time.time(), [], set(), False
        # In a process group of its own, which `stop` interrupts; in the background, niced: the site's rebuilds first.
        nice = ["nice", "-n", "10"] if background else []
        self.process = subprocess.Popen([*nice, sys.executable, str(BUILD_SCRIPT), "--output", str(generated)],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if self.quiet:
                continue
            log.info(self.lines[-1])
            if match := PROGRESS.match(self.lines[-1]):
                running, finished = match.groups()
                self.pending = set(running.split(", ")) if running else self.pending - {finished}

    def wait(self) -> None:
        """Wait for the build to end; fail the mkdocs build if it failed."""
        try:
            self.reader.join()
        except KeyboardInterrupt:  # Ctrl-C in the terminal reaches mkdocs, not this group: pass it on
            self.stop()
            raise
        if self.process.wait() != 0:
            raise PluginError("seqdocs artifacts: " + "\n".join(self.lines[-80:]))

    def stop(self) -> None:
        """Interrupt it as Ctrl-C would: it stops its units and keeps nothing half-written."""
        if self.process.poll() is None:
            self.quiet = True  # not a word more from it: its traceback is of the interruption
            with contextlib.suppress(ProcessLookupError):  # it may have ended just now
                os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait()
        self.reader.join()


serve = False
"""Whether this is `mkdocs serve` (set by `on_startup`, which mkdocs calls once, before the first build)."""
serving: ArtifactBuild | None = None
"""Under `mkdocs serve`, the latest artifact build."""
outputs: dict[str, tuple[Path, Path]] = {}
"""Under `mkdocs serve`, each unit's output (a folder or a file) and its manifest, by the unit's label."""
waiting: dict[str, list[str]] = {}
"""Under `mkdocs serve`, each page built while a unit it includes was still running, with those units."""


def on_startup(command: str, dirty: bool) -> None:
    global serve
    serve = command == "serve"


def on_pre_build(config) -> None:
    """Run every stale example, snippet and notebook; fail the mkdocs build if one fails."""
    global serving
    if os.environ.get("SEQDOCS_ARTIFACTS_BUILT") == "1":  # `scripts/site.sh build` has just run it
        return
    generated = Path(config.docs_dir) / GENERATED
    if not serve:
        return ArtifactBuild(generated, background=False).wait()
    project = Project(ROOT, generated)
    outputs.update({unit.label: project.outputs(unit) for unit in discover_units(project)})
    missing = any(not manifest.is_file() for _, manifest in outputs.values())
    newest = max(path.stat().st_mtime for folder in SOURCES for path in (ROOT / folder).rglob("*.py"))
    if serving is not None and (newest > serving.started or missing and serving.process.poll() is not None):
        if serving.process.poll() is None:
            log.info("artifacts: the sources changed; starting again")
        serving.stop()  # what it computes is out of date already
        serving = None
    if serving is None:
        serving = ArtifactBuild(generated, background=not missing)
    if missing or serving.process.poll() not in (None, 0):
        serving.wait()  # a unit with no output at all, whose pages could not be built; or the build failed
    waiting.clear()


def on_post_build(config) -> None:
    """Under `mkdocs serve`, name the pages still being recomputed."""
    if waiting:
        pages = ", ".join(f"{page} ({', '.join(units)})" for page, units in sorted(waiting.items()))
        log.info(f"artifacts: still being recomputed, shown as before until they land: {pages}")


def on_shutdown() -> None:
    if serving is not None:
        serving.stop()


def read_values(generated: Path, example: str) -> dict[str, str] | None:
    """The values an example gave, or None if there is no such example output."""
    path = generated / example / "values.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def substitute_values(markdown: str, page: str, generated: Path) -> str:
    """Replace every `{{ example.key }}` in a page's Markdown with the value the example gave.

    Args:
        markdown: The page's Markdown.
        page: The page's name for messages, e.g. `lstm.md`.
        generated: The build's output folder, holding `<example>/values.json`.

    Returns:
        The Markdown with every value in place.

    Raises:
        UnknownValue: If any named example or key does not exist; the message lists each, with the keys
            the example does give.
    """
    problems = []
    cache: dict[str, dict[str, str] | None] = {}

    def replace(match: re.Match[str]) -> str:
        example, key = match.groups()
        if example not in cache:
            cache[example] = read_values(generated, example)
        values = cache[example]
        if values is None:
            problems.append(f"{page}: {{{{ {example}.{key} }}}}: no example {example!r} (no {GENERATED}/{example}/values.json)")
        elif key not in values:
            close = difflib.get_close_matches(key, values, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; it gives: {', '.join(sorted(values)) or 'none'}"
            problems.append(f"{page}: {{{{ {example}.{key} }}}}: example {example!r} gives no value {key!r}{hint}")
        else:
            return values[key]
        return match.group(0)

    text = VALUE.sub(replace, markdown)
    if problems:
        raise UnknownValue("\n".join(problems))
    return text


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Put the examples' values into the page; notebook pages are left alone (mkdocs-jupyter renders them)."""
    examples = {f"example {match.group(1)}" for match in VALUE.finditer(markdown)}
    for unit in serving.pending if serving is not None else ():
        output = outputs[unit][0].relative_to(config.docs_dir).as_posix()
        if unit in examples or page.file.src_uri == output or f"{output}/" in markdown or f'{output}"' in markdown:
            waiting.setdefault(page.file.src_uri, []).append(unit)
    if page.file.src_uri.endswith(".ipynb"):
        return markdown
    try:
        return substitute_values(markdown, page.file.src_uri, Path(config.docs_dir) / GENERATED)
    except UnknownValue as error:
        raise PluginError(str(error)) from None
