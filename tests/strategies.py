"""Hypothesis strategies shared by the tests that compare seqdocs with PyTorch."""

import dataclasses
import os

import torch
from hypothesis import strategies as st

import seqdocs

ALPHABET = ("a", "b", "c", "d", "e")

DEVELOPER_SHARE = 4
"""Outside CI a property test tries a quarter of its examples (at least 10), so the quick tests stay quick;
CI (`CI=true`, which .ci/run sets) tries them all, with the same examples every run (tests/conftest.py)."""


def examples(full: int) -> int:
    """How many examples a property test tries: `full` under CI, `full // DEVELOPER_SHARE` (at least 10) elsewhere."""
    return full if os.environ.get("CI") else max(10, full // DEVELOPER_SHARE)


@st.composite
def setups(draw, min_length: int = 1):
    """Random setups: sequences over a small alphabet, sizes 1-8, any seed, float32 or float64."""
    length = draw(st.integers(min_value=min_length, max_value=10))
    tokens = draw(st.lists(st.sampled_from(ALPHABET), min_size=length, max_size=length))
    seed = draw(st.integers(min_value=0, max_value=2**32))
    setup = seqdocs.make_setup(
        " ".join(tokens),
        seed=seed,
        embedding_size=draw(st.integers(min_value=1, max_value=8)),
        hidden_size=draw(st.integers(min_value=1, max_value=8)),
        dtype=draw(st.sampled_from(["float32", "float64"])),
    )
    # make_setup's biases are all zero (as in the seed notebook), which would hide a bias added in the wrong
    # place; give every bias random values here.
    generator = torch.Generator().manual_seed(seed)

    def random_like(tensor):
        return torch.randn(tensor.shape, generator=generator).to(tensor.dtype)

    return dataclasses.replace(
        setup,
        rnn=dataclasses.replace(setup.rnn, bias=random_like(setup.rnn.bias)),
        lstm=dataclasses.replace(setup.lstm, bias=random_like(setup.lstm.bias)),
        gru=dataclasses.replace(
            setup.gru, input_bias=random_like(setup.gru.input_bias), hidden_bias=random_like(setup.gru.hidden_bias)
        ),
    )
