"""The in-browser engine (docs/javascripts/engine.js) against the Python package, run in Node.

This is the groundwork of the "Try it" page: the same weights as PyTorch for any seed (a port of its
MT19937 and of both ways `torch.randn` turns it into normals) and the four models in float32. The page and its
test in Chromium come later; here Node runs the very file the site ships.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

import seqdocs
from seqdocs.cli import trace_document

ENGINE = Path(__file__).resolve().parent.parent / "docs" / "javascripts" / "engine.js"
NODE = shutil.which("node") or "node"  # on every machine of this project; a missing one fails loudly


def run_engine(expression: str):
    script = f"const engine = require({json.dumps(str(ENGINE))}); console.log(JSON.stringify({expression}));"
    result = subprocess.run([NODE, "-e", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_randn_draws_pytorchs_numbers_for_any_seed_both_ways():
    # Fewer than 16 values take float64 Box–Muller draws one at a time; 16 or more, float32 blocks of 16
    # with the last 16 redrawn. A seed of 2**32 or more keeps only its low 32 bits.
    cases = [(0, [3]), (42, [3, 2]), (7, [16]), (7, [5, 7]), (2**32 + 42, [3, 2]), (123456789, [40]), (1, [1000])]
    drawn = run_engine(
        "[" + ",".join(f"Array.from(engine.randn({seed}n, {shape}).data)" for seed, shape in cases) + "]"
    )
    for (seed, shape), values in zip(cases, drawn):
        expected = torch.randn(*shape, generator=torch.Generator().manual_seed(seed)).flatten()
        # Two float32 ulps: PyTorch's vectorised log, sin and cos may round differently from JavaScript's.
        assert torch.allclose(torch.tensor(values), expected, rtol=2 * 2**-23, atol=1e-7), (seed, shape)


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru", "attention"])
def test_the_toy_trace_equals_the_package_within_1e_6(model):
    got = run_engine(f'engine.trace({{model: "{model}"}})')
    expected = trace_document(seqdocs.make_setup(), [model])
    assert got["setup"] == json.loads(json.dumps(expected["setup"]))
    want, have = expected["traces"][model], got["traces"][model]
    assert (have["model"], have["tokens"], have["options"]) == (want["model"], want["tokens"], want["options"])
    assert list(have["weights"]) == list(want["weights"])
    for mine, theirs in zip(have["steps"], want["steps"]):
        assert list(mine["tensors"]) == list(theirs["tensors"])
        for name, tensor in theirs["tensors"].items():
            assert mine["tensors"][name]["shape"] == tensor["shape"], name
            difference = (torch.tensor(mine["tensors"][name]["data"]) - torch.tensor(tensor["data"])).abs()
            assert difference.max().item() <= 1e-6, (model, name)


def test_tokens_split_like_python_str_split():
    text = "the\u00a0cat\u2003sat\x1cé\ufeffx  日本"
    assert run_engine(f"engine.tokenize({json.dumps(text)})") == text.split()


def test_bad_input_is_one_sentence_not_a_crash():
    messages = run_engine(
        "[{sequence: ''}, {sequence: 'a b', vocab: 'a'}, {model: 'attention', embeddingSize: 3, heads: 2},"
        " {hiddenSize: 0}, {model: 'cnn'}].map(o => { try { engine.trace(o); return null } catch (e) {"
        " return [e instanceof engine.InputError, e.message] } })"
    )
    assert all(message is not None and message[0] for message in messages), messages
    assert "empty" in messages[0][1] and "vocabulary" in messages[1][1] and "divide" in messages[2][1]
