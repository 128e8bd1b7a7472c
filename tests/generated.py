"""What the site's build writes into `docs/generated/`, for the tests that check pages against it.

Each reader first brings the example's output up to date with the build itself
(`scripts/build_artifacts.py --only example:NAME`, cached: a no-op when nothing it depends on changed), so a
test needs no earlier build, and it checks what the current code computes. The build holds a lock on the
output folder, so pytest-xdist workers asking at once wait for each other.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "docs" / "generated"


@functools.cache
def example_folder(example: str) -> Path:
    """The example's output folder, built (or found up to date) once per test process; fails the test if the build fails."""
    command = [sys.executable, str(ROOT / "scripts" / "build_artifacts.py"), "--only", f"example:{example}"]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if completed.returncode != 0:
        pytest.fail(f"`{' '.join(command[1:])}` failed:\n{completed.stdout}{completed.stderr}", pytrace=False)
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
