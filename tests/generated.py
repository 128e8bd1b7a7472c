"""What the site's build writes into `docs/generated/`, for the tests that check pages against it.

A test that reads an example's output says so with a marker, `@pytest.mark.generated("gradients")`. The first
reader in a test process brings every example that the session's selected tests name up to date with the build
itself, in one call (`scripts/build_artifacts.py --only example:A --only example:B ...`, cached: a no-op when
nothing they depend on changed), so a test needs no earlier build, it checks what the current code computes,
and the build's fork server starts once, not once per example. An example that no marker names is built on its
own when it is first read. The build holds a lock on the output folder, so pytest-xdist workers asking at once
wait for each other.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "docs" / "generated"

WANTED: set[str] = set()
"""The examples the session's selected tests name in `generated` markers (filled by conftest.py)."""
_BUILT: set[str] = set()


def build_examples(examples: set[str]) -> None:
    """Bring these examples' output up to date in one build; fails the test if the build fails."""
    command = [sys.executable, str(ROOT / "scripts" / "build_artifacts.py")]
    for example in sorted(examples):
        command += ["--only", f"example:{example}"]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if completed.returncode != 0:
        pytest.fail(f"`{' '.join(command[1:])}` failed:\n{completed.stdout}{completed.stderr}", pytrace=False)
    _BUILT.update(examples)


def example_folder(example: str) -> Path:
    """The example's output folder, built (or found up to date) once per test process, together with every
    example the session's tests mark as read; fails the test if the build fails."""
    if example not in _BUILT:
        build_examples((WANTED - _BUILT) | {example})
    return GENERATED / example


def example_file(example: str, name: str) -> Path:
    """One file the example wrote, e.g. `example_file("gradients", "norms.json")`."""
    return example_folder(example) / name


def example_json(example: str, name: str):
    """A JSON file the example wrote, read."""
    return json.loads(example_file(example, name).read_text(encoding="utf-8"))


def example_values(example: str) -> dict[str, str]:
    """The values an example gave its page (`{{ example.key }}`)."""
    return example_json(example, "values.json")


def number(text: str) -> float:
    """Read back a number as the examples write it: "0.521", "1,000" or "$1.5 \\times 10^{-6}$"."""
    power = re.fullmatch(r"\$(-?[\d.]+) \\times 10\^\{(-?\d+)\}\$", text)
    if power:
        return float(power.group(1)) * 10 ** int(power.group(2))
    return float(text.replace(",", ""))
