"""Bad input raises InputError / InputTypeError whose message names the problem and the fix."""

import dataclasses

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import seqdocs
from seqdocs import InputError, InputTypeError, Trace, Vocabulary, make_setup


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: make_setup(""), InputError, ["empty", "a b c"]),
        (lambda: make_setup("   "), InputError, ["empty"]),
        (lambda: make_setup("a b d", vocabulary="a b c"), InputError, ["unknown token 'd'", "'a', 'b', 'c'"]),
        (lambda: make_setup("a", vocabulary="a a"), InputError, ["'a' twice"]),
        (lambda: make_setup("a", vocabulary=""), InputError, ["vocabulary is empty"]),
        (lambda: make_setup(seed=1.5), InputTypeError, ["seed", "whole number", "1.5"]),
        (lambda: make_setup(seed="42"), InputTypeError, ["seed", "whole number"]),
        (lambda: make_setup(seed=-1), InputError, ["seed", "between 0"]),
        (lambda: make_setup(embedding_size=0), InputError, ["embedding_size", "between 1 and 512", "0"]),
        (lambda: make_setup(hidden_size=10**6), InputError, ["hidden_size", "between 1 and 512"]),
        (lambda: make_setup(hidden_size=True), InputTypeError, ["hidden_size", "whole number"]),
        (lambda: make_setup(dtype="float16"), InputError, ["dtype", "float32, float64"]),
        (lambda: make_setup(123), InputTypeError, ["string of tokens", "int"]),
        (lambda: seqdocs.attention_trace(num_heads=3), InputError, ["num_heads", "divide", "1, 2"]),
        (lambda: seqdocs.attention_trace(num_heads=0), InputError, ["num_heads"]),
        (lambda: seqdocs.attention_trace(causal="yes"), InputTypeError, ["causal", "True or False"]),
    ],
)
def test_bad_input_is_named(call, error, words):
    with pytest.raises(error) as raised:
        call()
    message = str(raised.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_errors_are_the_builtin_kinds_callers_catch():
    assert issubclass(InputError, ValueError)
    assert issubclass(InputTypeError, TypeError)


@pytest.mark.parametrize(
    ("replace", "words"),
    [
        (lambda s: dataclasses.replace(s.rnn, hidden_to_hidden=torch.zeros(3, 3)), ["RNNWeights.hidden_to_hidden", "(3, 3)", "(2, 2)"]),
        (lambda s: dataclasses.replace(s.rnn, bias=torch.zeros(5)), ["RNNWeights.bias", "(5,)"]),
        (lambda s: dataclasses.replace(s.lstm, weight=torch.zeros(4, 7)), ["LSTMWeights.weight", "(4, 7)", "(E + H, 4H)"]),
        (lambda s: dataclasses.replace(s.gru, hidden_bias=torch.zeros(2)), ["GRUWeights.hidden_bias", "(6)"]),
        (lambda s: dataclasses.replace(s.attention, key=torch.zeros(2, 3)), ["AttentionWeights.key", "(2, 3)", "(2, 2)"]),
        (lambda s: dataclasses.replace(s.rnn, bias=[0.0, 0.0]), ["RNNWeights.bias", "torch.Tensor", "list"]),
        (lambda s: dataclasses.replace(s.rnn, bias=torch.zeros(2, dtype=torch.long)), ["floating-point"]),
    ],
)
def test_weights_of_the_wrong_shape_are_named(replace, words):
    with pytest.raises((InputError, InputTypeError)) as raised:
        replace(make_setup())
    for word in words:
        assert word in str(raised.value)


def test_setup_rejects_weights_made_for_another_embedding_size():
    setup = make_setup()
    other = make_setup(embedding_size=3)
    with pytest.raises(InputError, match="expect inputs of size 3.*embeddings have size 2"):
        dataclasses.replace(setup, rnn=other.rnn)


def test_unknown_token_is_shown_escaped():
    with pytest.raises(InputError) as raised:
        make_setup("a \x1b[31m", vocabulary="a b")
    message = str(raised.value)
    assert "\x1b" not in message
    assert "'\\x1b[31m'" in message


def test_default_vocabulary_is_first_appearance_order():
    assert make_setup("c a c b").vocabulary.tokens == ("c", "a", "b")
    assert make_setup("a b c").token_ids == (0, 1, 2)


def test_explicit_vocabulary_sets_ids():
    setup = make_setup("b a", vocabulary=Vocabulary(("x", "a", "b")))
    assert setup.token_ids == (2, 1)
    assert setup.embeddings.shape == (3, 2)


def test_gru_weights_leave_the_notebook_draws_alone():
    """The GRU draws after everything else, so the notebook's models see the same generator stream."""
    generator = torch.Generator().manual_seed(42)
    embeddings = torch.randn(3, 2, generator=generator)
    input_to_hidden = torch.randn(2, 2, generator=generator)
    setup = make_setup()
    assert torch.equal(setup.embeddings, embeddings)
    assert torch.equal(setup.rnn.input_to_hidden, input_to_hidden)


@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=8), st.integers(0, 1000))
def test_traces_round_trip_through_json_bit_for_bit(tokens, seed):
    setup = make_setup(" ".join(tokens), seed=seed, dtype="float64" if seed % 2 else "float32")
    for trace in (seqdocs.rnn_trace(setup), seqdocs.lstm_trace(setup), seqdocs.gru_trace(setup),
                  seqdocs.attention_trace(setup, causal=True)):
        restored = Trace.from_json(trace.to_json())
        assert restored == trace
        assert restored.steps[-1].tensors[list(restored.steps[-1].tensors)[-1]].dtype == setup.embeddings.dtype


def test_trace_equality_notices_a_one_ulp_change():
    trace = seqdocs.lstm_trace()
    changed = Trace.from_json(trace.to_json())
    hidden = changed.steps[0].tensors["hidden"]
    changed.steps[0].tensors["hidden"] = torch.nextafter(hidden, torch.full_like(hidden, 10))
    assert changed != trace
