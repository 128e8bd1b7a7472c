"""Each traced model equals PyTorch's own implementation, for many random sizes, lengths and seeds.

Tolerances (relative, see seqdocs.reference): 1e-6 in float32, 1e-12 in float64. A second group of tests
breaks a model slightly and checks that the comparison notices, so a check that always passes cannot hide here.
"""

import dataclasses

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import seqdocs
from seqdocs import lstm as lstm_module
from strategies import examples, setups

@settings(max_examples=examples(60), deadline=None)
@given(setup=setups())
def test_recurrent_models_equal_torch(setup):
    for check in (seqdocs.check_rnn(setup), seqdocs.check_lstm(setup), seqdocs.check_gru(setup)):
        assert check.passed, str(check)
        assert check.tolerance == {"float32": 1e-6, "float64": 1e-12}[check.dtype]


@settings(max_examples=examples(60), deadline=None)
@given(setup=setups(), causal=st.booleans(), data=st.data())
def test_attention_equals_torch(setup, causal, data):
    width = setup.attention.width
    num_heads = data.draw(st.sampled_from([n for n in range(1, width + 1) if width % n == 0]))
    if data.draw(st.booleans()):  # sometimes with an output projection, as nn.MultiheadAttention has
        output = torch.randn(width, width, generator=torch.Generator().manual_seed(1)).to(setup.embeddings.dtype)
        setup = dataclasses.replace(setup, attention=dataclasses.replace(setup.attention, output=output))
    check = seqdocs.check_attention(setup, causal=causal, num_heads=num_heads)
    assert check.passed, str(check)


def test_default_setup_checks_all_pass():
    checks = seqdocs.check_all()
    assert [check.reference for check in checks] == [
        "torch.nn.RNN",
        "torch.nn.LSTM",
        "torch.nn.GRU",
        "torch.nn.functional.scaled_dot_product_attention and torch.nn.MultiheadAttention",
        "torch.nn.functional.scaled_dot_product_attention and torch.nn.MultiheadAttention",
    ]
    assert all(check.passed for check in checks)


# --- The checks can fail: break one line of a model and they must notice. ---


def test_rnn_check_notices_a_missing_bias(monkeypatch):
    original = seqdocs.rnn.rnn_cell

    def without_bias(token_vector, previous_hidden, weights):
        return original(token_vector, previous_hidden, dataclasses.replace(weights, bias=weights.bias * 0))

    setup = seqdocs.make_setup()
    setup = dataclasses.replace(setup, rnn=dataclasses.replace(setup.rnn, bias=torch.full((2,), 0.1)))
    assert seqdocs.check_rnn(setup).passed
    monkeypatch.setattr(seqdocs.rnn, "rnn_cell", without_bias)
    assert not seqdocs.check_rnn(setup).passed


def test_lstm_check_notices_swapped_gates(monkeypatch):
    original = lstm_module.lstm_cell

    def forget_and_input_swapped(token_vector, previous_hidden, previous_cell, weights):
        blocks = list(weights.weight.chunk(4, dim=-1))
        blocks[0], blocks[1] = blocks[1], blocks[0]
        swapped = dataclasses.replace(weights, weight=torch.cat(blocks, dim=-1))
        return original(token_vector, previous_hidden, previous_cell, swapped)

    monkeypatch.setattr(lstm_module, "lstm_cell", forget_and_input_swapped)
    assert not seqdocs.check_lstm().passed


def test_gru_check_notices_the_textbook_reset(monkeypatch):
    """Resetting the state before the matrix product (Cho et al.) is not what torch.nn.GRU computes."""

    def textbook_cell(token_vector, previous_hidden, weights):
        hidden_size = weights.hidden_size
        input_projection = token_vector @ weights.input_weight + weights.input_bias
        gates_from_hidden = previous_hidden @ weights.hidden_weight[:, : 2 * hidden_size]
        reset_gate, update_gate = torch.sigmoid(
            input_projection[: 2 * hidden_size] + gates_from_hidden + weights.hidden_bias[: 2 * hidden_size]
        ).chunk(2)
        candidate = torch.tanh(
            input_projection[2 * hidden_size :]
            + (reset_gate * previous_hidden) @ weights.hidden_weight[:, 2 * hidden_size :]
            + weights.hidden_bias[2 * hidden_size :]
        )
        hidden = (1 - update_gate) * candidate + update_gate * previous_hidden
        return {"input": token_vector, "previous_hidden": previous_hidden, "hidden": hidden}

    monkeypatch.setattr(seqdocs.gru, "gru_cell", textbook_cell)
    assert not seqdocs.check_gru().passed


def test_attention_check_notices_a_missing_scale(monkeypatch):
    monkeypatch.setattr(seqdocs.attention.math, "sqrt", lambda value: 1.0)
    assert not seqdocs.check_attention().passed


@pytest.mark.parametrize("error", [2e-6, 1e-5])
def test_a_difference_above_tolerance_fails(monkeypatch, error):
    original = seqdocs.MODELS["lstm"].trace

    def nudged(setup):
        trace = original(setup)
        last = trace.steps[-1]
        last.tensors["hidden"] = last.tensors["hidden"] + error
        return trace

    monkeypatch.setitem(seqdocs.MODELS, "lstm", dataclasses.replace(seqdocs.MODELS["lstm"], trace=nudged))
    check = seqdocs.check_lstm()
    assert not check.passed
    assert check.max_error == pytest.approx(error, rel=0.1)
