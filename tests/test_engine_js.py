"""The in-browser engine (docs/javascripts/engine.js) against the Python package, run in Node.

This is the groundwork of the "Try it" page: the same weights as PyTorch for any seed (a port of its
MT19937 and of both ways `torch.randn` turns it into normals), the four models and the Transformer block, in
float32. tests/test_try_it.py runs the same file in Chromium, inside the page; here Node runs it alone.

Tolerances, as docs/try.md states them, times the number's size where that is above 1: the four models within
1e-6 at the site's sizes (E = H = 2); the block within 1e-6 on its page's example ("a b c", E = 4, 2 heads,
F = 8) and within 1e-5 over the page's range for it (E = 4, F up to 8, any heads, up to 16 tokens). The block's
bound is looser because LayerNorm divides by each row's spread, which magnifies the randn port's last-place
differences; below E = 4 a row's spread is often small enough to push them past 1e-5.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

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


def worst_difference(expected: dict, got: dict, path: str = "") -> float:
    """Walk two traces in step: the same names, shapes and strings; return the largest difference of a number,
    relative to the number's size above 1 (a float32 number near 8 already has a last place of 1e-6)."""
    if "shape" in expected and "data" in expected:
        assert (got["dtype"], got["shape"]) == (expected["dtype"], expected["shape"]), path
        if expected["dtype"] == "bool":
            assert got["data"] == expected["data"], path
            return 0.0
        want = torch.tensor(expected["data"], dtype=torch.float64)
        if want.numel() == 0:
            return 0.0
        return ((torch.tensor(got["data"], dtype=torch.float64) - want).abs() / want.abs().clamp(min=1)).max().item()
    assert list(got) == list(expected), f"{path}: names {list(got)} != {list(expected)}"
    worst = 0.0
    for key, value in expected.items():
        if isinstance(value, dict):
            worst = max(worst, worst_difference(value, got[key], f"{path}.{key}"))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            assert len(got[key]) == len(value), f"{path}.{key}"
            for index, (mine, theirs) in enumerate(zip(value, got[key])):
                worst = max(worst, worst_difference(mine, theirs, f"{path}.{key}[{index}]"))
        else:
            assert got[key] == value, f"{path}.{key}: {got[key]!r} != {value!r}"
    return worst


def block_expected(sequence: str, seed: int, embedding_size: int, heads: int, norm_first: bool, causal: bool,
                   feedforward_size: int | None) -> dict:
    """What `seqdocs trace --model block --json` prints for these options: its setup and its block trace."""
    setup = seqdocs.make_setup(sequence, seed=seed, embedding_size=embedding_size)
    document = trace_document(setup, ["block"], causal=causal, num_heads=heads, norm_first=norm_first,
                              feedforward_size=feedforward_size)
    return json.loads(json.dumps({"setup": document["setup"], "traces": document["traces"]}))


def block_in_node(sequence: str, seed: int, embedding_size: int | None, heads: int | None, norm_first: bool,
                  causal: bool, feedforward_size: int | None) -> dict:
    options = {"sequence": sequence, "model": "block", "normFirst": norm_first, "causal": causal}
    for name, value in (("embeddingSize", embedding_size), ("heads", heads), ("feedforwardSize", feedforward_size)):
        if value is not None:
            options[name] = value
    got = run_engine(f"engine.trace({{...{json.dumps(options)}, seed: {seed}n}})")
    got["setup"]["seed"] = int(got["setup"]["seed"])  # past 2**53 the engine writes the seed as a string
    return got


def test_the_block_with_the_commands_defaults_equals_the_package_within_1e_6():
    # No size given: the engine takes the command line's block defaults, E = 4, 2 heads, F = 2E.
    got = block_in_node("a b c", 42, None, None, False, False, None)
    expected = block_expected("a b c", 42, 4, 2, False, False, None)
    assert got["traces"]["block"]["options"] == expected["traces"]["block"]["options"]
    assert worst_difference(expected, got) <= 1e-6


@settings(max_examples=30, deadline=None)
@given(
    tokens=st.lists(st.sampled_from(["a", "b", "the", "cat", "é", "日本", "<b>"]), min_size=1, max_size=16),
    seed=st.one_of(st.just(42), st.integers(0, 2**32 - 1), st.integers(2**32, 2**63 - 1)),
    heads=st.sampled_from([1, 2, 4]),
    data=st.data(),
)
def test_the_block_equals_the_package_over_the_pages_range(tokens, seed, heads, data):
    embedding_size = 4  # the page's one width for the block
    norm_first, causal = data.draw(st.booleans()), data.draw(st.booleans())
    feedforward_size = data.draw(st.one_of(st.none(), st.integers(1, 8)))
    sequence = " ".join(tokens)
    got = block_in_node(sequence, seed, embedding_size, heads, norm_first, causal, feedforward_size)
    expected = block_expected(sequence, seed, embedding_size, heads, norm_first, causal, feedforward_size)
    assert worst_difference(expected, got) <= 1e-5


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
        " {hiddenSize: 0}, {model: 'cnn'}, {model: 'block', embeddingSize: 4, heads: 3},"
        " {model: 'block', feedforwardSize: 0}, {model: 'block', normFirst: 'yes'}]"
        ".map(o => { try { engine.trace(o); return null } catch (e) {"
        " return [e instanceof engine.InputError, e.message] } })"
    )
    assert all(message is not None and message[0] for message in messages), messages
    assert "empty" in messages[0][1] and "vocabulary" in messages[1][1] and "divide" in messages[2][1]
    assert "divide" in messages[5][1] and "feedforward_size" in messages[6][1] and "normFirst" in messages[7][1]
