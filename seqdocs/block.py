r"""A Transformer encoder block: several attention heads, the output projection, residuals, LayerNorm, feed-forward.

The block is PyTorch's `nn.TransformerEncoderLayer` (dropout 0), written out one tensor at a time. With
$X$ the input rows (T, $d_{\text{model}}$), $h$ heads of width $d_k = d_{\text{model}} / h$:

$$
\text{head}_j = \operatorname{softmax}\!\left(\frac{Q_j K_j^\top}{\sqrt{d_k}}\right) V_j,\qquad
\operatorname{MHA}(X) = [\text{head}_1, \ldots, \text{head}_h]\, W_O + b_O
$$

$$
\operatorname{LN}(x) = \gamma \odot \frac{x - \operatorname{mean}(x)}{\sqrt{\operatorname{var}(x) + \varepsilon}} + \beta,
\qquad
\operatorname{FF}(x) = \operatorname{relu}(x W_1 + b_1)\, W_2 + b_2
$$

Post-norm (PyTorch's default, `norm_first=False`, the original Transformer's):
$Y = \operatorname{LN}_1(X + \operatorname{MHA}(X))$, then $\operatorname{LN}_2(Y + \operatorname{FF}(Y))$.
Pre-norm (`norm_first=True`): $Y = X + \operatorname{MHA}(\operatorname{LN}_1(X))$, then
$Y + \operatorname{FF}(\operatorname{LN}_2(Y))$.

$Q_j, K_j, V_j$ are columns $j d_k$ to $(j + 1) d_k - 1$ of $X W_Q + b_Q$, $X W_K + b_K$, $X W_V + b_V$
(or of the normalised rows, pre-norm). LayerNorm works on each row (token) alone: the mean and the variance
are over that row's $d_{\text{model}}$ numbers, the variance divided by $d_{\text{model}}$, as `nn.LayerNorm`.

[block_trace][seqdocs.block_trace] reads the whole sequence at once; [cached_block_trace][seqdocs.block.cached_block_trace]
reads it one token at a time, keeping the keys and values of the tokens already read (the KV cache), and with a
causal mask the two give the same rows.

Shapes: T sequence length, E = $d_{\text{model}}$ the model width (the embedding size), F the feed-forward
width, heads the number of heads, d = E / heads the width of one head.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from ._checks import check_choice, check_dtype, check_heads, check_size, check_tensor
from .attention import causal_mask
from .errors import InputError, InputTypeError
from .positional import sinusoidal_positional_encoding
from .trace import Step, Trace

if TYPE_CHECKING:
    from .setups import Setup

BLOCK_EMBEDDING_SIZE = 4
"""The block's default width $d_{\\text{model}}$ = E: the smallest that splits into 2 heads of width 2, so each
head still compares two-number queries and keys."""

BLOCK_HEADS = 2
"""The block's default number of heads."""

ACTIVATIONS = ("relu", "gelu")
"""The feed-forward activations `nn.TransformerEncoderLayer` accepts by name."""

_BLOCK_STREAM = 0xB10C
"""XORed into the seed for the block's own generator, so its draws are not the embeddings' (which come first
from the seed itself): the block changes none of [make_setup][seqdocs.make_setup]'s numbers, nor they its."""


@dataclass(frozen=True)
class BlockConfig:
    """How the block computes: the arguments of `nn.TransformerEncoderLayer` that change its numbers.

    Attributes:
        num_heads: h, how many heads; must divide the width E (PyTorch's `nhead`).
        norm_first: `False` (PyTorch's default): LayerNorm after each residual sum (post-norm, the original
            Transformer's). `True`: LayerNorm before attention and before the feed-forward layer (pre-norm).
        activation: `"relu"` (PyTorch's default) or `"gelu"`, between the feed-forward layer's two matrices.
        causal: If true, each token attends only to itself and the tokens before it.
        layer_norm_eps: ε, added to the variance before the square root (PyTorch's default 1e-5).

    Raises:
        InputError: If `num_heads` is below 1 or the activation unknown.
        InputTypeError: If a flag is not `True` or `False`.

    Examples:
        >>> BlockConfig().num_heads, BlockConfig(norm_first=True).norm_first
        (2, True)
    """

    num_heads: int = BLOCK_HEADS
    norm_first: bool = False
    activation: str = "relu"
    causal: bool = False
    layer_norm_eps: float = 1e-5

    def __post_init__(self) -> None:
        check_size("num_heads", self.num_heads)
        check_choice("activation", self.activation, ACTIVATIONS)
        for name in ("norm_first", "causal"):
            if not isinstance(getattr(self, name), bool):
                raise InputTypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if isinstance(self.layer_norm_eps, bool) or not isinstance(self.layer_norm_eps, (int, float)) or not (
            0 < self.layer_norm_eps < 1
        ):
            raise InputError(f"layer_norm_eps must be a number between 0 and 1, got {self.layer_norm_eps!r}")


@dataclass(frozen=True)
class BlockWeights:
    """The weights of one encoder block, in `x @ W` layout (in, out), as every model on this site.

    Attributes:
        query: (E, E) $W_Q$, all heads side by side: head j uses columns j·d to (j + 1)·d - 1.
        key: (E, E) $W_K$.
        value: (E, E) $W_V$.
        query_bias: (E,) $b_Q$.
        key_bias: (E,) $b_K$.
        value_bias: (E,) $b_V$.
        output: (E, E) $W_O$, mixes the heads' outputs once they are put side by side.
        output_bias: (E,) $b_O$.
        norm1_gain: (E,) $\\gamma_1$ of the first LayerNorm (around attention).
        norm1_bias: (E,) $\\beta_1$.
        feedforward_in: (E, F) $W_1$.
        feedforward_in_bias: (F,) $b_1$.
        feedforward_out: (F, E) $W_2$.
        feedforward_out_bias: (E,) $b_2$.
        norm2_gain: (E,) $\\gamma_2$ of the second LayerNorm (around the feed-forward layer).
        norm2_bias: (E,) $\\beta_2$.

    Raises:
        InputError: If the shapes do not fit together.

    Examples:
        >>> weights = make_block_weights(4, 8)
        >>> weights.width, weights.feedforward_size
        (4, 8)
        >>> list(weights.state_dict())[:3]
        ['self_attn.in_proj_weight', 'self_attn.in_proj_bias', 'self_attn.out_proj.weight']
    """

    query: torch.Tensor
    key: torch.Tensor
    value: torch.Tensor
    query_bias: torch.Tensor
    key_bias: torch.Tensor
    value_bias: torch.Tensor
    output: torch.Tensor
    output_bias: torch.Tensor
    norm1_gain: torch.Tensor
    norm1_bias: torch.Tensor
    feedforward_in: torch.Tensor
    feedforward_in_bias: torch.Tensor
    feedforward_out: torch.Tensor
    feedforward_out_bias: torch.Tensor
    norm2_gain: torch.Tensor
    norm2_bias: torch.Tensor

    def __post_init__(self) -> None:
        check_tensor("BlockWeights", "query", self.query, (None, None))
        width = self.query.shape[-1]
        check_tensor("BlockWeights", "feedforward_in", self.feedforward_in, (width, None))
        hidden = self.feedforward_in.shape[-1]
        shapes = {
            "query": (width, width), "key": (width, width), "value": (width, width), "output": (width, width),
            "query_bias": (width,), "key_bias": (width,), "value_bias": (width,), "output_bias": (width,),
            "norm1_gain": (width,), "norm1_bias": (width,), "norm2_gain": (width,), "norm2_bias": (width,),
            "feedforward_in_bias": (hidden,), "feedforward_out": (hidden, width), "feedforward_out_bias": (width,),
        }
        for name, shape in shapes.items():
            check_tensor("BlockWeights", name, getattr(self, name), shape)
            if getattr(self, name).dim() != len(shape):
                raise InputError(f"BlockWeights.{name} must be {len(shape)}-D of shape {shape}, "
                                 f"got {tuple(getattr(self, name).shape)}")

    @property
    def width(self) -> int:
        """E = $d_{\\text{model}}$, the width of every row going in and out."""
        return self.query.shape[-1]

    @property
    def feedforward_size(self) -> int:
        """F, the width of the feed-forward layer's hidden activations (PyTorch's `dim_feedforward`)."""
        return self.feedforward_in.shape[-1]

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The weights under the names and in the (out, in) layout of `nn.TransformerEncoderLayer.state_dict()`.

        Returns:
            A dict that `nn.TransformerEncoderLayer(E, heads, F, dropout=0.0, batch_first=True).load_state_dict`
            takes as it is.
        """
        return {
            "self_attn.in_proj_weight": torch.cat([self.query.T, self.key.T, self.value.T]),  # (3E, E)
            "self_attn.in_proj_bias": torch.cat([self.query_bias, self.key_bias, self.value_bias]),  # (3E,)
            "self_attn.out_proj.weight": self.output.T.contiguous(),
            "self_attn.out_proj.bias": self.output_bias,
            "linear1.weight": self.feedforward_in.T.contiguous(),  # (F, E)
            "linear1.bias": self.feedforward_in_bias,
            "linear2.weight": self.feedforward_out.T.contiguous(),  # (E, F)
            "linear2.bias": self.feedforward_out_bias,
            "norm1.weight": self.norm1_gain,
            "norm1.bias": self.norm1_bias,
            "norm2.weight": self.norm2_gain,
            "norm2.bias": self.norm2_bias,
        }

    @classmethod
    def from_state_dict(cls, state: dict[str, torch.Tensor]) -> BlockWeights:
        """Read the weights of an `nn.TransformerEncoderLayer` from its `state_dict()`.

        Args:
            state: The layer's state dict (PyTorch's names and (out, in) layout).

        Returns:
            The same weights in `x @ W` layout.

        Raises:
            InputError: If a weight is missing or the shapes do not fit.
        """
        missing = [name for name in _STATE_NAMES if name not in state]
        if missing:
            raise InputError(f"the state dict lacks {', '.join(missing)}: give nn.TransformerEncoderLayer's "
                             f"state_dict() (bias=True)")
        state = {name: tensor.detach() for name, tensor in state.items()}
        query, key, value = state["self_attn.in_proj_weight"].chunk(3)  # (E, E) each, PyTorch's (out, in)
        query_bias, key_bias, value_bias = state["self_attn.in_proj_bias"].chunk(3)
        return cls(
            query=query.T, key=key.T, value=value.T,
            query_bias=query_bias, key_bias=key_bias, value_bias=value_bias,
            output=state["self_attn.out_proj.weight"].T, output_bias=state["self_attn.out_proj.bias"],
            norm1_gain=state["norm1.weight"], norm1_bias=state["norm1.bias"],
            feedforward_in=state["linear1.weight"].T, feedforward_in_bias=state["linear1.bias"],
            feedforward_out=state["linear2.weight"].T, feedforward_out_bias=state["linear2.bias"],
            norm2_gain=state["norm2.weight"], norm2_bias=state["norm2.bias"],
        )


_STATE_NAMES = (
    "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
    "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
    "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
)


def make_block_weights(
    embedding_size: int = BLOCK_EMBEDDING_SIZE,
    feedforward_size: int | None = None,
    *,
    seed: int = 42,
    dtype: torch.dtype = torch.float32,
) -> BlockWeights:
    """Draw a block's weights from its own seeded generator.

    Every matrix is standard normal divided by $\\sqrt{\\text{rows}}$ (its fan-in), so each product keeps its
    inputs' scale: the scores stay a few units wide and the softmax does not put all weight on one token. Every
    bias is zero and every LayerNorm gain one, as on the rest of the site and as PyTorch starts LayerNorm.
    The draws, in order: $W_Q$, $W_K$, $W_V$, $W_O$, $W_1$, $W_2$, from a generator of its own (see
    `_BLOCK_STREAM`), so drawing them changes no number of [make_setup][seqdocs.make_setup].

    Args:
        embedding_size: E = $d_{\\text{model}}$ (1 to 512).
        feedforward_size: F, the feed-forward width (1 to 512); by default 2E. The original Transformer uses
            4E; 2E keeps the toy's hidden activations to 8 columns, a table that fits a page.
        seed: Seeds the block's generator.
        dtype: `torch.float32` or `torch.float64`; values are drawn in float32 either way.

    Returns:
        The weights.

    Raises:
        InputError: If a size is out of range.
        InputTypeError: If a size or the seed is not a whole number.

    Examples:
        >>> make_block_weights().feedforward_in.shape
        torch.Size([4, 8])
    """

    width = check_size("embedding_size", embedding_size)
    hidden = 2 * width if feedforward_size is None else check_size("feedforward_size", feedforward_size)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputTypeError(f"seed must be a whole number, got {seed!r} ({type(seed).__name__})")
    if not 0 <= seed < 2**63:
        raise InputError(f"seed must be between 0 and 2**63 - 1, got {seed}")
    dtype = check_dtype(dtype)
    generator = torch.Generator().manual_seed(seed ^ _BLOCK_STREAM)

    def draw(rows: int, columns: int) -> torch.Tensor:
        return (torch.randn(rows, columns, generator=generator) / math.sqrt(rows)).to(dtype)

    def zeros(size: int) -> torch.Tensor:
        return torch.zeros(size, dtype=dtype)

    def ones(size: int) -> torch.Tensor:
        return torch.ones(size, dtype=dtype)

    query, key, value, output = (draw(width, width) for _ in range(4))
    feedforward_in, feedforward_out = draw(width, hidden), draw(hidden, width)
    return BlockWeights(
        query=query, key=key, value=value, query_bias=zeros(width), key_bias=zeros(width), value_bias=zeros(width),
        output=output, output_bias=zeros(width), norm1_gain=ones(width), norm1_bias=zeros(width),
        feedforward_in=feedforward_in, feedforward_in_bias=zeros(hidden),
        feedforward_out=feedforward_out, feedforward_out_bias=zeros(width),
        norm2_gain=ones(width), norm2_bias=zeros(width),
    )


def layer_norm(rows: torch.Tensor, gain: torch.Tensor, bias: torch.Tensor, eps: float = 1e-5) -> dict[str, torch.Tensor]:
    """LayerNorm of each row on its own, as `nn.LayerNorm(E)`: subtract the row's mean, divide by its spread.

    Args:
        rows: (..., T, E) one row per token.
        gain: (E,) γ, multiplies each normalised column.
        bias: (E,) β, added after.
        eps: ε, added to the variance so a constant row does not divide by zero.

    Returns:
        `mean` (..., T), `variance` (..., T) (over E, divided by E), `normalised` (..., T, E): each row with mean 0
        and variance 1 (up to ε), and `output` = γ ⊙ normalised + β.

    Examples:
        >>> import torch
        >>> result = layer_norm(torch.tensor([[1.0, 3.0]]), torch.ones(2), torch.zeros(2))
        >>> result["mean"], result["variance"], result["normalised"]
        (tensor([2.]), tensor([1.]), tensor([[-1.0000,  1.0000]]))
    """
    mean = rows.mean(dim=-1, keepdim=True)  # (..., T, 1)
    variance = ((rows - mean) ** 2).mean(dim=-1, keepdim=True)  # (..., T, 1), divided by E, not E - 1
    normalised = (rows - mean) / torch.sqrt(variance + eps)  # (..., T, E)
    output = normalised * gain + bias  # (..., T, E) * (E,) + (E,)
    return {"mean": mean.squeeze(-1), "variance": variance.squeeze(-1), "normalised": normalised, "output": output}


def _split_heads(rows: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(N, E) -> (heads, N, d): head j gets columns j·d to (j + 1)·d - 1."""
    return rows.unflatten(-1, (num_heads, rows.shape[-1] // num_heads)).transpose(0, 1)


def _block_rows(
    inputs: torch.Tensor,
    weights: BlockWeights,
    config: BlockConfig,
    *,
    earlier_keys: torch.Tensor | None = None,
    earlier_values: torch.Tensor | None = None,
    allowed: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """The block on N new rows, attending to the keys and values of earlier rows as well, if given.

    The whole-sequence pass gives all T rows and no earlier keys; the cached pass gives one row and the cache.
    Everything but attention works on each row alone, which is why one row at a time is possible at all.
    """
    num_heads = check_heads(config.num_heads, weights.width)
    head_width = weights.width // num_heads
    result: dict[str, torch.Tensor] = {"inputs": inputs}

    def norm(number: int, rows: torch.Tensor) -> torch.Tensor:
        gain, bias = getattr(weights, f"norm{number}_gain"), getattr(weights, f"norm{number}_bias")
        parts = layer_norm(rows, gain, bias, config.layer_norm_eps)
        result.update({f"norm{number}_{name}": tensor for name, tensor in parts.items()})
        return parts["output"]

    # Pre-norm normalises what goes into attention; post-norm gives it the raw rows.
    attention_input = norm(1, inputs) if config.norm_first else inputs  # (N, E)
    queries = _split_heads(attention_input @ weights.query + weights.query_bias, num_heads)  # (heads, N, d)
    new_keys = _split_heads(attention_input @ weights.key + weights.key_bias, num_heads)  # (heads, N, d)
    new_values = _split_heads(attention_input @ weights.value + weights.value_bias, num_heads)  # (heads, N, d)
    # The cache: every earlier token's keys and values, then this pass's own.
    keys = new_keys if earlier_keys is None else torch.cat([earlier_keys, new_keys], dim=-2)  # (heads, T, d)
    values = new_values if earlier_values is None else torch.cat([earlier_values, new_values], dim=-2)
    result.update({"queries": queries, "keys": keys, "values": values})

    scores = queries @ keys.transpose(-2, -1) / math.sqrt(head_width)  # (heads, N, d) @ (heads, d, T) -> (heads, N, T)
    result["scores"] = scores
    if allowed is not None:
        result["mask"] = allowed
        scores = scores.masked_fill(~allowed, float("-inf"))  # a blocked pair gets weight exp(-inf) = 0
    attention_weights = torch.softmax(scores, dim=-1)  # (heads, N, T), each row sums to 1
    heads_output = attention_weights @ values  # (heads, N, T) @ (heads, T, d) -> (heads, N, d)
    concatenated = heads_output.transpose(0, 1).flatten(-2)  # (heads, N, d) -> (N, E): heads side by side
    attention_output = concatenated @ weights.output + weights.output_bias  # (N, E) @ (E, E) -> (N, E)
    attention_residual = inputs + attention_output  # (N, E): the input passes through untouched, plus attention
    result.update({
        "attention_weights": attention_weights, "heads_output": heads_output, "concatenated": concatenated,
        "attention_output": attention_output, "attention_residual": attention_residual,
    })

    if config.norm_first:
        feedforward_input = norm(2, attention_residual)  # (N, E)
    else:
        feedforward_input = norm(1, attention_residual)  # (N, E)
    activation = torch.relu if config.activation == "relu" else F.gelu
    pre_activation = feedforward_input @ weights.feedforward_in + weights.feedforward_in_bias  # (N, E) @ (E, F) -> (N, F)
    hidden = activation(pre_activation)  # (N, F)
    feedforward_output = hidden @ weights.feedforward_out + weights.feedforward_out_bias  # (N, F) @ (F, E) -> (N, E)
    # Post-norm adds to the normalised rows (what the feed-forward layer read); pre-norm to the raw sum.
    feedforward_residual = (attention_residual if config.norm_first else feedforward_input) + feedforward_output
    result.update({
        "feedforward_pre_activation": pre_activation, "feedforward_hidden": hidden,
        "feedforward_output": feedforward_output, "feedforward_residual": feedforward_residual,
    })
    result["output"] = feedforward_residual if config.norm_first else norm(2, feedforward_residual)  # (N, E)
    return result


def transformer_block(
    inputs: torch.Tensor, weights: BlockWeights, config: BlockConfig | None = None
) -> dict[str, torch.Tensor]:
    """One encoder block over a whole sequence at once, every intermediate tensor kept.

    Args:
        inputs: (T, E) the input rows (positions already added, if any).
        weights: The block's weights.
        config: Heads, pre- or post-norm, activation, causal mask; by default [BlockConfig][seqdocs.BlockConfig]().

    Returns:
        The tensors by name, in the order computed: `inputs`; pre-norm: `norm1_mean`, `norm1_variance`,
        `norm1_normalised`, `norm1_output`; `queries`, `keys`, `values` (heads, T, d); `scores` (heads, T, T);
        `mask` (T, T) if causal; `attention_weights` (heads, T, T); `heads_output` (heads, T, d); `concatenated`,
        `attention_output` (after $W_O$), `attention_residual` (T, E); the LayerNorm that follows; then
        `feedforward_pre_activation`, `feedforward_hidden` (T, F), `feedforward_output`, `feedforward_residual`
        (T, E); post-norm: `norm2_*`; last `output` (T, E).

    Raises:
        InputError: If the shapes disagree or `num_heads` does not divide E.

    Examples:
        >>> import torch
        >>> result = transformer_block(torch.eye(3, 4), make_block_weights(4))
        >>> result["attention_weights"].shape, result["output"].shape
        (torch.Size([2, 3, 3]), torch.Size([3, 4]))
    """
    config = config or BlockConfig()
    check_tensor("transformer_block", "inputs", inputs, (None, weights.width))
    if inputs.dim() != 2 or inputs.shape[0] == 0:
        raise InputError(f"inputs must be (T, E) with at least one row, got shape {tuple(inputs.shape)}")
    allowed = causal_mask(inputs.shape[0]) if config.causal else None  # (T, T)
    return _block_rows(inputs, weights, config, allowed=allowed)


def _block_inputs(setup: Setup) -> dict[str, torch.Tensor]:
    embeddings = setup.inputs  # (T, E)
    positions = sinusoidal_positional_encoding(len(setup.tokens), setup.embedding_size, dtype=embeddings.dtype)
    return {"embeddings": embeddings, "positions": positions}


def _resolve(setup: Setup | None, config: BlockConfig | None, weights: BlockWeights | None):
    from .setups import make_setup

    setup = setup or make_setup(embedding_size=BLOCK_EMBEDDING_SIZE)
    config = config or BlockConfig()
    if config is not None and not isinstance(config, BlockConfig):
        raise InputTypeError(f"config must be a BlockConfig, got {type(config).__name__}")
    if weights is None:
        weights = make_block_weights(setup.embedding_size, seed=setup.seed if setup.seed is not None else 42,
                                     dtype=setup.embeddings.dtype)
    if weights.width != setup.embedding_size:
        raise InputError(f"the block's weights are {weights.width} wide but the embeddings have size "
                         f"{setup.embedding_size}: give weights made for embedding size {setup.embedding_size}")
    check_heads(config.num_heads, weights.width)
    return setup, config, weights


def _options(config: BlockConfig, weights: BlockWeights, **extra: object) -> dict[str, object]:
    """The trace's options: nn.TransformerEncoderLayer's argument names, so the layer can be rebuilt from them."""
    return {
        "d_model": weights.width, "nhead": config.num_heads, "dim_feedforward": weights.feedforward_size,
        "norm_first": config.norm_first, "activation": config.activation, "causal": config.causal,
        "layer_norm_eps": config.layer_norm_eps, **extra,
    }


def block_trace(
    setup: Setup | None = None, config: BlockConfig | None = None, weights: BlockWeights | None = None
) -> Trace:
    """Trace one encoder block reading a sequence: one step holding every tensor, from embeddings to output.

    The block's input is each token's embedding plus its position's sinusoidal encoding
    ([sinusoidal_positional_encoding][seqdocs.sinusoidal_positional_encoding]), as in a Transformer.

    Args:
        setup: The sequence and embeddings; by default [make_setup][seqdocs.make_setup]`(embedding_size=4)`.
        config: Heads, pre- or post-norm, activation, causal mask; by default [BlockConfig][seqdocs.BlockConfig]().
        weights: The block's weights; by default [make_block_weights][seqdocs.block.make_block_weights] with the
            setup's seed, size and dtype.

    Returns:
        A trace with a single step (token `None`) whose tensors are `embeddings`, `positions`, then those of
        [transformer_block][seqdocs.block.transformer_block]. Unlike the other traces, its `weights` are in PyTorch's
        names and layout ([BlockWeights.state_dict][seqdocs.BlockWeights.state_dict]) and its `options` are
        `nn.TransformerEncoderLayer`'s arguments, so that `load_state_dict` takes them as they are.

    Raises:
        InputError: If the weights do not fit the embeddings or the heads do not divide the width.

    Examples:
        >>> trace = block_trace()
        >>> trace.options["nhead"], trace.steps[0]["output"].shape
        (2, torch.Size([3, 4]))
    """
    setup, config, weights = _resolve(setup, config, weights)
    start = _block_inputs(setup)
    inputs = start["embeddings"] + start["positions"]  # (T, E)
    tensors = {**start, **transformer_block(inputs, weights, config)}
    return Trace(model="block", tokens=setup.tokens, steps=(Step(0, None, tensors),),
                 weights=weights.state_dict(), options=_options(config, weights))


def cached_block_trace(
    setup: Setup | None = None, config: BlockConfig | None = None, weights: BlockWeights | None = None
) -> Trace:
    """Read the sequence one token at a time with a causal block, keeping each token's keys and values.

    This is how a Transformer generates: token t's output needs its own query and the keys and values of
    tokens 0..t, and nothing else of the earlier tokens, since everything but attention works on each row
    alone. So each step computes one new row and appends its key and value to the cache. The rows equal
    [block_trace][seqdocs.block_trace]'s with `causal=True` (up to rounding).

    Args:
        setup: As for [block_trace][seqdocs.block_trace].
        config: As for [block_trace][seqdocs.block_trace]; the step-by-step reading is causal whatever
            `config.causal` says (a token cannot attend to one not read yet), and the trace records `causal=True`.
        weights: As for [block_trace][seqdocs.block_trace].

    Returns:
        A trace with one step per token. Each step's tensors are those of
        [transformer_block][seqdocs.block.transformer_block] for that one row (so `inputs` and `output` are (1, E)),
        with `keys` and `values` (heads, t + 1, d): the cache after this token, every earlier token's
        keys and values plus its own.

    Examples:
        >>> trace = cached_block_trace()
        >>> [tuple(step["keys"].shape) for step in trace.steps]  # (heads, tokens kept, d): the cache grows
        [(2, 1, 2), (2, 2, 2), (2, 3, 2)]
    """
    setup, config, weights = _resolve(setup, config, weights)
    config = dataclasses.replace(config, causal=True)
    start = _block_inputs(setup)
    inputs = start["embeddings"] + start["positions"]  # (T, E)
    steps = []
    keys = values = None
    for position, token in enumerate(setup.tokens):
        row = inputs[position:position + 1]  # (1, E): this token only
        tensors = _block_rows(row, weights, config, earlier_keys=keys, earlier_values=values)
        keys, values = tensors["keys"], tensors["values"]  # (heads, t + 1, d): kept for the next token
        tensors = {"embeddings": start["embeddings"][position:position + 1],
                   "positions": start["positions"][position:position + 1], **tensors}
        steps.append(Step(position, token, tensors))
    return Trace(model="block", tokens=setup.tokens, steps=tuple(steps), weights=weights.state_dict(),
                 options=_options(config, weights, cached=True))


def cache_size(trace: Trace) -> list[int]:
    """How many numbers a cached block keeps after each token: the keys and values of every token read.

    Args:
        trace: From [cached_block_trace][seqdocs.block.cached_block_trace].

    Returns:
        One count per step: 2 × (t + 1) × E after token t, for one layer.

    Examples:
        >>> cache_size(cached_block_trace())  # E = 4: 8 numbers per token read
        [8, 16, 24]
    """
    return [step["keys"].numel() + step["values"].numel() for step in trace.steps]


__all__ = [
    "ACTIVATIONS", "BLOCK_EMBEDDING_SIZE", "BLOCK_HEADS", "BlockConfig", "BlockWeights", "block_trace",
    "cache_size", "cached_block_trace", "layer_norm", "make_block_weights", "transformer_block",
]
