"""The default setup reproduces the seed notebook: every tensor it prints is in `seqdocs trace --json`.

The notebook lies outside the project, in ../shared/seed/. This test runs its code as it is, records every
tensor the notebook prints (by print() or inside an f-string), and looks for each one, bit for bit, among the
tensors of `python -m seqdocs trace --json`. Nothing from the notebook is copied into the project.
"""

import builtins
import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

SEED_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "seed"
_RULE = "-" * 70  # the notebook's first printed line; its code ends just before its output begins


def _seed_notebook_code() -> str:
    files = sorted(SEED_FOLDER.glob("*.txt"))
    if not files:
        if os.environ.get("CI"):
            pytest.fail(f"the seed notebook is missing from {SEED_FOLDER}")
        pytest.skip(f"no seed notebook in {SEED_FOLDER}")
    lines = files[0].read_text().splitlines()
    start = lines.index("In [None]:") + 1
    end = lines.index(_RULE, start)
    return "\n".join(lines[start:end])


def _printed_tensors(code: str) -> list[torch.Tensor]:
    """Run the notebook's code and return every tensor it printed, in order."""
    printed: list[torch.Tensor] = []
    original_format, original_print = torch.Tensor.__format__, builtins.print
    busy = []  # torch formats a tensor by formatting its elements: record only the outermost call

    def recording_format(tensor, spec):
        if not busy:
            printed.append(tensor.detach().clone())
        busy.append(True)
        try:
            return original_format(tensor, spec)
        finally:
            busy.pop()

    def recording_print(*args, **kwargs):
        printed.extend(arg.detach().clone() for arg in args if isinstance(arg, torch.Tensor))
        busy.append(True)
        try:
            original_print(*args, **kwargs)
        finally:
            busy.pop()

    torch.Tensor.__format__ = recording_format
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(code, "seed_notebook", "exec"), {"__name__": "seed_notebook", "print": recording_print})
    finally:
        torch.Tensor.__format__ = original_format
    return [tensor for tensor in printed if tensor.is_floating_point()]


def _json_tensors(node) -> list[torch.Tensor]:
    """Every tensor in a `trace --json` document, and every row of every matrix (the notebook prints rows)."""
    found = []
    if isinstance(node, dict):
        if set(node) == {"dtype", "shape", "data"}:
            tensor = torch.tensor(node["data"], dtype=getattr(torch, node["dtype"])).reshape(node["shape"])
            found.append(tensor)
            if tensor.dim() == 2:
                found.extend(tensor)
            return found
        for value in node.values():
            found.extend(_json_tensors(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_json_tensors(value))
    return found


def test_every_tensor_the_notebook_prints_is_in_trace_json():
    printed = _printed_tensors(_seed_notebook_code())
    assert len(printed) > 40, "expected the notebook to print dozens of tensors"

    result = subprocess.run(
        [sys.executable, "-m", "seqdocs", "trace", "--json"], capture_output=True, text=True, check=True
    )
    available = _json_tensors(json.loads(result.stdout))
    missing = [
        tensor
        for tensor in printed
        if not any(
            candidate.dtype == tensor.dtype and candidate.shape == tensor.shape and torch.equal(candidate, tensor)
            for candidate in available
        )
    ]
    assert not missing, f"{len(missing)} of {len(printed)} printed tensors are not in trace --json: {missing[:5]}"
