r"""Scaled dot-product self-attention: every token looks at every token, all in one step.

$$
Q = X W_Q,\quad K = X W_K,\quad V = X W_V,\qquad
\text{weights} = \operatorname{softmax}\!\left(\frac{Q K^\top}{\sqrt{d_k}}\right),\qquad
\text{output} = \text{weights}\; V
$$

Row $i$ of the weights says how much token $i$ draws from each token's value; each row sums to 1. With a
causal mask a token may draw only from itself and the tokens before it. With several heads, $Q$, $K$ and $V$
are cut into `num_heads` slices of width $d = D / \text{heads}$, each head attends on its own, and the heads'
outputs are put side by side again (then multiplied by an output matrix, if one is given).

Shapes: T sequence length, E embedding size, D the width of queries, keys and values. Leading dimensions
broadcast like `torch.matmul`.

Its weights, [AttentionWeights][seqdocs.AttentionWeights], are defined in `weights.py` beside the other models', so that
[make_setup][seqdocs.make_setup] draws them all without importing any model.
"""

from __future__ import annotations

import math

import torch

from ._checks import check_heads
from .errors import InputTypeError
from .setups import Setup, make_setup
from .trace import Step, Trace
from .weights import AttentionWeights


def causal_mask(length: int) -> torch.Tensor:
    """Which tokens each token may attend to when it must not see the future.

    Args:
        length: T, the number of tokens.

    Returns:
        (T, T) booleans, `True` where row i may attend to column j, i.e. where j <= i. This is the meaning of
        a boolean mask in `F.scaled_dot_product_attention`; `nn.MultiheadAttention` reads booleans the other
        way round (`True` = blocked).

    Examples:
        >>> causal_mask(3)
        tensor([[ True, False, False],
                [ True,  True, False],
                [ True,  True,  True]])
    """
    return torch.ones(length, length, dtype=torch.bool).tril()


def self_attention(
    inputs: torch.Tensor, weights: AttentionWeights, *, causal: bool = False, num_heads: int = 1
) -> dict[str, torch.Tensor]:
    """Self-attention over a whole sequence at once.

    Args:
        inputs: (..., T, E) the input vectors.
        weights: The projections.
        causal: If true, token i attends only to tokens 0..i.
        num_heads: How many heads to split the width D into; must divide D.

    Returns:
        The tensors by name, in the order they are computed: `inputs`, `queries`, `keys`, `values`
        (each (..., T, D)), `scores` (scaled, before any mask), `mask` (only when causal), `attention_weights`,
        then `output` (..., T, D). With one head, scores and weights are (..., T, T); with several,
        (..., heads, T, T), and `heads_output` (..., heads, T, D/heads) comes before `output`.

    Examples:
        >>> import torch
        >>> result = self_attention(torch.eye(3, 2), AttentionWeights(torch.eye(2), torch.eye(2), torch.eye(2)))
        >>> result["attention_weights"].sum(dim=-1)  # every row is a distribution
        tensor([1., 1., 1.])
    """
    num_heads = check_heads(num_heads, weights.width)
    queries = inputs @ weights.query  # (..., T, E) @ (E, D) -> (..., T, D)
    keys = inputs @ weights.key  # (..., T, E) @ (E, D) -> (..., T, D)
    values = inputs @ weights.value  # (..., T, E) @ (E, D) -> (..., T, D)
    length, head_width = inputs.shape[-2], weights.width // num_heads
    result = {"inputs": inputs, "queries": queries, "keys": keys, "values": values}

    if num_heads > 1:
        # (..., T, D) -> (..., T, heads, d) -> (..., heads, T, d): each head sees its own slice of the width.
        queries, keys, values = (
            tensor.unflatten(-1, (num_heads, head_width)).transpose(-3, -2) for tensor in (queries, keys, values)
        )
    scores = queries @ keys.transpose(-2, -1) / math.sqrt(head_width)  # (..., [heads,] T, d) @ (..., d, T) -> (..., T, T)
    result["scores"] = scores
    if causal:
        allowed = causal_mask(length).to(inputs.device)  # (T, T)
        result["mask"] = allowed
        scores = scores.masked_fill(~allowed, float("-inf"))  # a blocked pair gets weight exp(-inf) = 0
    attention_weights = torch.softmax(scores, dim=-1)  # (..., [heads,] T, T), each row sums to 1
    result["attention_weights"] = attention_weights
    output = attention_weights @ values  # (..., [heads,] T, T) @ (..., [heads,] T, d) -> (..., [heads,] T, d)
    if num_heads > 1:
        result["heads_output"] = output
        output = output.transpose(-3, -2).flatten(-2)  # (..., heads, T, d) -> (..., T, D)
    if weights.output is not None:
        output = output @ weights.output  # (..., T, D) @ (D, D) -> (..., T, D)
    result["output"] = output
    return result


def attention_trace(setup: Setup | None = None, *, causal: bool = False, num_heads: int = 1) -> Trace:
    """Trace self-attention reading a sequence: one step that holds every query, key, score and weight.

    Args:
        setup: The sequence, embeddings and weights; by default [make_setup][seqdocs.make_setup]'s, which
            reproduce the seed notebook.
        causal: If true, each token attends only to itself and the tokens before it.
        num_heads: How many heads; must divide the attention width.

    Returns:
        A trace with a single step whose `token` is `None`: attention reads all tokens at once.

    Raises:
        InputError: If `num_heads` does not divide the width.

    Examples:
        >>> trace = attention_trace()
        >>> trace.steps[0]["attention_weights"].shape  # row: the token attending; column: attended to
        torch.Size([3, 3])
    """
    setup = setup or make_setup()
    if not isinstance(causal, bool):
        raise InputTypeError(f"causal must be True or False, got {causal!r}")
    tensors = self_attention(setup.inputs, setup.attention, causal=causal, num_heads=num_heads)
    weights = {"query": setup.attention.query, "key": setup.attention.key, "value": setup.attention.value}
    if setup.attention.output is not None:
        weights["output"] = setup.attention.output
    return Trace(
        model="attention",
        tokens=setup.tokens,
        steps=(Step(0, None, tensors),),
        weights=weights,
        options={"causal": causal, "num_heads": num_heads},
    )
