r"""The GRU: a gated recurrent network with no separate cell state, in PyTorch's formulation.

$$
\begin{aligned}
r_t &= \sigma(x_t W_{ir} + b_{ir} + h_{t-1} W_{hr} + b_{hr}) \\
z_t &= \sigma(x_t W_{iz} + b_{iz} + h_{t-1} W_{hz} + b_{hz}) \\
n_t &= \tanh\big(x_t W_{in} + b_{in} + r_t \odot (h_{t-1} W_{hn} + b_{hn})\big) \\
h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}
\end{aligned}
$$

The reset gate $r_t$ scales the recurrent term *after* its matrix product, as `torch.nn.GRU` and cuDNN do.
The original paper (Cho et al., 2014) and many textbooks reset the state *before* the product,
$\tanh(x_t W_{in} + (r_t \odot h_{t-1}) W_{hn})$; the two give different numbers for the same weights. In both,
the update gate $z_t$ near 1 keeps the old state and near 0 takes the candidate (some texts swap $z$ and
$1 - z$).

Shapes: E embedding size, H hidden size; leading dimensions broadcast like `torch.matmul`. Weight columns are
three blocks of H in the order reset, update, candidate (r, z, n), as PyTorch stores them.
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


def gru_cell(token_vector: torch.Tensor, previous_hidden: torch.Tensor, weights: GRUWeights) -> dict[str, torch.Tensor]:
    """One GRU step: read one input vector, update the hidden state.

    Args:
        token_vector: (..., E) the current input.
        previous_hidden: (..., H) the hidden state after the previous token.
        weights: The GRU's weights.

    Returns:
        The step's tensors by name, in the order they are computed: `input`, `previous_hidden`,
        `input_projection`, `hidden_projection`, `reset_gate`, `update_gate`, `candidate`, `hidden`.

    Examples:
        >>> import torch
        >>> weights = GRUWeights(torch.zeros(2, 3), torch.zeros(1, 3), torch.zeros(3), torch.zeros(3))
        >>> gru_cell(torch.ones(2), torch.ones(1), weights)["hidden"]  # z = 0.5, n = 0: halfway to zero
        tensor([0.5000])
    """
    input_projection = token_vector @ weights.input_weight + weights.input_bias  # (..., E) @ (E, 3H) -> (..., 3H)
    hidden_projection = previous_hidden @ weights.hidden_weight + weights.hidden_bias  # (..., H) @ (H, 3H) -> (..., 3H)
    input_reset, input_update, input_candidate = input_projection.chunk(3, dim=-1)  # 3 x (..., H)
    hidden_reset, hidden_update, hidden_candidate = hidden_projection.chunk(3, dim=-1)  # 3 x (..., H)
    reset_gate = torch.sigmoid(input_reset + hidden_reset)  # (..., H): how much of the old state the candidate sees
    update_gate = torch.sigmoid(input_update + hidden_update)  # (..., H): how much of the old state to keep
    # PyTorch's GRU resets the recurrent term after the matrix product (see the module docstring).
    candidate = torch.tanh(input_candidate + reset_gate * hidden_candidate)  # (..., H)
    hidden = (1 - update_gate) * candidate + update_gate * previous_hidden  # (..., H)
    return {
        "input": token_vector,
        "previous_hidden": previous_hidden,
        "input_projection": input_projection,
        "hidden_projection": hidden_projection,
        "reset_gate": reset_gate,
        "update_gate": update_gate,
        "candidate": candidate,
        "hidden": hidden,
    }


def gru_forward(inputs: torch.Tensor, weights: GRUWeights) -> torch.Tensor:
    """Run the GRU over a whole sequence, starting from a zero hidden state.

    Args:
        inputs: (..., T, E) the input vectors in order.
        weights: The GRU's weights.

    Returns:
        (..., T, H) the hidden state after each token.

    Examples:
        >>> import torch
        >>> weights = GRUWeights(torch.zeros(2, 3), torch.zeros(1, 3), torch.zeros(3), torch.zeros(3))
        >>> gru_forward(torch.zeros(4, 2), weights).shape
        torch.Size([4, 1])
    """
    hidden = inputs.new_zeros(inputs.shape[:-2] + (weights.hidden_size,))  # (..., H)
    states = []
    for position in range(inputs.shape[-2]):
        hidden = gru_cell(inputs[..., position, :], hidden, weights)["hidden"]  # (..., H)
        states.append(hidden)
    return torch.stack(states, dim=-2)  # (..., T, H)


def gru_trace(setup: Setup | None = None) -> Trace:
    """Trace the GRU reading a sequence, keeping every gate and state of every step.

    Args:
        setup: The sequence, embeddings and weights; by default [make_setup][seqdocs.make_setup]'s. The
            seed notebook has no GRU: its weights are drawn after all of the notebook's, so they leave the
            notebook's numbers unchanged.

    Returns:
        A trace with one step per token.

    Examples:
        >>> gru_trace().stacked("update_gate").shape
        torch.Size([3, 2])
    """
    from .setups import make_setup

    setup = setup or make_setup()
    weights = setup.gru
    hidden = setup.inputs.new_zeros(weights.hidden_size)  # (H,)
    steps = []
    for index, (token, token_vector) in enumerate(zip(setup.tokens, setup.inputs)):
        tensors = gru_cell(token_vector, hidden, weights)
        steps.append(Step(index, token, tensors))
        hidden = tensors["hidden"]
    return Trace(
        model="gru",
        tokens=setup.tokens,
        steps=tuple(steps),
        weights={
            "input_weight": weights.input_weight,
            "hidden_weight": weights.hidden_weight,
            "input_bias": weights.input_bias,
            "hidden_bias": weights.hidden_bias,
        },
    )
