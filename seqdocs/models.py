"""The four models in one table: where each one's weights, cell, forward, trace and PyTorch counterpart are.

The maths of each model is in its own file, top to bottom (`rnn.py`, `lstm.py`, `gru.py`, `attention.py`); this
table only points at it, so that the command line, the checks against PyTorch, the traces and the experiments
look a model up by name instead of each branching on its name.

Examples:
    >>> from seqdocs import make_setup
    >>> lstm = MODELS["lstm"]
    >>> lstm.weights.__name__, lstm.state, lstm.torch_name
    ('LSTMWeights', ('hidden', 'cell'), 'torch.nn.LSTM')
    >>> lstm.trace(make_setup()).model
    'lstm'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from ._checks import check_choice
from .attention import attention_trace, self_attention
from .gru import gru_cell, gru_forward, gru_trace
from .lstm import lstm_cell, lstm_forward, lstm_trace
from .rnn import rnn_cell, rnn_forward, rnn_trace
from .trace import Trace
from .weights import AttentionWeights, GRUWeights, LSTMWeights, RNNWeights


@dataclass(frozen=True)
class Model:
    """One row of the table: a model's name and the functions and classes that make it.

    Attributes:
        name: `"rnn"`, `"lstm"`, `"gru"` or `"attention"`; also the [Setup][seqdocs.Setup] field of its weights.
        weights: Its weights class, e.g. [RNNWeights][seqdocs.RNNWeights].
        init: Draws its weights: `init(draw, E, H)`, the seed notebook's way (see `drawn` on each weights class).
        forward: Runs it over a whole sequence: `forward(inputs, weights)`.
        trace: Traces it reading a setup's sequence: `trace(setup)`.
        cell: One step of a recurrent model; `None` for attention, which reads every token in one step.
        state: What a recurrent cell hands to the next step, in the order the cell takes it.
        torch_name: PyTorch's implementation the checks compare it with.
        torch_module: That module's class, and its one-step counterpart, for the recurrent models.
    """

    name: str
    weights: type
    init: Callable
    forward: Callable
    trace: Callable[..., Trace]
    cell: Callable | None = None
    state: tuple[str, ...] = ()
    torch_name: str = ""
    torch_module: type[nn.Module] | None = None
    torch_cell: type[nn.Module] | None = None

    @property
    def recurrent(self) -> bool:
        """Whether the model reads one token per step (all but attention)."""
        return self.cell is not None


MODELS: dict[str, Model] = {
    "rnn": Model("rnn", RNNWeights, RNNWeights.drawn, rnn_forward, rnn_trace, rnn_cell, ("hidden",),
                 "torch.nn.RNN", nn.RNN, nn.RNNCell),
    "lstm": Model("lstm", LSTMWeights, LSTMWeights.drawn, lstm_forward, lstm_trace, lstm_cell, ("hidden", "cell"),
                  "torch.nn.LSTM", nn.LSTM, nn.LSTMCell),
    "gru": Model("gru", GRUWeights, GRUWeights.drawn, gru_forward, gru_trace, gru_cell, ("hidden",),
                 "torch.nn.GRU", nn.GRU, nn.GRUCell),
    "attention": Model("attention", AttentionWeights, AttentionWeights.drawn, self_attention, attention_trace,
                       torch_name="torch.nn.functional.scaled_dot_product_attention"),
}
"""Every model by name, in the order the site introduces them."""

RECURRENT_MODELS = tuple(name for name, model in MODELS.items() if model.recurrent)
"""The models that read one token per step: `("rnn", "lstm", "gru")`."""


def get_model(name: str) -> Model:
    """The table's row for a model.

    Raises:
        InputError: If there is no such model; the message lists the names there are.

    Examples:
        >>> get_model("gru").torch_name
        'torch.nn.GRU'
    """
    return MODELS[check_choice("model", name, MODELS)]


def to_torch(name: str, weights: object, *, cell: bool = False, **options: object) -> nn.Module:
    """A `torch.nn` recurrent module holding the same weights as a seqdocs model.

    Args:
        name: `"rnn"`, `"lstm"` or `"gru"`.
        weights: The model's weights, one model's (no stack of seeds).
        cell: The one-step module (`nn.RNNCell`, ...) instead of the sequence one (`nn.RNN`, ...).
        options: Passed on to the module, e.g. `batch_first=True`.

    Returns:
        The module, with each weight copied in PyTorch's (out, in) layout (the weights' `torch_tensors`).

    Examples:
        >>> from seqdocs import make_setup
        >>> module = to_torch("lstm", make_setup().lstm)
        >>> module.weight_ih_l0.shape  # (4H, E)
        torch.Size([8, 2])
    """
    model = get_model(name)
    if not model.recurrent:
        raise ValueError(f"{name} has no torch.nn recurrent module; compare it with {model.torch_name}")
    kind = model.torch_cell if cell else model.torch_module
    dtype = weights.torch_tensors()[0].dtype
    module = kind(weights.embedding_size, weights.hidden_size, dtype=dtype, **options)
    suffix = "" if cell else "_l0"
    with torch.no_grad():
        for parameter, tensor in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), weights.torch_tensors()):
            getattr(module, parameter + suffix).copy_(tensor)
    return module
