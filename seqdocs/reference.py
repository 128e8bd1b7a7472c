"""Proof that each traced model computes what PyTorch's own implementation computes.

Each check copies a [Setup][seqdocs.Setup]'s weights into the PyTorch module, runs both on the same sequence
and reports the largest difference. Two conversions matter. PyTorch stores a weight as (out, in) and
computes `x @ W.T`; seqdocs stores (in, out) and computes `x @ W`, so every weight is transposed. And seqdocs's
LSTM keeps the input and recurrent weights in one (E + H, 4H) matrix; PyTorch keeps two, `weight_ih` for the
first E rows and `weight_hh` for the last H.

The recurrent models are compared one step at a time: at every step PyTorch's module gets the previous state
*from the seqdocs trace* and must produce the trace's next state. Running both on the whole sequence
independently would compare something else as well: in float32, two orders of summing differ in the last bit,
and a recurrence with random weights can grow that difference by a factor of ten within a few steps, which
says nothing about whether the two compute the same function.

The difference is measured relative to the size of the numbers a tensor was computed from: the largest
|ours - theirs| divided by max(1, that size). float32 keeps about seven digits of each number, so a sum of
terms near 60 carries an error near 60 x 6e-8 whatever its result. For the recurrent models that size is the
tensor itself (every gate and state is at most 1 in size, so those are compared absolutely). Attention needs
more care: its weights are a softmax of scores that may reach 60, and a score known to 60 x 6e-8 moves a
weight by as much, so the weights are measured against the largest score. Its output is an average of the
values by those weights (then, optionally, a product with the output matrix), so it carries the weights' error
times the values: it is measured against the largest score times the largest value, times the largest column
sum of the output matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .attention import attention_trace
from .block import BlockConfig, BlockWeights, block_trace
from .errors import InputError
from .models import MODELS, to_torch
from .setups import Setup, make_setup
from .trace import Trace

TOLERANCE = {torch.float32: 1e-6, torch.float64: 1e-12}
"""The largest relative difference a check accepts, by dtype."""


@dataclass(frozen=True)
class Check:
    """The outcome of comparing one traced model with PyTorch's implementation.

    Attributes:
        model: Which seqdocs model was checked, e.g. `"lstm"`.
        reference: What it was compared with, e.g. `"torch.nn.LSTM"`.
        dtype: The dtype both ran in, e.g. `"float32"`.
        tolerance: The largest difference accepted.
        max_error: The largest difference found, relative to the largest value (see the module docstring).
        compared: What was compared, e.g. `"hidden and cell state at every step"`.

    Examples:
        >>> check = check_lstm()
        >>> check.reference, check.passed
        ('torch.nn.LSTM', True)
    """

    model: str
    reference: str
    dtype: str
    tolerance: float
    max_error: float
    compared: str

    @property
    def passed(self) -> bool:
        """Whether the largest difference is within the tolerance."""
        return self.max_error <= self.tolerance

    def __str__(self) -> str:
        verdict = "equal" if self.passed else "NOT equal"
        return (
            f"{self.model}: {verdict} to {self.reference} within {self.tolerance:g} in {self.dtype} "
            f"(largest difference {self.max_error:.1e}; compared {self.compared})"
        )


def relative_error(ours: torch.Tensor, theirs: torch.Tensor, scale: float = 0.0) -> float:
    """The largest |ours - theirs| over max(1, largest |theirs|, scale); see the module docstring."""
    if ours.shape != theirs.shape:
        raise AssertionError(f"shapes differ: seqdocs {tuple(ours.shape)} vs torch {tuple(theirs.shape)}")
    scale = max(1.0, float(theirs.abs().max()), scale)
    return float((ours - theirs).abs().max()) / scale


def _result(model: str, reference: str, setup: Setup | torch.Tensor, compared: str, *pairs: tuple) -> Check:
    dtype = setup.dtype if isinstance(setup, torch.Tensor) else setup.embeddings.dtype
    return Check(
        model=model,
        reference=reference,
        dtype=str(dtype).removeprefix("torch."),
        tolerance=TOLERANCE[dtype],
        max_error=max(relative_error(*pair) for pair in pairs),  # each pair: (ours, theirs[, scale])
        compared=compared,
    )


def _check_recurrent(name: str, setup: Setup | None) -> Check:
    """Run the model's trace, and PyTorch's module on each step's previous state from that trace."""
    setup = setup or make_setup()
    model = MODELS[name]
    module = to_torch(name, getattr(setup, name))  # e.g. nn.LSTM, weights transposed to (out, in)
    trace = model.trace(setup)
    theirs: dict[str, list[torch.Tensor]] = {state: [] for state in model.state}
    with torch.no_grad():
        for step in trace.steps:
            previous = tuple(step[f"previous_{state}"][None] for state in model.state)  # (1, H) each
            _, final = module(step["input"][None], previous if len(previous) > 1 else previous[0])  # (1, E) in
            for state, tensor in zip(model.state, final if isinstance(final, tuple) else (final,)):
                theirs[state].append(tensor[0])  # (1, H) -> (H,)
    return _result(
        name,
        model.torch_name,
        setup,
        f"the {' and '.join(model.state)} state of every step",  # e.g. "the hidden and cell state of every step"
        *((trace.stacked(state), torch.stack(theirs[state])) for state in model.state),
    )


def check_rnn(setup: Setup | None = None) -> Check:
    """Compare [rnn_trace][seqdocs.rnn_trace] with `torch.nn.RNN` on the same weights.

    Args:
        setup: The setup to check; by default [make_setup][seqdocs.make_setup]'s.

    Returns:
        The comparison of the hidden state of every step, each given the same previous state.

    Examples:
        >>> check_rnn().passed
        True
    """
    return _check_recurrent("rnn", setup)


def check_lstm(setup: Setup | None = None) -> Check:
    """Compare [lstm_trace][seqdocs.lstm_trace] with `torch.nn.LSTM` on the same weights.

    Args:
        setup: The setup to check; by default [make_setup][seqdocs.make_setup]'s.

    Returns:
        The comparison of the hidden and cell state of every step, each given the same previous state.

    Examples:
        >>> check_lstm().passed
        True
    """
    return _check_recurrent("lstm", setup)


def check_gru(setup: Setup | None = None) -> Check:
    """Compare [gru_trace][seqdocs.gru_trace] with `torch.nn.GRU` on the same weights.

    Args:
        setup: The setup to check; by default [make_setup][seqdocs.make_setup]'s.

    Returns:
        The comparison of the hidden state of every step, each given the same previous state.

    Examples:
        >>> check_gru().passed
        True
    """
    return _check_recurrent("gru", setup)



CHECKS = {"rnn": check_rnn, "lstm": check_lstm, "gru": check_gru}
"""Each recurrent model's check against its `torch.nn` module, by name (attention's takes more options)."""

def check_attention(setup: Setup | None = None, *, causal: bool = False, num_heads: int = 1) -> Check:
    """Compare [attention_trace][seqdocs.attention_trace] with `F.scaled_dot_product_attention` and
    `torch.nn.MultiheadAttention` on the same weights.

    The output is compared with both; the attention weights with `nn.MultiheadAttention`'s per-head weights
    (`scaled_dot_product_attention` does not return them).

    Args:
        setup: The setup to check; by default [make_setup][seqdocs.make_setup]'s.
        causal: Check the causally masked variant.
        num_heads: How many heads.

    Returns:
        One check covering both references.

    Examples:
        >>> print(check_attention(causal=True).reference)
        torch.nn.functional.scaled_dot_product_attention and torch.nn.MultiheadAttention
    """
    setup = setup or make_setup()
    weights = setup.attention
    if weights.width != weights.embedding_size:
        raise InputError(
            "torch.nn.MultiheadAttention needs queries as wide as the embeddings; "
            f"these are {weights.width} and {weights.embedding_size} wide"
        )
    step = attention_trace(setup, causal=causal, num_heads=num_heads).steps[0]
    width, length = weights.width, len(setup.tokens)
    dtype = setup.embeddings.dtype

    def heads(tensor: torch.Tensor) -> torch.Tensor:  # (T, D) -> (heads, T, d)
        return tensor.unflatten(-1, (num_heads, width // num_heads)).transpose(0, 1)

    queries, keys, values = (heads(setup.inputs @ w) for w in (weights.query, weights.key, weights.value))
    sdpa_output = F.scaled_dot_product_attention(queries, keys, values, is_causal=causal)  # (heads, T, d)
    sdpa_output = sdpa_output.transpose(0, 1).flatten(-2)  # (T, D)
    if weights.output is not None:
        sdpa_output = sdpa_output @ weights.output

    module = nn.MultiheadAttention(width, num_heads, bias=False, dtype=dtype)
    with torch.no_grad():
        module.in_proj_weight.copy_(torch.cat([weights.query.T, weights.key.T, weights.value.T]))  # (3D, E)
        output_weight = weights.output if weights.output is not None else torch.eye(width, dtype=dtype)
        module.out_proj.weight.copy_(output_weight.T)
        # nn.MultiheadAttention reads a boolean mask as True = blocked: the opposite of our causal_mask.
        blocked = torch.ones(length, length, dtype=torch.bool).triu(1) if causal else None
        mha_output, mha_weights = module(
            setup.inputs, setup.inputs, setup.inputs, attn_mask=blocked, need_weights=True, average_attn_weights=False
        )  # (T, D), (heads, T, T)
    ours_weights = step["attention_weights"]
    if num_heads == 1:
        mha_weights = mha_weights[0]
    # The sizes the outputs and weights were computed from (see the module docstring).
    weights_scale = max(1.0, float(step["scores"].abs().max()))
    output_scale = weights_scale * float(step["values"].abs().max()) * float(output_weight.abs().sum(0).max())
    return _result(
        "attention (causal)" if causal else "attention",
        "torch.nn.functional.scaled_dot_product_attention and torch.nn.MultiheadAttention",
        setup,
        "output of every token, and every attention weight",
        (step["output"], sdpa_output, output_scale),
        (step["output"], mha_output, output_scale),
        (ours_weights, mha_weights, weights_scale),
    )


def block_layer(trace: Trace) -> nn.TransformerEncoderLayer:
    """The `nn.TransformerEncoderLayer` a [block_trace][seqdocs.block_trace] describes, its weights loaded.

    Built from the trace alone: its `options` are the layer's arguments and its `weights` the layer's
    `state_dict()`, which is what makes a block trace, written as JSON, usable in PyTorch.

    Args:
        trace: A block trace, or one read back with [Trace.from_json][seqdocs.Trace.from_json].

    Returns:
        The layer in eval mode, dropout 0, `batch_first=True`, in the trace's dtype.

    Examples:
        >>> from seqdocs import block_trace
        >>> trace = block_trace()
        >>> layer = block_layer(trace)
        >>> step = trace.steps[0]
        >>> torch.allclose(layer(step["inputs"][None])[0], step["output"], atol=1e-6)
        True
    """
    options = trace.options
    dtype = trace.weights["linear1.weight"].dtype
    layer = nn.TransformerEncoderLayer(
        options["d_model"], options["nhead"], options["dim_feedforward"], dropout=0.0,
        activation=options["activation"], layer_norm_eps=options["layer_norm_eps"], batch_first=True,
        norm_first=options["norm_first"], dtype=dtype,
    )
    layer.load_state_dict(trace.weights)
    return layer.eval()


def _block_scale(step, state: dict[str, torch.Tensor], weights_scale: float, options: dict) -> float:
    """The size the block's output is computed from (see the module docstring), for its relative error.

    The largest term of any sum on the way (a matrix product adds |row| x |column| terms; attention's output
    carries its weights' error times the values, times W_O), times what each LayerNorm does to an error in
    its input: it divides it by the row's standard deviation and multiplies it by the gain.
    """
    def size(tensor: torch.Tensor) -> float:
        return float(tensor.abs().max())

    # Pre-norm's feed-forward layer reads LN2's output, post-norm's LN1's.
    feedforward_input = step["norm2_output"] if options["norm_first"] else step["norm1_output"]
    terms = [
        size(step["inputs"]), size(step["attention_residual"]), size(step["feedforward_residual"]),
        weights_scale * size(step["values"]) * size(state["self_attn.out_proj.weight"].abs().sum(1)),
        size(feedforward_input.abs() @ state["linear1.weight"].abs().T),  # (T, E) @ (E, F)
        size(step["feedforward_hidden"].abs() @ state["linear2.weight"].abs().T),  # (T, F) @ (F, E)
    ]
    scale = max(1.0, *terms)
    for number in (1, 2):
        gain = size(state[f"norm{number}.weight"])
        spread = float(torch.sqrt(step[f"norm{number}_variance"].min() + options["layer_norm_eps"]))
        scale *= max(1.0, gain / spread)
    return scale


def check_block(
    setup: Setup | None = None, config: BlockConfig | None = None, weights: BlockWeights | None = None
) -> Check:
    """Compare [block_trace][seqdocs.block_trace] with `torch.nn.TransformerEncoderLayer` on the same weights.

    The layer is built from the trace ([block_layer][seqdocs.reference.block_layer]) and run on the trace's inputs, with
    PyTorch's causal mask if the trace is causal. Compared: the block's output, and every head's attention
    weights (from the layer's own `self_attn`, given the rows the block's attention read).

    Args:
        setup: As for [block_trace][seqdocs.block_trace].
        config: As for [block_trace][seqdocs.block_trace].
        weights: As for [block_trace][seqdocs.block_trace].

    Returns:
        The comparison.

    Examples:
        >>> print(check_block().reference)
        torch.nn.TransformerEncoderLayer
    """
    trace = block_trace(setup, config, weights)
    step, options = trace.steps[0], trace.options
    layer = block_layer(trace)
    length, dtype = len(trace.tokens), step["inputs"].dtype
    # PyTorch's causal mask: -inf above the diagonal, added to the scores.
    mask = nn.Transformer.generate_square_subsequent_mask(length, dtype=dtype) if options["causal"] else None
    with torch.no_grad():
        theirs = layer(step["inputs"][None], src_mask=mask, is_causal=options["causal"])[0]  # (1, T, E) -> (T, E)
        attended = (step["norm1_output"] if options["norm_first"] else step["inputs"])[None]  # (1, T, E)
        _, their_weights = layer.self_attn(attended, attended, attended, attn_mask=mask, need_weights=True,
                                           average_attn_weights=False)  # (1, heads, T, T)
    weights_scale = max(1.0, float(step["scores"].abs().max()))
    output_scale = _block_scale(step, trace.weights, weights_scale, options)
    variant = ", ".join(filter(None, ["pre-norm" if options["norm_first"] else "post-norm",
                                      "causal" if options["causal"] else ""]))
    return _result(
        f"block ({variant})",
        "torch.nn.TransformerEncoderLayer",
        step["inputs"],
        "output of every token, and every head's attention weights",
        (step["output"], theirs, output_scale),
        (step["attention_weights"], their_weights[0], weights_scale),
    )


def check_all(setup: Setup | None = None) -> list[Check]:
    """Run every model's check on one setup.

    Args:
        setup: The setup to check; by default [make_setup][seqdocs.make_setup]'s.

    Returns:
        One [Check][seqdocs.Check] per model: RNN, LSTM, GRU, attention (plain and causal).

    Examples:
        >>> all(check.passed for check in check_all())
        True
    """
    setup = setup or make_setup()
    return [
        check_rnn(setup),
        check_lstm(setup),
        check_gru(setup),
        check_attention(setup),
        check_attention(setup, causal=True),
    ]
