r"""Word order: what each model sees of it, and the sinusoidal positional encoding that gives it to attention.

A recurrent model reads one token after another, so the order is built into the computation: "a b c" and
"c b a" pass through different states and end in different ones. Self-attention compares every token with
every token in one step; nothing in it says which token came first. Reorder the inputs and its outputs are
the same rows, reordered the same way (it is *permutation-equivariant*).

To tell positions apart, a Transformer adds a vector to each input that depends only on the position
(Vaswani et al., 2017, "Attention is all you need", section 3.5). For position $p$ and model width
$d_{\text{model}}$:

$$
\mathrm{PE}_{p,\,2i} = \sin\!\left(\frac{p}{10000^{2i/d_{\text{model}}}}\right), \qquad
\mathrm{PE}_{p,\,2i+1} = \cos\!\left(\frac{p}{10000^{2i/d_{\text{model}}}}\right)
$$

Each pair of columns $(2i, 2i + 1)$ is a point turning around the unit circle as $p$ grows, the first pair by
one radian per position, each later pair more slowly, the last one nearly 10000 times more slowly. So moving
$\Delta$ positions on turns every pair by its own angle, the same at every position: $\mathrm{PE}_{p+\Delta} =
\mathrm{PE}_p R(\Delta)$ for one rotation $R(\Delta)$ ([position_rotation][seqdocs.position_rotation]).

Shapes: T sequence length, E embedding size (= $d_{\text{model}}$, the width the encoding is added to),
D attention width, H hidden size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ._checks import check_choice, check_size, check_whole
from .attention import self_attention
from .errors import InputError, InputTypeError
from .setups import DEFAULT_SEED, make_setup
from .trace import Trace
from .vocabulary import Vocabulary, tokenize

MAX_POSITIONS = 10_000
"""The longest sequence [sinusoidal_positional_encoding][seqdocs.sinusoidal_positional_encoding] encodes."""

ENCODING_BASE = 10_000.0
"""The base of the wavelengths, Vaswani et al.'s: the slowest pair of columns turns once every 2π·10000 positions."""

ATTENTION_VARIANTS = ("plain", "causal", "positions", "positions_causal")
"""The kinds of self-attention [order_experiment][seqdocs.order_experiment] runs: with or without positional
encodings added to the inputs, with or without a causal mask."""

RECURRENT_MODELS = ("rnn", "lstm", "gru")
"""The recurrent models [order_experiment][seqdocs.order_experiment] runs, by name."""


def sinusoidal_positional_encoding(length: int, width: int, *, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    r"""The sinusoidal positional encoding of Vaswani et al. (2017): one row per position, one column per dimension.

    Column $2i$ holds $\sin(p / 10000^{2i/d})$ and column $2i + 1$ holds $\cos(p / 10000^{2i/d})$, for
    positions $p = 0, 1, \ldots$ counted from 0. An odd width keeps the sine of its last pair and drops the
    cosine, the usual extension of the formula.

    Args:
        length: T, how many positions (1 to 10000).
        width: d, the size of each position's vector (1 to 512); to add it to inputs, their embedding size.
        dtype: The floating-point type of the result. The angles are computed in float64 either way.

    Returns:
        (T, d) the encoding; every value is in [-1, 1].

    Raises:
        InputError: If `length` or `width` is out of range, e.g. a sequence of length 0.
        InputTypeError: If `length` or `width` is not a whole number, or `dtype` not a floating-point type.

    Examples:
        >>> sinusoidal_positional_encoding(3, 2)  # d = 2: one pair, (sin p, cos p), one radian per position
        tensor([[ 0.0000,  1.0000],
                [ 0.8415,  0.5403],
                [ 0.9093, -0.4161]])
        >>> sinusoidal_positional_encoding(64, 32).shape
        torch.Size([64, 32])
    """
    length = check_whole("length", length, 1, MAX_POSITIONS)
    width = check_size("width", width)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise InputTypeError(f"dtype must be a floating-point torch.dtype such as torch.float32, got {dtype!r}")

    positions = torch.arange(length, dtype=torch.float64)[:, None]  # (T, 1): p = 0 .. T-1
    pair_starts = torch.arange(0, width, 2, dtype=torch.float64)  # (ceil(d/2),): 2i = 0, 2, 4, ...
    frequencies = ENCODING_BASE ** (-pair_starts / width)  # (ceil(d/2),): 1 / 10000^(2i/d), radians per position
    angles = positions * frequencies  # (T, 1) * (ceil(d/2),) -> (T, ceil(d/2))
    encoding = torch.empty(length, width, dtype=torch.float64)  # (T, d)
    encoding[:, 0::2] = torch.sin(angles)  # even columns 2i
    encoding[:, 1::2] = torch.cos(angles[:, : width // 2])  # odd columns 2i + 1 (one fewer if d is odd)
    return encoding.to(dtype)


def position_rotation(distance: int, width: int, *, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    r"""The rotation $R(\Delta)$ that moves every position's encoding $\Delta$ positions on.

    $\mathrm{PE}_{p+\Delta} = \mathrm{PE}_p R(\Delta)$ for every position $p$.

    Pair $i$ of columns of [sinusoidal_positional_encoding][seqdocs.sinusoidal_positional_encoding] is
    $(\sin \omega_i p, \cos \omega_i p)$ with $\omega_i = 10000^{-2i/d_{\text{model}}}$. Moving $\Delta$
    positions on adds $a_i = \omega_i \Delta$ to its angle, and for a row vector that is one product with the 2 x 2 block
    `[[cos a, -sin a], [sin a, cos a]]`. $R(\Delta)$ holds these blocks on its diagonal. It depends on $\Delta$ alone, not on $p$: the encoding
    of "$\Delta$ positions later" is the same linear map of the encoding at every position. $R(-\Delta)$ is
    $R(\Delta)^\top$, the inverse turn.

    Args:
        distance: $\Delta$, how many positions on (negative: back), -10000 to 10000.
        width: $d_{\text{model}}$, the encoding's width; even, since an odd width's last column has a sine
            and no cosine to turn with it.
        dtype: The floating-point type of the result. The angles are computed in float64 either way.

    Returns:
        ($d_{\text{model}}$, $d_{\text{model}}$) the block-diagonal rotation; use it as `encoding @ rotation`.

    Raises:
        InputError: If `distance` is out of range, or `width` is out of range or odd.
        InputTypeError: If `distance` or `width` is not a whole number, or `dtype` not a floating-point type.

    Examples:
        >>> import torch
        >>> encoding = sinusoidal_positional_encoding(10, 4, dtype=torch.float64)  # (T, d_model)
        >>> rotation = position_rotation(3, 4, dtype=torch.float64)  # (d_model, d_model)
        >>> bool(torch.allclose(encoding[:7] @ rotation, encoding[3:]))  # PE_{p+3} = PE_p R(3), every p
        True
        >>> position_rotation(1, 2)  # d_model = 2: one pair, turned by one radian
        tensor([[ 0.5403, -0.8415],
                [ 0.8415,  0.5403]])
    """
    distance = check_whole("distance", distance, -MAX_POSITIONS, MAX_POSITIONS)
    width = check_size("width", width)
    if width % 2:
        raise InputError(
            f"width must be even for a rotation, got {width}: an odd width's last column is a sine with no "
            "cosine to turn with it"
        )
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise InputTypeError(f"dtype must be a floating-point torch.dtype such as torch.float32, got {dtype!r}")

    pair_starts = torch.arange(0, width, 2, dtype=torch.float64)  # (d/2,): 2i = 0, 2, 4, ...
    angles = distance * ENCODING_BASE ** (-pair_starts / width)  # (d/2,): a_i = omega_i * Delta
    cosines, sines = torch.cos(angles), torch.sin(angles)  # (d/2,) each
    rotation = torch.zeros(width, width, dtype=torch.float64)  # (d, d)
    rotation[0::2, 0::2] = torch.diag(cosines)  # sine column -> sine column: cos a
    rotation[0::2, 1::2] = torch.diag(-sines)  # sine column -> cosine column: -sin a
    rotation[1::2, 0::2] = torch.diag(sines)  # cosine column -> sine column: sin a
    rotation[1::2, 1::2] = torch.diag(cosines)  # cosine column -> cosine column: cos a
    return rotation.to(dtype)


def add_positions(inputs: torch.Tensor) -> torch.Tensor:
    """Add the sinusoidal positional encoding to a sequence of input vectors, as a Transformer does.

    Args:
        inputs: (..., T, E) the input vectors in order.

    Returns:
        (..., T, E) each input plus its position's vector
        ([sinusoidal_positional_encoding][seqdocs.sinusoidal_positional_encoding]): equal tokens at
        different positions now differ.

    Raises:
        InputError: If `inputs` is not at least 2-D or holds no token.
        InputTypeError: If `inputs` is not a floating-point tensor.

    Examples:
        >>> import torch
        >>> add_positions(torch.zeros(2, 2))  # zeros plus the encoding is the encoding
        tensor([[0.0000, 1.0000],
                [0.8415, 0.5403]])
    """
    if not isinstance(inputs, torch.Tensor):
        raise InputTypeError(f"inputs must be a torch.Tensor of shape (T, E), got {type(inputs).__name__}")
    if not inputs.is_floating_point():
        raise InputTypeError(f"inputs must hold floating-point numbers, got {inputs.dtype}: convert with .float()")
    if inputs.dim() < 2:
        raise InputError(f"inputs has shape {tuple(inputs.shape)}, but it must be (..., T, E): one row per token")
    length, width = inputs.shape[-2:]
    if length == 0:
        raise InputError("inputs holds no token (T = 0): give at least one input vector")
    encoding = sinusoidal_positional_encoding(length, width, dtype=inputs.dtype).to(inputs.device)  # (T, E)
    return inputs + encoding  # (..., T, E) + (T, E) -> (..., T, E)


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
        attention: For each of [ATTENTION_VARIANTS][seqdocs.ATTENTION_VARIANTS], the tensors of
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
        """[permutation_gap][seqdocs.permutation_gap] of one kind of self-attention: 0 means blind to the order.

        Args:
            variant: One of [ATTENTION_VARIANTS][seqdocs.ATTENTION_VARIANTS].

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
            for each kind of self-attention, its [gap][seqdocs.OrderExperiment.gap]. Keys are the names in
            [RECURRENT_MODELS][seqdocs.RECURRENT_MODELS] and [ATTENTION_VARIANTS][seqdocs.ATTENTION_VARIANTS].

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
    added to its inputs ([add_positions][seqdocs.add_positions]), and with both.

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
    from .gru import gru_trace
    from .lstm import lstm_trace
    from .rnn import rnn_trace

    tokens, reordered_tokens = tokenize(sequence), tokenize(reordered)
    order = _matching_order(tokens, reordered_tokens)
    vocabulary = Vocabulary.from_sequence(tokens)
    setups = [
        make_setup(text, vocabulary=vocabulary, seed=seed, embedding_size=embedding_size,
                   hidden_size=embedding_size, dtype=dtype)
        for text in (sequence, reordered)
    ]
    tracers = {"rnn": rnn_trace, "lstm": lstm_trace, "gru": gru_trace}
    recurrent = {model: (tracers[model](setups[0]), tracers[model](setups[1])) for model in RECURRENT_MODELS}
    attention = {}
    for variant in ATTENTION_VARIANTS:
        with_positions, causal = variant.startswith("positions"), variant.endswith("causal")
        attention[variant] = tuple(
            self_attention(add_positions(setup.inputs) if with_positions else setup.inputs,  # (T, E)
                           setup.attention, causal=causal)
            for setup in setups
        )
    return OrderExperiment(tokens, reordered_tokens, order, recurrent, attention, seed)
