"""mkdocs hook: bring `docs/generated/` up to date before each build, and put examples' values into pages.

The artifacts do not depend on mkdocs: `scripts/site.sh` runs `scripts/build_artifacts.py` before the site
generator. `on_pre_build` runs it too (unless site.sh just did; cached: a no-op when nothing changed, about a second), so that
`mkdocs build` and `mkdocs serve` on a fresh clone show the complete site and `mkdocs serve` reruns what an
edit touched. A failing example, snippet or notebook stops the build with a message naming it.

A page writes `{{ lstm.final_hidden }}` where the `lstm` example gave `out.value("final_hidden", ...)`;
`on_page_markdown` replaces it before the Markdown is read, so a value may hold Markdown or maths. A name
that no example gives fails the build, naming the page, the example and the key. The replacement runs on
the page's own text (code blocks included), not on files it includes with `--8<--`.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.hooks.seqdocs_artifacts")

VALUE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
"""`{{ example.key }}`, spaces inside the braces optional."""

GENERATED = "generated"
"""The build's output folder, relative to `docs/`."""
BUILD_SCRIPT = Path(__file__).with_name("build_artifacts.py")


class UnknownValue(LookupError):
    """A page names a value that no example gives."""


def on_pre_build(config) -> None:
    """Run every stale example, snippet and notebook; fail the mkdocs build if one fails."""
    if os.environ.get("SEQDOCS_ARTIFACTS_BUILT") == "1":  # `scripts/site.sh build` has just run it
        return
    command = [sys.executable, str(BUILD_SCRIPT), "--output", str(Path(config.docs_dir) / GENERATED)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        log.info(lines[-1])
    if process.wait() != 0:
        raise PluginError("seqdocs artifacts: " + "\n".join(lines[-80:]))


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
    if page.file.src_uri.endswith(".ipynb"):
        return markdown
    try:
        return substitute_values(markdown, page.file.src_uri, Path(config.docs_dir) / GENERATED)
    except UnknownValue as error:
        raise PluginError(str(error)) from None
