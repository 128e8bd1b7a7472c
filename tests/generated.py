"""Reading what the site's build wrote into `docs/generated/`, for the tests that check pages against it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

GENERATED = Path(__file__).resolve().parent.parent / "docs" / "generated"


def example_values(example: str) -> dict[str, str]:
    """The values an example gave its page (`{{ example.key }}`); fails the test, saying how to make them."""
    path = GENERATED / example / "values.json"
    if not path.exists():
        pytest.fail(f"{path} is missing: run `.venv/bin/python scripts/build_artifacts.py --only {example}`")
    return json.loads(path.read_text(encoding="utf-8"))


def number(text: str) -> float:
    """Read back a number as the examples write it: "0.521", "1,000" or "$1.5 \\times 10^{-6}$"."""
    power = re.fullmatch(r"\$(-?[\d.]+) \\times 10\^\{(-?\d+)\}\$", text)
    if power:
        return float(power.group(1)) * 10 ** int(power.group(2))
    return float(text.replace(",", ""))
