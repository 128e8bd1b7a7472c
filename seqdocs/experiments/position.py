r"""Word order: what each model sees of it, with and without the positional encoding that gives it to attention.

A recurrent model reads one token after another, so the order is built into the computation: "a b c" and
"c b a" pass through different states and end in different ones. Self-attention compares every token with
every token in one step; nothing in it says which token came first. Reorder the inputs and its outputs are
the same rows, reordered the same way (it is *permutation-equivariant*).

A Transformer tells positions apart by adding the sinusoidal positional encoding
([sinusoidal_positional_encoding][seqdocs.sinusoidal_positional_encoding], in `seqdocs.positional`) to its
inputs; this module measures what each model sees of the order with and without it.

Shapes: T sequence length, E embedding size (= $d_{\text{model}}$, the width the encoding is added to),
D attention width, H hidden size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .._checks import check_choice
from ..attention import self_attention
from ..errors import InputError, InputTypeError
from ..models import MODELS, RECURRENT_MODELS
from ..positional import add_positions
from ..setups import DEFAULT_SEED, make_setup
from ..trace import Trace
from ..vocabulary import Vocabulary, tokenize

ATTENTION_VARIANTS = ("plain", "causal", "positions", "positions_causal")
"""The kinds of self-attention [order_experiment][seqdocs.experiments.order_experiment] runs: with or without positional
encodings added to the inputs, with or without a causal mask."""

def permutation_gap(output: torch.Tensor, reordered_output: torch.Tensor, order: Sequence[int]) -> float:
    """How far the outputs for a reordered sequence are from being the original outputs, reordered.

    Zero (up to rounding) means the model only permutes its outputs when its inputs are permuted: it cannot
    tell the two orders apart.

    Args:
        output: (..., T, D) the outputs for the original sequence.
        reordered_output: (..., T, D) the outputs for the reordered sequence.
        order: Row i of the reordered sequence is row `order[i]` of the original.

    Returns:
        The largest absolute difference between `reordered_output` and `output[..., order, :]`.

    Raises:
        InputError: If the shapes differ or `order` is not a permutation of 0..T-1.
        InputTypeError: If an output is not a tensor.

    Examples:
        >>> import torch
        >>> rows = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> permutation_gap(rows, rows.flip(0), (1, 0))
        0.0
    """
    for name, tensor in (("output", output), ("reordered_output", reordered_output)):
        if not isinstance(tensor, torch.Tensor):
            raise InputTypeError(f"{name} must be a torch.Tensor of shape (T, D), got {type(tensor).__name__}")
    if output.shape != reordered_output.shape or output.dim() < 2:
        raise InputError(
            f"the outputs must both be (..., T, D) of the same shape, got {tuple(output.shape)} and "
            f"{tuple(reordered_output.shape)}"
        )
    length = output.shape[-2]
    if any(isinstance(index, bool) or not isinstance(index, int) for index in order) or sorted(order) != list(
        range(length)
    ):
        raise InputError(f"order must hold each of 0..{length - 1} once, got {tuple(order)}")
    return float((reordered_output - output[..., list(order), :]).abs().max())


def _matching_order(tokens: tuple[str, ...], reordered: tuple[str, ...]) -> tuple[int, ...]:
    """For each reordered token, the position of the same token in `tokens` (repeats matched left to right)."""
    if sorted(tokens) != sorted(reordered):
        raise InputError(
            f"the reordered sequence {' '.join(reordered)!r} does not hold the same tokens as "
            f"{' '.join(tokens)!r}: give the same tokens in another order"
        )
    unused = list(range(len(tokens)))
    order = []
    for token in reordered:
        position = next(index for index in unused if tokens[index] == token)
        unused.remove(position)
        order.append(position)
    return tuple(order)


@dataclass(frozen=True)
class OrderExperiment:
    """The same tokens in two orders, read by every model with the same embeddings and weights.

    Attributes:
        tokens: The original sequence.
        reordered_tokens: The same tokens in the other order.
        order: `reordered_tokens[i]` is `tokens[order[i]]`.
        recurrent: For each of [RECURRENT_MODELS][seqdocs.RECURRENT_MODELS], the traces of the original and
            the reordered sequence.
        attention: For each of [ATTENTION_VARIANTS][seqdocs.experiments.ATTENTION_VARIANTS], the tensors of
            [self_attention][seqdocs.self_attention] for the original and the reordered sequence.
        seed: The seed of the embeddings and weights.

    Examples:
        >>> experiment = order_experiment()
        >>> experiment.reordered_tokens, experiment.order
        (('c', 'b', 'a'), (2, 1, 0))
    """

    tokens: tuple[str, ...]
    reordered_tokens: tuple[str, ...]
    order: tuple[int, ...]
    recurrent: dict[str, tuple[Trace, Trace]]
    attention: dict[str, tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]]
    seed: int

    def final_states(self, model: str) -> tuple[torch.Tensor, torch.Tensor]:
        """The recurrent model's final hidden state after the original and after the reordered sequence.

        Args:
            model: One of [RECURRENT_MODELS][seqdocs.RECURRENT_MODELS].

        Returns:
            Two (H,) tensors.

        Raises:
            InputError: If the model is not one of them.

        Examples:
            >>> original, reordered = order_experiment().final_states("rnn")
            >>> original, reordered
            (tensor([-0.9068,  0.1196]), tensor([0.0811, 0.9597]))
        """
        original, reordered = self.recurrent[check_choice("model", model, self.recurrent)]
        return original.final("hidden"), reordered.final("hidden")

    def gap(self, variant: str) -> float:
        """[permutation_gap][seqdocs.experiments.permutation_gap] of one kind of self-attention: 0 means blind to the order.

        Args:
            variant: One of [ATTENTION_VARIANTS][seqdocs.experiments.ATTENTION_VARIANTS].

        Returns:
            The largest absolute difference between the reordered outputs and the original outputs reordered.

        Raises:
            InputError: If the variant is not one of them.

        Examples:
            >>> experiment = order_experiment()
            >>> experiment.gap("plain") < 1e-6 < experiment.gap("positions")
            True
        """
        original, reordered = self.attention[check_choice("variant", variant, self.attention)]
        return permutation_gap(original["output"], reordered["output"], self.order)

    def differences(self) -> dict[str, float]:
        """Every model's answer to "did the order change anything?", as one number each.

        Returns:
            For each recurrent model, the largest absolute difference between its two final hidden states;
            for each kind of self-attention, its [gap][seqdocs.experiments.OrderExperiment.gap]. Keys are the names in
            [RECURRENT_MODELS][seqdocs.RECURRENT_MODELS] and [ATTENTION_VARIANTS][seqdocs.experiments.ATTENTION_VARIANTS].

        Examples:
            >>> differences = order_experiment().differences()
            >>> list(differences)
            ['rnn', 'lstm', 'gru', 'plain', 'causal', 'positions', 'positions_causal']
            >>> round(differences["rnn"], 4)  # first components: -0.9068 after "a b c", 0.0811 after "c b a"
            0.9878
        """
        result = {}
        for model in RECURRENT_MODELS:
            original, reordered = self.final_states(model)  # (H,), (H,)
            result[model] = float((original - reordered).abs().max())
        for variant in ATTENTION_VARIANTS:
            result[variant] = self.gap(variant)
        return result


def order_experiment(
    sequence: str = "a b c",
    reordered: str = "c b a",
    *,
    seed: int = DEFAULT_SEED,
    embedding_size: int = 2,
    dtype: str | torch.dtype = torch.float32,
) -> OrderExperiment:
    """Read a sequence and a reordering of it with every model, sharing the embeddings and weights.

    Both setups come from [make_setup][seqdocs.make_setup] with the same seed and the original sequence's
    vocabulary, so a token has the same vector in both, and every model the same weights: only the order
    differs. Self-attention runs four ways: plain, with a causal mask, with sinusoidal positional encodings
    added to its inputs ([add_positions][seqdocs.positional.add_positions]), and with both.

    Args:
        sequence: The original tokens, whitespace-separated.
        reordered: The same tokens in another order.
        seed: Seeds the embeddings and weights.
        embedding_size: E; also the hidden size H of the recurrent models and the positional encoding's width.
        dtype: `float32` (the site's) or `float64`, as for [make_setup][seqdocs.make_setup].

    Returns:
        The traces and attention tensors for both orders.

    Raises:
        InputError: If a sequence is empty, the two do not hold the same tokens, or a size is out of range.
        InputTypeError: If a sequence is not a string, or the seed or size not a whole number.

    Examples:
        >>> experiment = order_experiment()
        >>> experiment.attention["plain"][1]["output"].shape  # the outputs for "c b a"
        torch.Size([3, 2])
        >>> try:
        ...     order_experiment("a b c", "a b b")
        ... except InputError as error:
        ...     print(error)
        the reordered sequence 'a b b' does not hold the same tokens as 'a b c':
        give the same tokens in another order
    """

    tokens, reordered_tokens = tokenize(sequence), tokenize(reordered)
    order = _matching_order(tokens, reordered_tokens)
    vocabulary = Vocabulary.from_sequence(tokens)
    setups = [
        make_setup(text, vocabulary=vocabulary, seed=seed, embedding_size=embedding_size,
                   hidden_size=embedding_size, dtype=dtype)
        for text in (sequence, reordered)
    ]
    recurrent = {model: (MODELS[model].trace(setups[0]), MODELS[model].trace(setups[1])) for model in RECURRENT_MODELS}
    attention = {}
    for variant in ATTENTION_VARIANTS:
        with_positions, causal = variant.startswith("positions"), variant.endswith("causal")
        attention[variant] = tuple(
            self_attention(add_positions(setup.inputs) if with_positions else setup.inputs,  # (T, E)
                           setup.attention, causal=causal)
            for setup in setups
        )
    return OrderExperiment(tokens, reordered_tokens, order, recurrent, attention, seed)
