"""The Transformer block equals torch.nn.TransformerEncoderLayer; its JSON trace loads into one; the KV cache.

Tolerances as for every model (relative, see seqdocs.reference): 1e-6 in float32, 1e-12 in float64. The random
cases give every weight, bias and LayerNorm gain a random value, since the site's default biases are zero and
gains one, which would hide one put in the wrong place.
"""

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import seqdocs
from seqdocs.cli import main

from strategies import examples  # tests/strategies.py

ALPHABET = ("a", "b", "c", "d", "e")
SNIPPET = Path(__file__).resolve().parent.parent / "scripts" / "snippets" / "block.py"
TOLERANCE = {torch.float32: 1e-6, torch.float64: 1e-12}


@st.composite
def cases(draw):
    """A random layer (width, heads, feed-forward width, options, every parameter) and a random sequence."""
    num_heads = draw(st.integers(1, 4))
    width = num_heads * draw(st.integers(1, 4))
    length = draw(st.integers(1, 7))
    tokens = draw(st.lists(st.sampled_from(ALPHABET), min_size=length, max_size=length))
    seed = draw(st.integers(0, 2**32))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    layer = nn.TransformerEncoderLayer(
        width, num_heads, draw(st.integers(1, 16)), dropout=0.0, activation=draw(st.sampled_from(["relu", "gelu"])),
        batch_first=True, norm_first=draw(st.booleans()), dtype=dtype,
    ).eval()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in layer.named_parameters():
            values = torch.randn(parameter.shape, generator=generator)
            if parameter.dim() == 2:
                values /= math.sqrt(parameter.shape[1])  # fan-in scaling, as the block's own weights
            elif name.startswith("norm") and name.endswith("weight"):
                values = 1 + 0.5 * values  # a gain near 1, as after some training
            parameter.copy_(values.to(dtype))
    setup = seqdocs.make_setup(" ".join(tokens), vocabulary=" ".join(ALPHABET), seed=seed, embedding_size=width,
                               dtype=dtype)
    return setup, layer, draw(st.booleans())


def relative_error(ours: torch.Tensor, theirs: torch.Tensor) -> float:
    return float((ours - theirs).abs().max()) / max(1.0, float(theirs.abs().max()))


def run_layer(layer: nn.TransformerEncoderLayer, inputs: torch.Tensor, causal: bool) -> torch.Tensor:
    length = inputs.shape[0]
    # nn.TransformerEncoderLayer reads a boolean mask as True = blocked.
    mask = torch.ones(length, length, dtype=torch.bool).triu(1) if causal else None
    with torch.no_grad():
        return layer(inputs[None], src_mask=mask)[0]  # (1, T, E) -> (T, E)


@settings(max_examples=examples(80), deadline=None)
@given(case=cases())
def test_block_equals_torch_transformer_encoder_layer(case):
    setup, layer, causal = case
    config = seqdocs.BlockConfig(num_heads=layer.self_attn.num_heads, norm_first=layer.norm_first,
                                 activation="gelu" if layer.activation_relu_or_gelu == 2 else "relu", causal=causal)
    weights = seqdocs.BlockWeights.from_state_dict(layer.state_dict())
    step = seqdocs.block_trace(setup, config, weights).steps[0]
    # The block's input is the embeddings plus the sinusoidal positions; PyTorch's layer gets that same input.
    expected_inputs = setup.inputs + seqdocs.sinusoidal_positional_encoding(len(setup.tokens), setup.embedding_size,
                                                                           dtype=setup.embeddings.dtype)
    assert torch.equal(step["inputs"], expected_inputs)
    check = seqdocs.check_block(setup, config, weights)
    assert check.passed, str(check)
    assert check.tolerance == TOLERANCE[setup.embeddings.dtype]
    # The same comparison without seqdocs.reference: the layer built here, run here, loose absolute bounds.
    loose = {torch.float32: 1e-4, torch.float64: 1e-10}[setup.embeddings.dtype]
    torch.testing.assert_close(step["output"], run_layer(layer, step["inputs"], causal), rtol=loose, atol=loose)


def test_block_layer_norm_rows_have_mean_zero_and_variance_one():
    step = seqdocs.block_trace().steps[0]
    for number in (1, 2):
        normalised = step[f"norm{number}_normalised"]
        assert normalised.mean(dim=-1).abs().max() < 1e-6
        assert (normalised.var(dim=-1, unbiased=False) - 1).abs().max() < 1e-3  # 1 up to ε / variance
        torch.testing.assert_close(step[f"norm{number}_mean"], step[f"norm{number}_output"].new_tensor(
            [float(row.mean()) for row in (step["attention_residual"] if number == 1 else step["feedforward_residual"])]
        ))


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_json_trace_loads_into_torch_layer_and_reproduces_output(norm_first, causal, capsys):
    arguments = ["trace", "--model", "block", "--json"] + ["--norm-first"] * norm_first + ["--causal"] * causal
    assert main(arguments) == 0
    document = json.loads(capsys.readouterr().out)
    data = document["traces"]["block"]
    options = data["options"]
    assert {"nhead", "dim_feedforward", "norm_first", "activation", "causal"} <= set(options)
    assert (options["norm_first"], options["causal"], options["nhead"]) == (norm_first, causal, 2)
    state = {name: torch.tensor(value["data"], dtype=torch.float32).reshape(value["shape"])
             for name, value in data["weights"].items()}
    layer = nn.TransformerEncoderLayer(
        options["d_model"], options["nhead"], options["dim_feedforward"], dropout=0.0,
        activation=options["activation"], batch_first=True, norm_first=options["norm_first"],
    ).eval()
    layer.load_state_dict(state)  # strict: every name of the layer's state_dict, and nothing else
    tensors = data["steps"][0]["tensors"]
    inputs = torch.tensor(tensors["inputs"]["data"])
    traced_output = torch.tensor(tensors["output"]["data"])
    assert relative_error(traced_output, run_layer(layer, inputs, options["causal"])) <= 1e-6


@pytest.mark.parametrize("norm_first", [False, True])
@given(length=st.integers(1, 8), seed=st.integers(0, 2**32), dtype=st.sampled_from(["float32", "float64"]))
@settings(max_examples=examples(20), deadline=None)
def test_reading_one_token_at_a_time_equals_the_causal_block(norm_first, length, seed, dtype):
    setup = seqdocs.make_setup(" ".join(ALPHABET[index % 5] for index in range(length)), vocabulary="a b c d e",
                               seed=seed, embedding_size=4, dtype=dtype)
    config = seqdocs.BlockConfig(norm_first=norm_first, causal=True)
    whole = seqdocs.block_trace(setup, config).steps[0]["output"]  # (T, E)
    cached = seqdocs.block.cached_block_trace(setup, config)
    one_at_a_time = torch.cat([step["output"] for step in cached.steps])  # T steps of (1, E) -> (T, E)
    assert relative_error(one_at_a_time, whole) <= TOLERANCE[setup.embeddings.dtype]
    # Without the mask the last token still sees everything, but earlier tokens saw later ones: rows differ.
    unmasked = seqdocs.block_trace(setup, seqdocs.BlockConfig(norm_first=norm_first)).steps[0]["output"]
    torch.testing.assert_close(unmasked[-1], whole[-1])
    # The cache after token t holds the keys of tokens 0..t, each computed when that token was read.
    for step in cached.steps:
        assert step["keys"].shape == (2, step.index + 1, 2)
        torch.testing.assert_close(step["keys"][:, :-1], cached.steps[step.index - 1]["keys"] if step.index else
                                   step["keys"][:, :0])
    assert seqdocs.block.cache_size(cached) == [2 * 4 * (index + 1) for index in range(length)]


def test_whole_sequence_differs_from_one_at_a_time_without_the_mask():
    setup = seqdocs.make_setup(embedding_size=4)
    plain = seqdocs.block_trace(setup).steps[0]["output"]
    cached = torch.cat([step["output"] for step in seqdocs.block.cached_block_trace(setup).steps])
    assert (plain[0] - cached[0]).abs().max() > 1e-3  # token a saw b and c in the unmasked block


def test_default_block_leaves_every_other_number_unchanged():
    before = seqdocs.make_setup(embedding_size=4)
    seqdocs.block_trace(before)
    after = seqdocs.make_setup(embedding_size=4)
    assert torch.equal(before.embeddings, after.embeddings)
    # The block's generator is its own: its first matrix is not the embeddings' draws.
    weights = seqdocs.block.make_block_weights(4, seed=42)
    assert not torch.allclose(weights.query.flatten()[:12] * 2, before.embeddings.flatten())


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: seqdocs.block_trace(config=seqdocs.BlockConfig(num_heads=3)),
         "num_heads must divide"),
        (lambda: seqdocs.BlockConfig(activation="tanh"), "unknown activation"),
        (lambda: seqdocs.BlockConfig(causal="yes"), "causal must be True or False"),
        (lambda: seqdocs.block_trace(seqdocs.make_setup(embedding_size=2), weights=seqdocs.block.make_block_weights(4)),
         "4 wide but the embeddings have size 2"),
        (lambda: seqdocs.BlockWeights.from_state_dict({}), "lacks self_attn.in_proj_weight"),
        (lambda: seqdocs.block.make_block_weights(0), "embedding_size must be between 1 and 512"),
    ],
)
def test_bad_block_input_gets_a_clear_error(call, message):
    with pytest.raises((seqdocs.InputError, seqdocs.InputTypeError), match=message):
        call()


def test_cli_block_bad_heads_is_one_line(capsys):
    assert main(["explain", "--model", "block", "--heads", "3"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("seqdocs: error:") and "--heads 3" in error and len(error.splitlines()) == 1


def test_explain_block_narrates_and_passes(capsys):
    assert main(["explain", "--model", "block", "--no-color"]) == 0
    text = capsys.readouterr().out
    assert "torch.nn.TransformerEncoderLayer" in text
    assert max(len(line) for line in text.splitlines()) <= 80


DECIMAL = re.compile(r"-?\d+\.\d+")


def four_decimals(tensor: torch.Tensor) -> list[str]:
    return [f"{value:.4f}".replace("-0.0000", "0.0000") for value in tensor.flatten().tolist()]


@pytest.mark.slow
def test_block_snippet_prints_the_package_values():
    """The page's snippet, run as a reader would, prints the block's tensors, PyTorch's output and the cached rows."""
    completed = subprocess.run([sys.executable, str(SNIPPET)], capture_output=True, text=True, timeout=120,
                               check=True)
    printed = [f"{float(text):.4f}".replace("-0.0000", "0.0000") for text in DECIMAL.findall(completed.stdout)]
    setup = seqdocs.make_setup("a b c", embedding_size=4)
    step = seqdocs.block_trace(setup).steps[0]
    names = ("inputs", "attention_weights", "attention_output", "attention_residual", "norm1_mean", "norm1_variance",
             "norm1_output", "feedforward_hidden", "output")
    expected = [text for name in names for text in four_decimals(step[name])]
    expected += four_decimals(step["output"])  # PyTorch's layer, loaded with the trace's weights
    for cached_step in seqdocs.block.cached_block_trace(setup).steps:
        expected += four_decimals(cached_step["output"])
    assert printed == expected
    kept = [int(count) for count in re.findall(r"keeps (\d+) numbers", completed.stdout)]
    assert kept == [8, 16, 24]  # 2 (keys and values) x E = 4 numbers for each token read


def test_cli_block_options_without_the_block_are_refused(capsys):
    assert main(["trace", "--norm-first"]) == 2
    error = capsys.readouterr().err
    assert "--norm-first" in error and "--model block" in error and len(error.splitlines()) == 1
