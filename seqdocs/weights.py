"""The weights of every model, in the layout the maths reads (`x @ W`, W of shape (in, out)), and their shapes.

Each model file (`rnn.py`, `lstm.py`, `gru.py`, `attention.py`) holds the maths; the weights it multiplies are
defined here, beside one another, so that [make_setup][seqdocs.make_setup] can draw them all from one
generator without importing any model. Each recurrent model's weights also say how `torch.nn` holds them
(`torch_tensors`): PyTorch stores a weight as (out, in) and computes `x @ W.T`.

Shapes: E embedding size, H hidden size, D attention width. Leading dimensions (a stack of independently
seeded models) are allowed and broadcast like `torch.matmul`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from ._checks import check_tensor
from .errors import InputError

Draw = Callable[..., torch.Tensor]
"""Draws a tensor of the shape it is given, e.g. `lambda *shape: torch.randn(*shape, generator=generator)`."""


@dataclass(frozen=True)
class RNNWeights:
    """The weights of a tanh RNN, in `x @ W` layout.

    Attributes:
        input_to_hidden: (E, H): how the current input moves the hidden state.
        hidden_to_hidden: (H, H): how the previous hidden state moves the new one.
        bias: (H,): added before the tanh.

    Raises:
        InputError: If the shapes do not fit together.

    Examples:
        >>> import torch
        >>> weights = RNNWeights(torch.ones(2, 3), torch.eye(3), torch.zeros(3))
        >>> weights.embedding_size, weights.hidden_size
        (2, 3)
    """

    input_to_hidden: torch.Tensor
    hidden_to_hidden: torch.Tensor
    bias: torch.Tensor

    def __post_init__(self) -> None:
        check_tensor("RNNWeights", "input_to_hidden", self.input_to_hidden, (None, None))
        hidden_size = self.input_to_hidden.shape[-1]
        check_tensor("RNNWeights", "hidden_to_hidden", self.hidden_to_hidden, (hidden_size, hidden_size))
        check_tensor("RNNWeights", "bias", self.bias, (hidden_size,))

    @property
    def embedding_size(self) -> int:
        """E, the size of an input vector."""
        return self.input_to_hidden.shape[-2]

    @property
    def hidden_size(self) -> int:
        """H, the size of the hidden state."""
        return self.input_to_hidden.shape[-1]

    @classmethod
    def drawn(cls, draw: Draw, embedding_size: int, hidden_size: int) -> RNNWeights:
        """Draw the weights, in the seed notebook's order (input-to-hidden, then hidden-to-hidden); the bias is zero.

        Args:
            draw: Returns a tensor of the given shape, e.g. seeded standard normal values.
            embedding_size: E.
            hidden_size: H.

        Examples:
            >>> import torch
            >>> RNNWeights.drawn(torch.ones, 3, 2).bias
            tensor([0., 0.])
        """
        input_to_hidden = draw(embedding_size, hidden_size)  # (E, H)
        hidden_to_hidden = draw(hidden_size, hidden_size)  # (H, H)
        return cls(input_to_hidden, hidden_to_hidden, input_to_hidden.new_zeros(hidden_size))

    def torch_tensors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The weights as `torch.nn.RNN` holds them: `weight_ih` (H, E), `weight_hh` (H, H), `bias_ih`, `bias_hh`.

        PyTorch stores (out, in) and computes `x @ W.T`, so each matrix is transposed; it has two biases that
        add, where seqdocs has one, so `bias_hh` is zero.
        """
        return self.input_to_hidden.mT, self.hidden_to_hidden.mT, self.bias, torch.zeros_like(self.bias)


@dataclass(frozen=True)
class LSTMWeights:
    """The weights of an LSTM, in `x @ W` layout.

    Attributes:
        weight: (E + H, 4H). Its first E rows multiply the input, its last H rows the previous hidden state;
            its columns are four blocks of H, one per gate, in PyTorch's order of input gate,
            forget gate, cell candidate, output gate.
        bias: (4H,), added to the gate pre-activations.

    Raises:
        InputError: If the shapes do not fit together.

    Examples:
        >>> import torch
        >>> weights = LSTMWeights(torch.zeros(2 + 3, 4 * 3), torch.zeros(12), embedding_size=2)
        >>> weights.hidden_size
        3
    """

    weight: torch.Tensor
    bias: torch.Tensor
    embedding_size: int

    def __post_init__(self) -> None:
        check_tensor("LSTMWeights", "weight", self.weight, (None, None))
        columns = self.weight.shape[-1]
        hidden_size = columns // 4
        if columns % 4 or hidden_size == 0 or self.weight.shape[-2] != self.embedding_size + hidden_size:
            raise _bad_shape(self.weight.shape, self.embedding_size)
        check_tensor("LSTMWeights", "bias", self.bias, (columns,))

    @property
    def hidden_size(self) -> int:
        """H, the size of the hidden state and of the cell state."""
        return self.weight.shape[-1] // 4

    @classmethod
    def drawn(cls, draw: Draw, embedding_size: int, hidden_size: int) -> LSTMWeights:
        """Draw the (E + H, 4H) weight in one draw, as the seed notebook does; the bias is zero."""
        weight = draw(embedding_size + hidden_size, 4 * hidden_size)  # (E + H, 4H)
        return cls(weight, weight.new_zeros(4 * hidden_size), embedding_size=embedding_size)

    def torch_tensors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The weights as `torch.nn.LSTM` holds them: `weight_ih` (4H, E), `weight_hh` (4H, H), `bias_ih`, `bias_hh`.

        PyTorch keeps the input rows and the hidden rows of `weight` as two matrices, each transposed to
        (out, in); it has two biases that add, where seqdocs has one, so `bias_hh` is zero.
        """
        inputs_rows, hidden_rows = self.weight[..., : self.embedding_size, :], self.weight[..., self.embedding_size :, :]
        return inputs_rows.mT, hidden_rows.mT, self.bias, torch.zeros_like(self.bias)


def _bad_shape(shape: torch.Size, embedding_size: int) -> Exception:
    return InputError(
        f"LSTMWeights.weight has shape {tuple(shape)}, but for embedding size {embedding_size} it must be "
        f"(E + H, 4H), e.g. ({embedding_size + 2}, 8) for hidden size 2: give a tensor of that shape"
    )


@dataclass(frozen=True)
class GRUWeights:
    """The weights of a GRU, in `x @ W` layout.

    Attributes:
        input_weight: (E, 3H): the input's contribution to the reset, update and candidate blocks.
        hidden_weight: (H, 3H): the previous hidden state's contribution, same blocks.
        input_bias: (3H,), added to the input's contribution.
        hidden_bias: (3H,), added to the hidden state's contribution (so it is reset along with it).

    Raises:
        InputError: If the shapes do not fit together.

    Examples:
        >>> import torch
        >>> GRUWeights(torch.zeros(2, 6), torch.zeros(2, 6), torch.zeros(6), torch.zeros(6)).hidden_size
        2
    """

    input_weight: torch.Tensor
    hidden_weight: torch.Tensor
    input_bias: torch.Tensor
    hidden_bias: torch.Tensor

    def __post_init__(self) -> None:
        check_tensor("GRUWeights", "hidden_weight", self.hidden_weight, (None, None))
        hidden_size = self.hidden_weight.shape[-2]
        check_tensor("GRUWeights", "hidden_weight", self.hidden_weight, (hidden_size, 3 * hidden_size))
        check_tensor("GRUWeights", "input_weight", self.input_weight, (None, 3 * hidden_size))
        check_tensor("GRUWeights", "input_bias", self.input_bias, (3 * hidden_size,))
        check_tensor("GRUWeights", "hidden_bias", self.hidden_bias, (3 * hidden_size,))

    @property
    def embedding_size(self) -> int:
        """E, the size of an input vector."""
        return self.input_weight.shape[-2]

    @property
    def hidden_size(self) -> int:
        """H, the size of the hidden state."""
        return self.hidden_weight.shape[-2]

    @classmethod
    def drawn(cls, draw: Draw, embedding_size: int, hidden_size: int) -> GRUWeights:
        """Draw the input weight (E, 3H), then the hidden weight (H, 3H); both biases are zero."""
        input_weight = draw(embedding_size, 3 * hidden_size)  # (E, 3H)
        hidden_weight = draw(hidden_size, 3 * hidden_size)  # (H, 3H)
        zeros = input_weight.new_zeros(3 * hidden_size)  # (3H,)
        return cls(input_weight, hidden_weight, zeros, zeros.clone())

    def torch_tensors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The weights as `torch.nn.GRU` holds them: `weight_ih` (3H, E), `weight_hh` (3H, H), `bias_ih`, `bias_hh`.

        Each matrix is transposed to PyTorch's (out, in); the blocks are in PyTorch's order r, z, n already.
        """
        return self.input_weight.mT, self.hidden_weight.mT, self.input_bias, self.hidden_bias


@dataclass(frozen=True)
class AttentionWeights:
    """The projections of self-attention, in `x @ W` layout.

    Attributes:
        query: (E, D): turns each input into what it is looking for.
        key: (E, D): turns each input into what it offers to be found by.
        value: (E, D): turns each input into what it hands over when attended to.
        output: (D, D) or `None`: mixes the heads' outputs; `None` (the seed notebook's case) means none.

    Raises:
        InputError: If the shapes do not fit together.

    Examples:
        >>> import torch
        >>> AttentionWeights(torch.eye(2), torch.eye(2), torch.eye(2)).width
        2
    """

    query: torch.Tensor
    key: torch.Tensor
    value: torch.Tensor
    output: torch.Tensor | None = None

    def __post_init__(self) -> None:
        check_tensor("AttentionWeights", "query", self.query, (None, None))
        embedding_size, width = self.query.shape[-2:]
        check_tensor("AttentionWeights", "key", self.key, (embedding_size, width))
        check_tensor("AttentionWeights", "value", self.value, (embedding_size, width))
        if self.output is not None:
            check_tensor("AttentionWeights", "output", self.output, (width, width))

    @property
    def embedding_size(self) -> int:
        """E, the size of an input vector."""
        return self.query.shape[-2]

    @property
    def width(self) -> int:
        """D, the width of a query, key and value."""
        return self.query.shape[-1]

    @classmethod
    def drawn(cls, draw: Draw, embedding_size: int, hidden_size: int | None = None) -> AttentionWeights:
        """Draw the query, key and value projections (E, E) each, in that order; no output matrix.

        `hidden_size` is ignored: self-attention's width is the embedding size E here.
        """
        return cls(query=draw(embedding_size, embedding_size), key=draw(embedding_size, embedding_size),
                   value=draw(embedding_size, embedding_size))
