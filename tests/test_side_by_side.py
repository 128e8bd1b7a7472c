"""Side by side: what each model keeps to read one more token (the KV cache for attention), steps in turn."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import seqdocs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts" / "examples"))
import side_by_side  # noqa: E402  (scripts/examples/side_by_side.py, as the build runs it)

SEQUENCES = ("a b c", side_by_side.LONG_SEQUENCE, "c")


@pytest.mark.parametrize("sequence", SEQUENCES)
def test_attention_keeps_two_numbers_per_token_and_unit_of_width(sequence):
    # The KV cache: a key and a value of d_model numbers for each of the T tokens read.
    setup = seqdocs.make_setup(sequence, vocabulary="a b c")
    T, d_model = len(setup.tokens), setup.attention.width
    steps, kept = side_by_side.counts(setup)["self-attention"]
    assert kept == 2 * T * d_model
    assert steps == 1  # reading a known sequence: one step whatever T is
    # Counted from the tensors attention actually computed: its keys and values, one row per token.
    trace_step = seqdocs.attention_trace(setup, causal=True).steps[0]
    assert trace_step["keys"].shape == trace_step["values"].shape == (T, d_model)


@pytest.mark.parametrize("sequence", SEQUENCES)
def test_recurrent_models_keep_the_same_numbers_at_every_length(sequence):
    setup = seqdocs.make_setup(sequence, vocabulary="a b c")
    H, T = setup.rnn.hidden_size, len(setup.tokens)
    found = side_by_side.counts(setup)
    assert found["RNN"] == (T, H)
    assert found["LSTM"] == (T, 2 * H)  # h and c
    assert found["GRU"] == (T, H)


def test_the_kept_keys_and_values_are_enough_to_read_one_more_token():
    # By hand, independently of the example: read "a b c d" causally in one go, then read "d" from the keys
    # and values of "a b c" alone with PyTorch's attention. The same output means nothing else was needed.
    setup = seqdocs.make_setup("a b c d", embedding_size=4, hidden_size=4, seed=3)
    inputs, weights = setup.inputs, setup.attention  # (4, E)
    whole = seqdocs.self_attention(inputs, weights, causal=True)
    cached_keys = inputs[:-1] @ weights.key  # (3, d_model), what reading "a b c" kept
    cached_values = inputs[:-1] @ weights.value
    new = inputs[-1:]
    keys = torch.cat([cached_keys, new @ weights.key])
    values = torch.cat([cached_values, new @ weights.value])
    from_cache = F.scaled_dot_product_attention(new @ weights.query, keys, values)
    torch.testing.assert_close(from_cache[0], whole["output"][-1], rtol=0, atol=1e-6)
    # The earlier outputs do not change when "d" is added: they need not be recomputed, nor kept.
    earlier = seqdocs.self_attention(inputs[:-1], weights, causal=True)["output"]
    torch.testing.assert_close(earlier, whole["output"][:-1], rtol=0, atol=1e-6)


def test_the_example_reads_one_more_token_from_its_cache_as_torch_does():
    from_cache, all_at_once = side_by_side.read_one_more(seqdocs.make_setup())
    torch.testing.assert_close(from_cache, all_at_once, rtol=0, atol=1e-6)


def test_without_the_mask_a_new_token_changes_the_earlier_outputs():
    # Why the page restricts the cache to causal attention: unmasked, "a"'s output depends on "c".
    setup = seqdocs.make_setup()
    whole = seqdocs.self_attention(setup.inputs, setup.attention)["output"]
    earlier = seqdocs.self_attention(setup.inputs[:-1], setup.attention)["output"]
    assert (earlier - whole[:-1]).abs().max() > 1e-3


def test_kept_table_lists_every_key_and_value_of_the_cache():
    setup = seqdocs.make_setup()
    cache = side_by_side.key_value_cache(setup)
    rows = [vector for model, *_, vector in side_by_side.kept_vectors(setup) if model == "self-attention"]
    assert len(rows) == 2 * len(setup.tokens)
    assert torch.equal(torch.stack(rows[0::2]), cache["keys"])
    assert torch.equal(torch.stack(rows[1::2]), cache["values"])
