r"""The LSTM: a recurrent network whose memory, the cell state, is edited through gates.

Each step reads the input and the previous hidden state together, and computes four things from them:

$$
\begin{aligned}
[\,\tilde\imath_t \; \tilde f_t \; \tilde g_t \; \tilde o_t\,] &= [\,x_t \; h_{t-1}\,]\, W + b \\
i_t = \sigma(\tilde\imath_t),\quad f_t &= \sigma(\tilde f_t),\quad g_t = \tanh(\tilde g_t),\quad o_t = \sigma(\tilde o_t) \\
c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
h_t &= o_t \odot \tanh(c_t)
\end{aligned}
$$

The forget gate $f_t$ decides how much of the old cell to keep, the input gate $i_t$ how much of the
candidate $g_t$ to write, and the output gate $o_t$ how much of the cell to show as the hidden state. The
gate blocks are in PyTorch's order, input, forget, cell candidate, output (i, f, g, o).

Shapes: E embedding size, H hidden size; leading dimensions broadcast like `torch.matmul`.

Its weights, [LSTMWeights][seqdocs.LSTMWeights], are defined in `weights.py` beside the other models', so that
[make_setup][seqdocs.make_setup] draws them all without importing any model.
"""

from __future__ import annotations

import torch

from .recurrence import read_sequence, stack_steps
from .setups import Setup, make_setup
from .trace import Step, Trace
from .weights import LSTMWeights


def lstm_cell(
    token_vector: torch.Tensor, previous_hidden: torch.Tensor, previous_cell: torch.Tensor, weights: LSTMWeights
) -> dict[str, torch.Tensor]:
    """One LSTM step: read one input vector, update the cell state and the hidden state.

    Args:
        token_vector: (..., E) the current input.
        previous_hidden: (..., H) the hidden state after the previous token.
        previous_cell: (..., H) the cell state after the previous token.
        weights: The LSTM's weights.

    Returns:
        The step's tensors by name, in the order they are computed: `input`, `previous_hidden`,
        `previous_cell`, `combined`, `gate_pre_activations`, `input_gate`, `forget_gate`, `cell_candidate`,
        `output_gate`, `kept_memory`, `new_information`, `cell`, `hidden`.

    Examples:
        >>> import torch
        >>> weights = LSTMWeights(torch.zeros(3, 4), torch.zeros(4), embedding_size=2)
        >>> step = lstm_cell(torch.ones(2), torch.zeros(1), torch.ones(1), weights)
        >>> step["forget_gate"], step["cell"]  # all-zero weights: every gate half open
        (tensor([0.5000]), tensor([0.5000]))
    """
    combined = torch.cat([token_vector, previous_hidden], dim=-1)  # (..., E + H)
    gate_pre_activations = combined @ weights.weight + weights.bias  # (..., E + H) @ (E + H, 4H) -> (..., 4H)
    raw_input, raw_forget, raw_candidate, raw_output = gate_pre_activations.chunk(4, dim=-1)  # 4 x (..., H)
    input_gate = torch.sigmoid(raw_input)  # (..., H) in (0, 1): how much new information to write
    forget_gate = torch.sigmoid(raw_forget)  # (..., H) in (0, 1): how much old memory to keep
    cell_candidate = torch.tanh(raw_candidate)  # (..., H) in (-1, 1): the new information on offer
    output_gate = torch.sigmoid(raw_output)  # (..., H) in (0, 1): how much memory to show
    kept_memory = forget_gate * previous_cell  # (..., H)
    new_information = input_gate * cell_candidate  # (..., H)
    cell = kept_memory + new_information  # (..., H)
    hidden = output_gate * torch.tanh(cell)  # (..., H)
    return {
        "input": token_vector,
        "previous_hidden": previous_hidden,
        "previous_cell": previous_cell,
        "combined": combined,
        "gate_pre_activations": gate_pre_activations,
        "input_gate": input_gate,
        "forget_gate": forget_gate,
        "cell_candidate": cell_candidate,
        "output_gate": output_gate,
        "kept_memory": kept_memory,
        "new_information": new_information,
        "cell": cell,
        "hidden": hidden,
    }


def lstm_forward(inputs: torch.Tensor, weights: LSTMWeights, *, keep: tuple[str, ...] = ("hidden",)) -> dict[str, torch.Tensor]:
    """Run the LSTM over a whole sequence, starting from zero hidden and cell states.

    Args:
        inputs: (..., T, E) the input vectors in order.
        weights: The LSTM's weights.
        keep: Which of [lstm_cell][seqdocs.lstm_cell]'s tensors to return, stacked over time.

    Returns:
        Each kept tensor as (..., T, H), e.g. `"hidden"`: the hidden state after each token.

    Examples:
        >>> import torch
        >>> weights = LSTMWeights(torch.zeros(3, 4), torch.zeros(4), embedding_size=2)
        >>> lstm_forward(torch.zeros(5, 2), weights, keep=("hidden", "forget_gate"))["forget_gate"].shape
        torch.Size([5, 1])
    """
    return stack_steps(read_sequence(lstm_cell, inputs, weights, state=("hidden", "cell")), keep)


def lstm_trace(setup: Setup | None = None) -> Trace:
    """Trace the LSTM reading a sequence, keeping every gate and state of every step.

    Args:
        setup: The sequence, embeddings and weights; by default [make_setup][seqdocs.make_setup]'s,
            which reproduce the seed notebook.

    Returns:
        A trace with one step per token.

    Examples:
        >>> trace = lstm_trace()
        >>> list(trace.steps[0].tensors)[5:9]
        ['input_gate', 'forget_gate', 'cell_candidate', 'output_gate']
    """
    setup = setup or make_setup()
    weights = setup.lstm
    steps = read_sequence(lstm_cell, setup.inputs, weights, state=("hidden", "cell"))  # (T, E) -> one step per token
    return Trace(
        model="lstm",
        tokens=setup.tokens,
        steps=tuple(Step(index, token, tensors) for index, (token, tensors) in enumerate(zip(setup.tokens, steps))),
        weights={"weight": weights.weight, "bias": weights.bias},
    )
