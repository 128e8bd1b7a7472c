"""The loop every recurrent model reads a sequence with: one cell call per token, each step's state fed to the next.

[rnn_forward][seqdocs.rnn_forward], [lstm_forward][seqdocs.lstm_forward] and [gru_forward][seqdocs.gru_forward],
their traces and the experiments all run this one loop; only the cell and the state it carries differ (the
LSTM carries a cell state beside the hidden state). It yields one step at a time, so a caller that keeps only
the hidden states holds no more than it keeps.

Shapes: T sequence length, E embedding size, H hidden size; leading dimensions broadcast like `torch.matmul`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import torch

from .errors import InputError

Cell = Callable[..., dict[str, torch.Tensor]]
"""A recurrent cell, e.g. [rnn_cell][seqdocs.rnn_cell]: (input, *previous states, weights) -> the step's tensors."""


def read_sequence(
    cell: Cell, inputs: torch.Tensor, weights: object, state: Sequence[str] = ("hidden",)
) -> Iterator[dict[str, torch.Tensor]]:
    """Run a recurrent cell over a sequence, starting from zero states, and yield each step's tensors.

    Args:
        cell: The model's cell; it takes the input, then the previous value of each name in `state`, then
            the weights.
        inputs: (..., T, E) the input vectors in order.
        weights: The model's weights; `weights.hidden_size` is H.
        state: The names of the step tensors carried to the next step, in the order the cell takes them:
            `("hidden",)`, or `("hidden", "cell")` for the LSTM.

    Yields:
        Each step's tensors by name, in order, as the cell returns them.

    Examples:
        >>> import torch
        >>> from seqdocs import RNNWeights, rnn_cell
        >>> weights = RNNWeights(torch.eye(2), torch.eye(2), torch.zeros(2))
        >>> [step["hidden"].shape for step in read_sequence(rnn_cell, torch.ones(4, 3, 2), weights)]
        [torch.Size([4, 2]), torch.Size([4, 2]), torch.Size([4, 2])]
    """
    shape = inputs.shape[:-2] + (weights.hidden_size,)
    carried = [inputs.new_zeros(shape) for _ in state]  # each (..., H): the blank memory before the first token
    # unbind, not inputs[..., t, :]: its gradient is one stack, where T slices would each add a full-size zero tensor.
    for token_vector in inputs.unbind(dim=-2):  # T tensors (..., E)
        step = cell(token_vector, *carried, weights)
        carried = [step[name] for name in state]  # (..., H) each, handed to the next step
        yield step
        del step  # the caller keeps what it needs; the rest of this step is freed before the next one runs


def stack_steps(steps: Iterable[dict[str, torch.Tensor]], keep: Sequence[str]) -> dict[str, torch.Tensor]:
    """Stack the named tensors of every step over time.

    Args:
        steps: The steps, e.g. from [read_sequence][seqdocs.recurrence.read_sequence].
        keep: Which step tensors to stack.

    Returns:
        Each kept tensor as (..., T, H): time is the second-to-last dimension.

    Raises:
        InputError: If a name in `keep` is not one the steps record; the message lists those they do.
    """
    kept: dict[str, list[torch.Tensor]] = {name: [] for name in keep}
    for step in steps:
        for name in keep:
            if name not in step:
                raise InputError(f"the cell computes no {name!r}: keep one of {', '.join(step)}")
            kept[name].append(step[name])
        del step  # so the step's other tensors are freed before the next step is computed
    return {name: torch.stack(values, dim=-2) for name, values in kept.items()}  # each (..., T, H)
