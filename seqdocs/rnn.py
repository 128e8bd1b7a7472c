r"""The plain recurrent network (Elman RNN) with a tanh, read one token at a time.

At each step the new hidden state mixes the current input with the previous hidden state:

$$h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b)$$

Weights are stored the way the maths reads, `x @ W` with `W` of shape (in, out). PyTorch's `nn.RNN`
stores the transpose, (out, in); [check_rnn][seqdocs.check_rnn] converts between the two.

Shapes: E is the embedding size, H the hidden size, T the sequence length. Any leading dimensions (a batch,
or a stack of independently seeded models) broadcast like `torch.matmul`.

Its weights, [RNNWeights][seqdocs.RNNWeights], are defined in `weights.py` beside the other models', so that
[make_setup][seqdocs.make_setup] draws them all without importing any model.
"""

from __future__ import annotations

import torch

from .recurrence import read_sequence, stack_steps
from .setups import Setup, make_setup
from .trace import Step, Trace
from .weights import RNNWeights


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


def rnn_forward(
    inputs: torch.Tensor, weights: RNNWeights, *, keep: tuple[str, ...] = ("hidden",)
) -> dict[str, torch.Tensor]:
    """Run the RNN over a whole sequence, starting from a zero hidden state.

    Args:
        inputs: (..., T, E) the input vectors in order.
        weights: The RNN's weights.
        keep: Which of [rnn_cell][seqdocs.rnn_cell]'s tensors to return, stacked over time.

    Returns:
        Each kept tensor as (..., T, H), e.g. `"hidden"`: the hidden state after each token.

    Examples:
        >>> import torch
        >>> weights = RNNWeights(torch.eye(2), torch.eye(2), torch.zeros(2))
        >>> rnn_forward(torch.zeros(5, 2), weights)["hidden"].shape
        torch.Size([5, 2])
    """
    return stack_steps(read_sequence(rnn_cell, inputs, weights), keep)


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
    setup = setup or make_setup()
    weights = setup.rnn
    steps = read_sequence(rnn_cell, setup.inputs, weights)  # (T, E) -> one (H,) state per token
    return Trace(
        model="rnn",
        tokens=setup.tokens,
        steps=tuple(Step(index, token, tensors) for index, (token, tensors) in enumerate(zip(setup.tokens, steps))),
        weights={
            "input_to_hidden": weights.input_to_hidden,
            "hidden_to_hidden": weights.hidden_to_hidden,
            "bias": weights.bias,
        },
    )
