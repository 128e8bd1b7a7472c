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

Its weights, [GRUWeights][seqdocs.GRUWeights], are defined in `weights.py` beside the other models', so that
[make_setup][seqdocs.make_setup] draws them all without importing any model.
"""

from __future__ import annotations

import torch

from .recurrence import read_sequence, stack_steps
from .setups import Setup, make_setup
from .trace import Step, Trace
from .weights import GRUWeights


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


def gru_forward(
    inputs: torch.Tensor, weights: GRUWeights, *, keep: tuple[str, ...] = ("hidden",)
) -> dict[str, torch.Tensor]:
    """Run the GRU over a whole sequence, starting from a zero hidden state.

    Args:
        inputs: (..., T, E) the input vectors in order.
        weights: The GRU's weights.
        keep: Which of [gru_cell][seqdocs.gru_cell]'s tensors to return, stacked over time.

    Returns:
        Each kept tensor as (..., T, H), e.g. `"hidden"`: the hidden state after each token.

    Examples:
        >>> import torch
        >>> weights = GRUWeights(torch.zeros(2, 3), torch.zeros(1, 3), torch.zeros(3), torch.zeros(3))
        >>> gru_forward(torch.zeros(4, 2), weights)["hidden"].shape
        torch.Size([4, 1])
    """
    return stack_steps(read_sequence(gru_cell, inputs, weights), keep)


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
    setup = setup or make_setup()
    weights = setup.gru
    steps = read_sequence(gru_cell, setup.inputs, weights)  # (T, E) -> one (H,) state per token
    return Trace(
        model="gru",
        tokens=setup.tokens,
        steps=tuple(Step(index, token, tensors) for index, (token, tensors) in enumerate(zip(setup.tokens, steps))),
        weights={
            "input_weight": weights.input_weight,
            "hidden_weight": weights.hidden_weight,
            "input_bias": weights.input_bias,
            "hidden_bias": weights.hidden_bias,
        },
    )
