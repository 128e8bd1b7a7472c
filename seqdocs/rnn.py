r"""The plain recurrent network (Elman RNN) with a tanh, read one token at a time.

At each step the new hidden state mixes the current input with the previous hidden state:

$$h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b)$$

Weights are stored the way the maths reads, `x @ W` with `W` of shape (in, out). PyTorch's `nn.RNN`
stores the transpose, (out, in); [check_rnn][seqdocs.check_rnn] converts between the two.

Shapes: E is the embedding size, H the hidden size, T the sequence length. Any leading dimensions (a batch,
or a stack of independently seeded models) broadcast like `torch.matmul`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from ._checks import check_tensor
from .trace import Step, Trace

if TYPE_CHECKING:
    from .setups import Setup


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


def rnn_cell(token_vector: torch.Tensor, previous_hidden: torch.Tensor, weights: RNNWeights) -> dict[str, torch.Tensor]:
    """One RNN step: read one input vector, update the hidden state.

    Args:
        token_vector: (..., E) the current input.
        previous_hidden: (..., H) the hidden state after the previous token (zeros before the first).
        weights: The RNN's weights.

    Returns:
        The step's tensors by name, in the order they are computed: `input`, `previous_hidden`,
        `input_contribution`, `recurrent_contribution`, `pre_activation`, `hidden`.

    Examples:
        >>> import torch
        >>> weights = RNNWeights(torch.eye(2), torch.zeros(2, 2), torch.zeros(2))
        >>> rnn_cell(torch.tensor([0.5, -0.5]), torch.zeros(2), weights)["hidden"]
        tensor([ 0.4621, -0.4621])
    """
    input_contribution = token_vector @ weights.input_to_hidden  # (..., E) @ (E, H) -> (..., H)
    recurrent_contribution = previous_hidden @ weights.hidden_to_hidden  # (..., H) @ (H, H) -> (..., H)
    pre_activation = input_contribution + recurrent_contribution + weights.bias  # (..., H)
    hidden = torch.tanh(pre_activation)  # (..., H), squashed into (-1, 1)
    return {
        "input": token_vector,
        "previous_hidden": previous_hidden,
        "input_contribution": input_contribution,
        "recurrent_contribution": recurrent_contribution,
        "pre_activation": pre_activation,
        "hidden": hidden,
    }


def rnn_forward(inputs: torch.Tensor, weights: RNNWeights) -> torch.Tensor:
    """Run the RNN over a whole sequence, starting from a zero hidden state.

    Args:
        inputs: (..., T, E) the input vectors in order.
        weights: The RNN's weights.

    Returns:
        (..., T, H) the hidden state after each token.

    Examples:
        >>> import torch
        >>> weights = RNNWeights(torch.eye(2), torch.eye(2), torch.zeros(2))
        >>> rnn_forward(torch.zeros(5, 2), weights).shape
        torch.Size([5, 2])
    """
    hidden = inputs.new_zeros(inputs.shape[:-2] + (weights.hidden_size,))  # (..., H)
    states = []
    for position in range(inputs.shape[-2]):
        hidden = rnn_cell(inputs[..., position, :], hidden, weights)["hidden"]  # (..., H)
        states.append(hidden)
    return torch.stack(states, dim=-2)  # (..., T, H)


def rnn_trace(setup: Setup | None = None) -> Trace:
    """Trace the RNN reading a sequence, keeping every tensor of every step.

    Args:
        setup: The sequence, embeddings and weights; by default [make_setup][seqdocs.make_setup]'s,
            which reproduce the seed notebook.

    Returns:
        A trace with one step per token.

    Examples:
        >>> trace = rnn_trace()
        >>> [step.token for step in trace.steps]
        ['a', 'b', 'c']
        >>> trace.final("hidden")
        tensor([-0.9068,  0.1196])
    """
    from .setups import make_setup

    setup = setup or make_setup()
    weights = setup.rnn
    hidden = setup.inputs.new_zeros(weights.hidden_size)  # (H,), the blank memory before the first token
    steps = []
    for index, (token, token_vector) in enumerate(zip(setup.tokens, setup.inputs)):
        tensors = rnn_cell(token_vector, hidden, weights)
        steps.append(Step(index, token, tensors))
        hidden = tensors["hidden"]
    return Trace(
        model="rnn",
        tokens=setup.tokens,
        steps=tuple(steps),
        weights={
            "input_to_hidden": weights.input_to_hidden,
            "hidden_to_hidden": weights.hidden_to_hidden,
            "bias": weights.bias,
        },
    )
