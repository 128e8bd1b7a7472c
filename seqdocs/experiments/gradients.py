r"""Gradient flow: how much a model's final state still depends on each input, by how far back the input is.

For a sequence $x_1, \ldots, x_T$ and a model whose final state is $h_T$, the Jacobian

$$
J_t = \frac{\partial h_T}{\partial x_t} \qquad (H \times E)
$$

says how the final state moves when input $t$ moves. Its size at distance $\Delta = T - t$ is how much of the
input $\Delta$ steps back is still in the final state, and, read backwards, how much of a training signal at the
end reaches that input: backpropagation multiplies by exactly these matrices.

In a recurrent model the final state reaches $x_t$ only through every state in between, so $J_t$ is a product
of one factor per step. For the RNN, $h_k = \tanh(x_k W_{xh} + h_{k-1} W_{hh} + b)$, and

$$
\frac{\partial h_T}{\partial x_t}
= \frac{\partial h_T}{\partial h_{T-1}} \cdots \frac{\partial h_{t+1}}{\partial h_t}\,\frac{\partial h_t}{\partial x_t},
\qquad
\frac{\partial h_k}{\partial h_{k-1}} = \operatorname{diag}(1 - h_k^2)\, W_{hh}^\top,
\qquad
\frac{\partial h_t}{\partial x_t} = \operatorname{diag}(1 - h_t^2)\, W_{xh}^\top .
$$

If every factor shrinks vectors, the product shrinks exponentially with the distance (the gradient vanishes);
if they stretch them, it grows exponentially (it explodes). The LSTM's cell adds a path whose factor is the
forget gate, $\partial c_k / \partial c_{k-1} \ni \operatorname{diag}(f_k)$, so a forget gate near 1 keeps the
product from shrinking. Self-attention's last output reads every input in one step: no product of per-step
factors stands between it and any input.

What is measured: the Frobenius norm $\lVert J_t \rVert_F$ (or, on request, the spectral norm), the root of the
sum of the squares of every output unit's sensitivity to every input component. For a random nudge $\delta$
of the input with zero mean and identity covariance ($\mathbb{E}\,\delta = 0$, $\mathbb{E}\,\delta\delta^\top = I$),
$\mathbb{E}\lVert J_t \delta \rVert^2 = \operatorname{tr}(J_t\, \mathbb{E}[\delta\delta^\top]\, J_t^\top) = \lVert J_t
\rVert_F^2$, so it is the typical size of the final state's response to a nudge in no particular direction;
the spectral norm is the response to the worst-case direction, and the two differ by at most a factor
$\sqrt{\min(H, E)}$.

Shapes: S seeds, T sequence length, E input size, H hidden size (the attention width for self-attention).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace

import torch
import torch.nn.functional as F

from .._checks import check_choice, check_seeds, check_size, check_whole
from ..attention import self_attention
from ..errors import InputError, InputTypeError
from ..models import MODELS, RECURRENT_MODELS, to_torch
from ..positional import add_positions
from ..reference import TOLERANCE, Check
from ..weights import AttentionWeights, GRUWeights, LSTMWeights, RNNWeights
from .evidence import VERDICTS, Comparison, compare_medians

GRADIENT_MODELS = ("rnn", "lstm", "gru", "attention")
"""The models whose gradient flow [input_jacobian][seqdocs.experiments.input_jacobian] measures, by name."""

JACOBIAN_NORMS = ("frobenius", "spectral")
"""The matrix norms [gradient_norms][seqdocs.experiments.gradient_norms] can take of each Jacobian."""

_MAX_LENGTH = 1000
"""The longest sequence accepted: the Jacobian of a longer one is slow to compute on a CPU and says nothing new."""

_FIRST_TENSOR = {"rnn": "input_to_hidden", "lstm": "weight", "gru": "input_weight", "attention": "query"}
_NAMES = {"rnn": "an RNN", "lstm": "an LSTM", "gru": "a GRU", "attention": "a self-attention layer"}
_DTYPES = {"float32": torch.float32, "float64": torch.float64}

# Each seed draws from its own generators, one stream per purpose, so that changing one model's initialisation
# changes no other model's numbers, and the inputs are the same whatever models are measured.
# Attention layer L (1 to 4) draws from stream 3 + L.
_STREAMS = {"inputs": 0, "rnn": 1, "lstm": 2, "gru": 3, "attention": 4}
_STREAMS_PER_SEED = 8
_MAX_ATTENTION_LAYERS = _STREAMS_PER_SEED - _STREAMS["attention"]


def _check_model(model: object) -> str:
    return check_choice("model", model, GRADIENT_MODELS)


def _attention_layers(weights: object) -> tuple[AttentionWeights, ...]:
    """Self-attention's weights as a tuple of layers: one AttentionWeights, or a list of them read in order."""
    layers = tuple(weights) if isinstance(weights, (list, tuple)) else (weights,)
    if not layers:
        raise InputError("the attention model got an empty list of layers: give at least one AttentionWeights")
    for number, layer in enumerate(layers, start=1):
        if not isinstance(layer, AttentionWeights):
            raise InputTypeError(
                f"the attention model needs AttentionWeights (or a list of them, one per layer), got "
                f"{type(layer).__name__} for layer {number}"
            )
    for number, (below, above) in enumerate(zip(layers, layers[1:]), start=2):
        if above.embedding_size != below.width:
            raise InputError(
                f"attention layer {number} reads vectors of size {above.embedding_size}, but layer {number - 1} "
                f"writes vectors of size {below.width}: give layer {number} weights of shape ({below.width}, D)"
            )
    return layers


def _check_inputs(model: str, inputs: object, weights: object, causal: object) -> torch.Tensor:
    """Check that `inputs` and `weights` fit `model`, so that a mistake gets a message rather than a traceback."""
    expected = MODELS[model].weights
    if model == "attention":
        weights = _attention_layers(weights)[0]  # the first layer meets the inputs
    elif not isinstance(weights, expected):
        raise InputTypeError(
            f"the {model} model needs {expected.__name__}, got {type(weights).__name__}: "
            f"give the weights of {_NAMES[model]}"
        )
    if not isinstance(causal, bool):
        raise InputTypeError(f"causal must be True or False, got {causal!r}")
    if causal and model != "attention":
        raise InputError(f"causal applies to attention only; the {model} reads in order anyway: leave it False")
    if not isinstance(inputs, torch.Tensor):
        raise InputTypeError(f"inputs must be a torch.Tensor of shape (..., T, E), got {type(inputs).__name__}")
    if not inputs.is_floating_point():
        raise InputTypeError(f"inputs must hold floating-point numbers, got {inputs.dtype}: convert with .double()")
    if inputs.dim() < 2 or inputs.shape[-2] == 0:
        raise InputError(f"inputs has shape {tuple(inputs.shape)}, but it must be (..., T, E) with at least one token")
    if inputs.shape[-1] != weights.embedding_size:
        raise InputError(
            f"inputs has vectors of size {inputs.shape[-1]}, but the weights expect size {weights.embedding_size}: "
            "give inputs of shape (..., T, E) with the weights' E"
        )
    weight_dtype = getattr(weights, _FIRST_TENSOR[model]).dtype
    if inputs.dtype != weight_dtype:
        raise InputTypeError(
            f"inputs are {inputs.dtype} but the weights are {weight_dtype}: convert one, e.g. inputs.to({weight_dtype})"
        )
    return inputs


def final_state(
    model: str,
    inputs: torch.Tensor,
    weights: RNNWeights | LSTMWeights | GRUWeights | AttentionWeights | Sequence[AttentionWeights],
    *,
    causal: bool = False,
) -> torch.Tensor:
    """The state a model ends with after reading a whole sequence: what a readout at the end would see.

    For the RNN and the GRU this is the last hidden state; for the LSTM, the last hidden state $h_T$ (its cell
    $c_T$ stays inside); for self-attention, the output at the last position, which attends to every input.
    Self-attention may have several layers, each reading the whole output sequence of the one below (no
    residual connection, no normalisation: only the attention itself).

    Args:
        model: One of [GRADIENT_MODELS][seqdocs.experiments.GRADIENT_MODELS].
        inputs: (..., T, E) the input vectors; leading dimensions hold independent sequences.
        weights: The model's weights ([RNNWeights][seqdocs.RNNWeights], [LSTMWeights][seqdocs.LSTMWeights],
            [GRUWeights][seqdocs.GRUWeights] or [AttentionWeights][seqdocs.AttentionWeights]), with any leading
            dimensions that broadcast against the inputs'. For attention, a list of AttentionWeights is a stack
            of layers, read from the first.
        causal: Attention only: mask the future in every layer. With one layer the last position may see every
            input either way, so its output is the same with and without the mask; with two or more, the mask
            changes what the earlier positions pass up to the last one.

    Returns:
        (..., H) the final state of each sequence.

    Raises:
        InputError: If the model is unknown or the shapes do not fit.
        InputTypeError: If the weights are not the model's, or the inputs are not a floating-point tensor.

    Examples:
        >>> import torch
        >>> weights = RNNWeights(torch.eye(2), torch.zeros(2, 2), torch.zeros(2))
        >>> final_state("rnn", torch.tensor([[9.0, 9.0], [0.5, -0.5]]), weights)  # no memory: the last input alone
        tensor([ 0.4621, -0.4621])
    """
    model = _check_model(model)
    inputs = _check_inputs(model, inputs, weights, causal)
    if model in RECURRENT_MODELS:
        return MODELS[model].forward(inputs, weights)["hidden"][..., -1, :]  # (..., T, H) -> (..., H)
    states = inputs  # (..., T, E)
    for layer in _attention_layers(weights):
        states = self_attention(states, layer, causal=causal)["output"]  # (..., T, D): every position, for the next layer
    return states[..., -1, :]  # (..., T, D) -> (..., D)


def input_jacobian(
    model: str,
    inputs: torch.Tensor,
    weights: RNNWeights | LSTMWeights | GRUWeights | AttentionWeights | Sequence[AttentionWeights],
    *,
    causal: bool = False,
) -> torch.Tensor:
    r"""The Jacobian of the final state with respect to every input: $J_t = \partial h_T / \partial x_t$.

    Computed with autograd in one backward pass. The gradient of unit $i$ of the final state with respect to
    the inputs is row $i$ of every $J_t$ at once. So the inputs are read H times side by side, as H independent
    copies, and copy $i$ contributes its own unit $i$ to one sum: the gradient of that sum with respect to copy
    $i$ is row $i$. Every sequence of the batch is read on its own too, so the same sum covers them all.

    Args:
        model: One of [GRADIENT_MODELS][seqdocs.experiments.GRADIENT_MODELS].
        inputs: (..., T, E) the input vectors; leading dimensions hold independent sequences (e.g. one per seed).
        weights: The model's weights, as for [final_state][seqdocs.experiments.final_state].
        causal: Attention only: mask the future in every layer (with one layer it changes nothing here).

    Returns:
        (..., T, H, E) whose entry `[..., t, i, j]` is $\partial h_{T,i} / \partial x_{t,j}$, with $t$ in reading order.

    Raises:
        InputError: If the model is unknown, the shapes do not fit, or the weights have leading dimensions the
            inputs lack (they would read one sequence with several models at once).
        InputTypeError: If the weights are not the model's, or the inputs are not a floating-point tensor.

    Examples:
        >>> import torch
        >>> weights = RNNWeights(torch.eye(2), torch.zeros(2, 2), torch.zeros(2))
        >>> input_jacobian("rnn", torch.zeros(3, 2), weights)[:, 0, 0]  # no memory: only the last input counts
        tensor([0., 0., 1.])
    """
    model = _check_model(model)
    inputs = _check_inputs(model, inputs, weights, causal).detach()  # (..., T, E)
    with torch.no_grad():
        state = final_state(model, inputs, weights, causal=causal)  # (..., H)
    if state.shape[:-1] != inputs.shape[:-2]:
        # Weights with more leading dimensions than the inputs would read one sequence several times, and the
        # sum below would add those readings' gradients together.
        raise InputError(
            f"the weights have leading dimensions {tuple(state.shape[:-1])} that the inputs "
            f"{tuple(inputs.shape)} lack: give the inputs the same leading dimensions, e.g. (S, 1, T, E) for "
            "weights stacked over S seeds"
        )
    units = state.shape[-1]
    # One copy of the inputs per unit i, all read in one batch: copy i's gradient of its own unit i is row i of
    # its Jacobian, so one backward pass gives every row, instead of H passes through the sequence. With inputs
    # (..., 1, T, E), the layout of stacked seeds, the copies fill that axis of size 1, where each seed's copies
    # meet its weights in one matrix product; otherwise they go in front.
    axis = -3 if inputs.dim() >= 3 and inputs.shape[-3] == 1 else 0
    if axis == 0:
        copies = inputs.expand(units, *inputs.shape)  # (H, ..., T, E)
    else:
        copies = inputs.expand(*inputs.shape[:-3], units, *inputs.shape[-2:])  # (..., H, T, E)
    copies = copies.clone().requires_grad_()
    with torch.enable_grad():
        states = final_state(model, copies, weights, causal=causal)  # (H, ..., H) or (..., H, H)
        own_unit = states.diagonal(dim1=-2 if axis else 0, dim2=-1)  # copy i's unit i
        (rows,) = torch.autograd.grad(own_unit.sum(), copies)  # like copies: row i of every J_t in copy i
    if axis == 0:
        return rows.movedim(0, -2)  # (H, ..., T, E) -> (..., T, H, E)
    return rows.movedim(-3, -2).unsqueeze(-4)  # (..., H, T, E) -> (..., 1, T, H, E)


def _check_norm(norm: object) -> str:
    return check_choice("norm", norm, JACOBIAN_NORMS)


def gradient_norms(
    model: str,
    inputs: torch.Tensor,
    weights: RNNWeights | LSTMWeights | GRUWeights | AttentionWeights | Sequence[AttentionWeights],
    *,
    norm: str = "frobenius",
    causal: bool = False,
) -> torch.Tensor:
    r"""The size of $\partial h_T / \partial x_t$ for every input, ordered by distance $\Delta = T - t$ from the end.

    Args:
        model: One of [GRADIENT_MODELS][seqdocs.experiments.GRADIENT_MODELS].
        inputs: (..., T, E) the input vectors; leading dimensions hold independent sequences.
        weights: The model's weights, as for [final_state][seqdocs.experiments.final_state].
        norm: `"frobenius"` (the root of the sum of squares of the Jacobian's entries) or `"spectral"` (its
            largest singular value).
        causal: Attention only: mask the future in every layer (with one layer it changes nothing here).

    Returns:
        (..., T) whose entry `d` is the norm for the input `d` steps before the end; entry 0 is the last input's.

    Raises:
        InputError: If the model or the norm is unknown, or the shapes do not fit.
        InputTypeError: If the weights are not the model's, or the inputs are not a floating-point tensor.

    Examples:
        >>> import torch
        >>> weights = RNNWeights(torch.eye(2), 0.5 * torch.eye(2), torch.zeros(2))
        >>> gradient_norms("rnn", torch.full((4, 2), 1e-4), weights)  # tanh is nearly linear near 0: x0.5 per step
        tensor([1.4142, 0.7071, 0.3536, 0.1768])
    """
    norm = _check_norm(norm)
    jacobian = input_jacobian(model, inputs, weights, causal=causal)  # (..., T, H, E)
    sizes = torch.linalg.matrix_norm(jacobian, ord="fro" if norm == "frobenius" else 2)  # (..., T), reading order
    return sizes.flip(-1)  # (..., T), by distance: the last input first


@dataclass(frozen=True)
class GradientConfig:
    """Every setting of the gradient-flow experiment, fixed before it runs.

    Attributes:
        length: T, the sequence length; distances run from 0 to T - 1.
        embedding_size: E, the size of each input vector.
        hidden_size: H, the hidden (and cell) size; the query, key and value width for self-attention.
        seeds: One model of each kind and one input sequence per seed.
        forget_biases: The LSTM's forget-gate bias, one LSTM per value; every other weight of those LSTMs is
            the same, so they differ in this alone.
        norm: `"frobenius"` or `"spectral"`, see [gradient_norms][seqdocs.experiments.gradient_norms].
        weight_scale: `None` for PyTorch's initialisation (uniform in ±1/√fan); a number to draw every weight
            from a normal distribution with that standard deviation instead, with every bias zero (1.0 is what
            [make_setup][seqdocs.make_setup] and the seed notebook do).
        dtype: `"float64"` or `"float32"`; the numbers are drawn in float32 either way.

    Raises:
        InputError: If a value is out of range.
        InputTypeError: If a value has the wrong type.

    Examples:
        >>> config = GradientConfig(length=8, seeds=(0, 1))
        >>> config.curves
        ('rnn', 'lstm_forget_bias_0', 'lstm_forget_bias_1', 'gru', 'attention')
    """

    length: int = 64
    embedding_size: int = 16
    hidden_size: int = 32
    seeds: tuple[int, ...] = tuple(range(16))
    forget_biases: tuple[float, ...] = (0.0, 1.0)
    norm: str = "frobenius"
    weight_scale: float | None = None
    dtype: str = "float64"

    def __post_init__(self) -> None:
        check_whole("GradientConfig.length", self.length, 1, _MAX_LENGTH)
        check_size("GradientConfig.embedding_size", self.embedding_size)
        check_size("GradientConfig.hidden_size", self.hidden_size)
        object.__setattr__(self, "seeds", _check_seeds(self.seeds))
        biases = _check_numbers("GradientConfig.forget_biases", self.forget_biases)
        if len(set(biases)) != len(biases):
            raise InputError(f"GradientConfig.forget_biases repeats a value, got {list(biases)}: give each once")
        object.__setattr__(self, "forget_biases", biases)
        _check_norm(self.norm)
        if self.weight_scale is not None:
            (scale,) = _check_numbers("GradientConfig.weight_scale", (self.weight_scale,))
            if scale <= 0:
                raise InputError(f"GradientConfig.weight_scale must be positive or None, got {scale}")
        if self.dtype not in _DTYPES:
            raise InputError(f"GradientConfig.dtype must be one of {', '.join(_DTYPES)}, got {self.dtype!r}")

    @property
    def curves(self) -> tuple[str, ...]:
        """The name of every measured curve: the RNN, one LSTM per forget bias, the GRU, self-attention.

        Examples:
            >>> GradientConfig(forget_biases=(1.0,)).curves
            ('rnn', 'lstm_forget_bias_1', 'gru', 'attention')
        """
        return tuple(name for name, _, _ in self.curve_models())

    def curve_models(self) -> tuple[tuple[str, str, float | None], ...]:
        """Each curve as (name, model, forget bias), the forget bias `None` for every model but the LSTM.

        Examples:
            >>> GradientConfig(forget_biases=(0.5,)).curve_models()[1]
            ('lstm_forget_bias_0_5', 'lstm', 0.5)
        """
        lstms = tuple(
            (f"lstm_forget_bias_{bias:g}".replace(".", "_").replace("-", "minus_"), "lstm", bias)
            for bias in self.forget_biases
        )
        return (("rnn", "rnn", None), *lstms, ("gru", "gru", None), ("attention", "attention", None))


def _check_seeds(seeds: object) -> tuple[int, ...]:
    return check_seeds(seeds, highest=2**40)


def _check_numbers(name: str, values: object) -> tuple[float, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InputTypeError(f"{name} must be a list of numbers, got {values!r}")
    numbers = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputTypeError(f"{name} must hold numbers, got {value!r} ({type(value).__name__})")
        if not math.isfinite(value):
            raise InputError(f"{name} must hold finite numbers, got {value}")
        numbers.append(float(value))
    return tuple(numbers)


def _generators(seeds: tuple[int, ...], stream: str, offset: int = 0) -> list[torch.Generator]:
    return [torch.Generator().manual_seed(_STREAMS_PER_SEED * seed + _STREAMS[stream] + offset) for seed in seeds]


def gradient_inputs(config: GradientConfig | None = None) -> torch.Tensor:
    """One random input sequence per seed: every model of a seed reads the same one.

    The vectors are standard normal, like the rows of a freshly made `nn.Embedding`.

    Args:
        config: The sizes and seeds; [GradientConfig][seqdocs.experiments.GradientConfig]'s defaults if not given.

    Returns:
        (S, 1, T, E) a batch of one sequence per seed. The axis of size 1 lets each seed's (1, E) input row
        meet its own (E, H) matrix in `(S, 1, E) @ (S, E, H)`.

    Examples:
        >>> gradient_inputs(GradientConfig(length=5, embedding_size=3, seeds=(0, 1))).shape
        torch.Size([2, 1, 5, 3])
    """
    config = config or GradientConfig()
    shape = (1, config.length, config.embedding_size)
    draws = [torch.randn(shape, generator=generator) for generator in _generators(config.seeds, "inputs")]
    return torch.stack(draws).to(_DTYPES[config.dtype])  # (S, 1, T, E)


def init_gradient_weights(
    model: str, config: GradientConfig | None = None, *, forget_bias: float | None = None, layer: int = 1
) -> RNNWeights | LSTMWeights | GRUWeights | AttentionWeights:
    r"""Freshly initialised weights of one model per seed, stacked along a leading seed dimension S.

    The initialisation is PyTorch's: every recurrent weight and bias uniform in $\pm 1/\sqrt{H}$, as in
    `nn.RNN`, `nn.LSTM` and `nn.GRU` (whose RNN and LSTM biases come in two vectors that add, so here too);
    the attention projections uniform in $\pm 1/\sqrt{E}$, as in `nn.Linear`. With `config.weight_scale` set,
    every weight is normal with that standard deviation instead and every bias zero, as in
    [make_setup][seqdocs.make_setup].

    Args:
        model: One of [GRADIENT_MODELS][seqdocs.experiments.GRADIENT_MODELS].
        config: The sizes, seeds and scale; [GradientConfig][seqdocs.experiments.GradientConfig]'s defaults if not given.
        forget_bias: LSTM only: the value every forget-gate bias is set to after the draw; `None` keeps the
            drawn ones. The draws do not depend on it, so LSTMs with different forget biases are otherwise equal.
        layer: Attention only: which layer of a stack, 1 to 4. Layer 1 reads the inputs (E to H); every later
            layer reads the one below (H to H), with weights uniform in $\pm 1/\sqrt{H}$ from a stream of its own,
            so a one-layer model has the same weights as the first layer of a deeper one.

    Returns:
        The model's weights whose tensors have a leading dimension S: matrices (S, in, out), biases (S, 1, out);
        the attention projections (S, 1, E, H) (layer 1) or (S, 1, H, H), to meet inputs (S, 1, T, E).

    Raises:
        InputError: If the model is unknown, a forget bias is given for a model that has none, or a layer
            other than 1 for a model that is not attention.

    Examples:
        >>> weights = init_gradient_weights("lstm", GradientConfig(hidden_size=4, seeds=(0, 1)), forget_bias=1.0)
        >>> weights.weight.shape, weights.bias[0, 0, 4:8]  # (S, E + H, 4H); gate order i, f, g, o
        (torch.Size([2, 20, 16]), tensor([1., 1., 1., 1.], dtype=torch.float64))
    """
    config = config or GradientConfig()
    model = _check_model(model)
    if forget_bias is not None:
        if model != "lstm":
            raise InputError(f"forget_bias applies to the LSTM only, not the {model}: leave it None")
        (forget_bias,) = _check_numbers("forget_bias", (forget_bias,))
    layer = check_whole("layer", layer, 1, _MAX_ATTENTION_LAYERS)
    if layer != 1 and model != "attention":
        raise InputError(f"layer applies to attention only; the {model} has one layer here: leave it 1")
    generators = _generators(config.seeds, model, offset=layer - 1)
    E, H = config.embedding_size, config.hidden_size

    def draw(shape: tuple[int, ...], fan: int, *, is_bias: bool = False) -> torch.Tensor:
        """(S, *shape), slice s drawn from seed s's generator alone."""
        if config.weight_scale is None:
            bound = 1 / math.sqrt(fan)
            slices = [(torch.rand(shape, generator=generator) * 2 - 1) * bound for generator in generators]
        elif is_bias:
            slices = [torch.zeros(shape) for _ in generators]
        else:
            slices = [torch.randn(shape, generator=generator) * config.weight_scale for generator in generators]
        return torch.stack(slices).to(_DTYPES[config.dtype])

    if model == "rnn":
        return RNNWeights(
            input_to_hidden=draw((E, H), H),  # (S, E, H)
            hidden_to_hidden=draw((H, H), H),  # (S, H, H)
            bias=draw((1, H), H, is_bias=True) + draw((1, H), H, is_bias=True),  # (S, 1, H): nn.RNN's two biases add
        )
    if model == "lstm":
        bias = draw((1, 4 * H), H, is_bias=True) + draw((1, 4 * H), H, is_bias=True)  # (S, 1, 4H), blocks i, f, g, o
        weight = draw((E + H, 4 * H), H)  # (S, E + H, 4H)
        if forget_bias is not None:
            bias[..., H : 2 * H] = forget_bias  # the forget block
        return LSTMWeights(weight, bias, embedding_size=E)
    if model == "gru":
        return GRUWeights(
            input_weight=draw((E, 3 * H), H),  # (S, E, 3H)
            hidden_weight=draw((H, 3 * H), H),  # (S, H, 3H)
            input_bias=draw((1, 3 * H), H, is_bias=True),  # (S, 1, 3H)
            hidden_bias=draw((1, 3 * H), H, is_bias=True),  # (S, 1, 3H)
        )
    size = E if layer == 1 else H  # what this layer reads: the inputs, or the layer below's outputs
    query, key, value = (draw((1, size, H), size) for _ in range(3))  # each (S, 1, size, H)
    return AttentionWeights(query, key, value)


@dataclass(frozen=True)
class GradientFlow:
    r"""What [gradient_flow][seqdocs.experiments.gradient_flow] measured: the size of every Jacobian, every seed, every curve.

    Attributes:
        config: The settings it ran with.
        norms: For each measured curve (those of `config.curves`, or attention variants), (S, T): entry
            `[s, Δ]` is seed s's norm of $\partial h_T / \partial x_{T-\Delta}$, the input Δ steps before the end.

    Examples:
        >>> flow = gradient_flow(GradientConfig(length=6, hidden_size=4, embedding_size=3, seeds=(0, 1, 2)))
        >>> flow.norms["gru"].shape, flow.median("gru").shape
        (torch.Size([3, 6]), torch.Size([6]))
    """

    config: GradientConfig
    norms: dict[str, torch.Tensor] = field(repr=False)

    def _curve(self, curve: str) -> torch.Tensor:
        return self.norms[check_choice("curve", curve, self.norms)]

    def median(self, curve: str) -> torch.Tensor:
        """The median over seeds at each distance (the mean of the middle two for an even number of seeds).

        Args:
            curve: One of `config.curves`, e.g. `"rnn"`.

        Returns:
            (T,) entry `Δ` is the median at distance Δ.

        Raises:
            InputError: If no curve has that name.

        Examples:
            >>> flow = GradientFlow(GradientConfig(length=2, seeds=(0, 1, 2)), {"rnn": torch.tensor([[1.0, 0.1], [3.0, 0.2], [2.0, 0.4]])})
            >>> flow.median("rnn")
            tensor([2.0000, 0.2000])
        """
        return self.quantile(curve, 0.5)

    def quantile(self, curve: str, level: float) -> torch.Tensor:
        """A quantile over seeds at each distance, interpolating linearly between seeds as `torch.quantile` does.

        Args:
            curve: One of `config.curves`.
            level: From 0 (the lowest seed) to 1 (the highest); 0.5 is the median.

        Returns:
            (T,) entry `Δ` is the quantile at distance Δ.

        Raises:
            InputError: If no curve has that name, or `level` is outside [0, 1].

        Examples:
            >>> flow = GradientFlow(GradientConfig(length=2, seeds=(0, 1, 2)), {"rnn": torch.tensor([[1.0, 0.1], [3.0, 0.2], [2.0, 0.4]])})
            >>> flow.quantile("rnn", 0.0), flow.quantile("rnn", 0.75)
            (tensor([1.0000, 0.1000]), tensor([2.5000, 0.3000]))
        """
        (level,) = _check_numbers("level", (level,))
        if not 0 <= level <= 1:
            raise InputError(f"level must be between 0 and 1, got {level}: 0.5 is the median")
        return torch.quantile(self._curve(curve), level, dim=0)  # (S, T) -> (T,)

    def relative_median(self, curve: str) -> torch.Tensor:
        """The median at each distance as a share of the median at distance 0.

        Args:
            curve: One of `config.curves`.

        Returns:
            (T,) entry 0 is 1; entry `Δ` says how much of the last input's influence an input Δ steps back has.

        Raises:
            InputError: If no curve has that name.

        Examples:
            >>> flow = GradientFlow(GradientConfig(length=3, seeds=(0,)), {"rnn": torch.tensor([[2.0, 1.0, 0.5]])})
            >>> flow.relative_median("rnn")
            tensor([1.0000, 0.5000, 0.2500])
        """
        median = self.median(curve)  # (T,)
        return median / median[0]

    def distance_below(self, curve: str, fraction: float) -> int | None:
        """The first distance at which the median falls below `fraction` of its value at distance 0.

        Args:
            curve: One of `config.curves`.
            fraction: The share of the value at distance 0, e.g. 0.001 for a thousandfold fade.

        Returns:
            The distance, or `None` if the median stays at or above that share at every distance measured.

        Raises:
            InputError: If no curve has that name, or `fraction` is not positive.

        Examples:
            >>> flow = GradientFlow(GradientConfig(length=4, seeds=(0,)), {"rnn": torch.tensor([[1.0, 0.5, 0.2, 0.05]])})
            >>> flow.distance_below("rnn", 0.1), flow.distance_below("rnn", 0.01)
            (3, None)
        """
        (fraction,) = _check_numbers("fraction", (fraction,))
        if fraction <= 0:
            raise InputError(f"fraction must be positive, got {fraction}: e.g. 0.001 for a thousandfold fade")
        below = (self.relative_median(curve) < fraction).nonzero()  # (count, 1): the distances below
        return int(below[0, 0]) if len(below) else None

    def factor_per_step(self, curve: str, first: int, last: int) -> float:
        r"""The median's average change per step from distance `first` to `last`: the geometric mean of its ratios.

        Args:
            curve: One of `config.curves`.
            first: The nearer distance.
            last: The farther distance, at most T - 1.

        Returns:
            $(m_{\text{last}} / m_{\text{first}})^{1 / (\text{last} - \text{first})}$ for the median $m$: below 1 the
            gradient shrinks with distance, above 1 it grows.

        Raises:
            InputError: If no curve has that name, or the distances are not 0 <= first < last < T.

        Examples:
            >>> flow = GradientFlow(GradientConfig(length=4, seeds=(0,)), {"rnn": torch.tensor([[1.0, 0.5, 0.25, 0.125]])})
            >>> flow.factor_per_step("rnn", 1, 3)
            0.5
        """
        if not all(isinstance(value, int) and not isinstance(value, bool) for value in (first, last)):
            raise InputTypeError(f"first and last must be whole numbers, got {first!r} and {last!r}")
        if not 0 <= first < last < self.config.length:
            raise InputError(f"need 0 <= first < last < {self.config.length}, got first={first}, last={last}")
        median = self.median(curve)  # (T,)
        return float((median[last] / median[first]) ** (1 / (last - first)))

    def _distance(self, name: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputTypeError(f"{name} must be a whole number, got {value!r}")
        if not 0 <= value < self.config.length:
            raise InputError(f"{name} must be a distance from 0 to {self.config.length - 1}, got {value}")
        return value

    def compare(self, curve: str, other: str, distance: int) -> Comparison:
        r"""Is one curve's median clearly above another's at a distance? The page's rule for ranking two models.

        The rule is `seqdocs.experiments.evidence.compare_medians`: a 95% bootstrap interval for the
        difference of the two medians over seeds, from the seeds' norms at that distance; a verdict only when
        the interval excludes 0.

        Args:
            curve: One of the measured curves, e.g. `"rnn"`.
            other: Another one, e.g. `"attention"`.
            distance: $\Delta$, from 0 to T - 1.

        Returns:
            The comparison of `curve` against `other`: `"higher"`, `"lower"` or `"unclear"`.

        Raises:
            InputError: If a curve is unknown or the distance is out of range.

        Examples:
            >>> norms = {"a": torch.tensor([[1.0, 0.5], [1.1, 0.4], [0.9, 0.6]]), "b": torch.full((3, 2), 0.5)}
            >>> flow = GradientFlow(GradientConfig(length=2, seeds=(0, 1, 2)), norms)
            >>> flow.compare("a", "b", 0).verdict, flow.compare("a", "b", 1).verdict
            ('higher', 'unclear')
        """
        distance = self._distance("distance", distance)
        return compare_medians(self._curve(curve)[:, distance], self._curve(other)[:, distance])

    def trend(self, curve: str, near: int = 1, far: int | None = None) -> Comparison:
        r"""Is a curve's median clearly higher far back than near the end? The page's rule for "grows" or "shrinks".

        The same rule as [compare][seqdocs.experiments.GradientFlow.compare], applied to one curve at two distances: the
        seeds' norms at `far` against their norms at `near`. The bootstrap resamples the two sides on their own,
        although they come from the same seeds; with norms that rise and fall together across seeds, as here,
        that widens the interval, so the rule stays on the cautious side.

        Args:
            curve: One of the measured curves.
            near: The nearer distance; 1 by default, the nearest input before the last.
            far: The farther distance; T - 1 (the first input) by default.

        Returns:
            The comparison of the median at `far` against the median at `near`: `"lower"` means it shrinks.

        Raises:
            InputError: If the curve is unknown, or the distances are not 0 <= near < far < T.

        Examples:
            >>> seeds = torch.tensor([[1.0, 0.5, 0.2], [1.2, 0.6, 0.3], [0.8, 0.4, 0.1]])
            >>> GradientFlow(GradientConfig(length=3, seeds=(0, 1, 2)), {"rnn": seeds}).trend("rnn", near=0).verdict
            'lower'
        """
        far = self.config.length - 1 if far is None else far
        near, far = self._distance("near", near), self._distance("far", far)
        if near >= far:
            raise InputError(f"near must be less than far, got near={near}, far={far}")
        norms = self._curve(curve)
        return compare_medians(norms[:, far], norms[:, near])

    def crossing(self, curve: str, other: str) -> Crossing:
        """Where one curve falls below another, decided distance by distance by [compare][seqdocs.experiments.GradientFlow.compare].

        Args:
            curve: The curve expected to start above, e.g. `"rnn"`.
            other: The one it may fall below, e.g. `"attention"`.

        Returns:
            The verdict at every distance and what they say together.

        Raises:
            InputError: If a curve is unknown.

        Examples:
            >>> above, below = torch.tensor([[2.0, 1.0, 0.1]]).repeat(5, 1), torch.full((5, 3), 0.5)
            >>> flow = GradientFlow(GradientConfig(length=3, seeds=tuple(range(5))), {"a": above, "b": below})
            >>> flow.crossing("a", "b").kind, flow.crossing("a", "b").between
            ('crosses', (1, 2))
        """
        return Crossing(tuple(self.compare(curve, other, distance).verdict for distance in range(self.config.length)))


CROSSING_KINDS = ("crosses", "never_below", "never_above", "mixed")
"""What [Crossing][seqdocs.experiments.Crossing] can say of two curves as a whole."""


@dataclass(frozen=True)
class Crossing:
    """Where curve A falls below curve B, from a verdict of the rule at every distance.

    A crossing is stated only where the rule separates the curves on both sides of it: A clearly above up to
    `last_above`, clearly below at `first_below`, and never clearly above again after that. The distances in
    between, if any, are the ones at which the rule cannot tell the curves apart.

    Attributes:
        verdicts: A against B at each distance 0, 1, ..., T - 1: `"higher"`, `"lower"` or `"unclear"`.

    Examples:
        >>> crossing = Crossing(("higher", "higher", "unclear", "unclear", "lower", "lower"))
        >>> crossing.kind, crossing.last_above, crossing.first_below, crossing.unclear_between
        ('crosses', 1, 4, (2, 3))
        >>> Crossing(("higher", "unclear", "higher", "lower")).kind  # above again after a gap: still one crossing
        'crosses'
        >>> Crossing(("higher", "lower", "higher")).kind  # below, then above again
        'mixed'
    """

    verdicts: tuple[str, ...]

    def __post_init__(self) -> None:
        verdicts = tuple(self.verdicts)
        for verdict in verdicts:
            check_choice("verdict", verdict, VERDICTS)
        object.__setattr__(self, "verdicts", verdicts)

    def _where(self, verdict: str) -> list[int]:
        return [distance for distance, seen in enumerate(self.verdicts) if seen == verdict]

    @property
    def last_above(self) -> int | None:
        """The last distance at which A is clearly above B, or `None` if it never is."""
        above = self._where("higher")
        return above[-1] if above else None

    @property
    def first_below(self) -> int | None:
        """The first distance at which A is clearly below B, or `None` if it never is."""
        below = self._where("lower")
        return below[0] if below else None

    @property
    def kind(self) -> str:
        """One of [CROSSING_KINDS][seqdocs.experiments.CROSSING_KINDS].

        `"crosses"`: A is clearly above at some distances, clearly below at others, and every "above" comes
        before every "below". `"never_below"` / `"never_above"`: the rule never puts A below (above) B.
        `"mixed"`: A is clearly below B somewhere and clearly above it farther back.
        """
        if self.first_below is None:
            return "never_below"
        if self.last_above is None:
            return "never_above"
        return "crosses" if self.last_above < self.first_below else "mixed"

    @property
    def between(self) -> tuple[int, int] | None:
        """For a crossing, (last distance clearly above, first distance clearly below); otherwise `None`."""
        return (self.last_above, self.first_below) if self.kind == "crosses" else None

    @property
    def unclear_between(self) -> tuple[int, ...]:
        """For a crossing, the distances between its two sides, where the rule cannot tell the curves apart."""
        if self.kind != "crosses":
            return ()
        return tuple(range(self.last_above + 1, self.first_below))

    @property
    def stays_below(self) -> bool:
        """For a crossing, whether A is clearly below B at every distance from `first_below` on."""
        return self.kind == "crosses" and all(verdict == "lower" for verdict in self.verdicts[self.first_below :])


@dataclass(frozen=True)
class AttentionVariant:
    """One kind of self-attention whose gradient flow [attention_gradient_flow][seqdocs.experiments.attention_gradient_flow] measures.

    Attributes:
        layers: How many self-attention layers are stacked, 1 to 4; the final state is the last layer's
            output at the last position.
        positions: Whether the sinusoidal positional encoding ([add_positions][seqdocs.positional.add_positions]) is added
            to the inputs. The Jacobian is still taken with respect to the input vectors themselves.
        causal: Whether every layer masks the future ([causal_mask][seqdocs.causal_mask]).

    Examples:
        >>> AttentionVariant(layers=2, causal=True).name
        'attention_2_layers_causal'
    """

    layers: int = 1
    positions: bool = False
    causal: bool = False

    def __post_init__(self) -> None:
        check_whole("AttentionVariant.layers", self.layers, 1, _MAX_ATTENTION_LAYERS)
        for name in ("positions", "causal"):
            if not isinstance(getattr(self, name), bool):
                raise InputTypeError(f"AttentionVariant.{name} must be True or False, got {getattr(self, name)!r}")

    @property
    def name(self) -> str:
        """The curve's name in the measurement, e.g. `"attention_1_layer_positions"`."""
        parts = ["attention", f"{self.layers}_layer" + ("s" if self.layers > 1 else "")]
        parts += ["positions"] * self.positions + ["causal"] * self.causal
        return "_".join(parts)

    @property
    def description(self) -> str:
        """The variant in words, e.g. `"Self-attention, 2 layers, causal mask"`."""
        parts = ["Self-attention", f"{self.layers} layer" + ("s" if self.layers > 1 else "")]
        parts += ["positional encoding"] * self.positions + ["causal mask"] * self.causal
        return ", ".join(parts)


def attention_gradient_flow(
    variants: Sequence[AttentionVariant], config: GradientConfig | None = None
) -> GradientFlow:
    """Measure the gradient flow of several kinds of self-attention, on the same inputs and weights.

    Every variant reads each seed's input sequence ([gradient_inputs][seqdocs.experiments.gradient_inputs]); layer L of
    every variant has the same weights ([init_gradient_weights][seqdocs.experiments.init_gradient_weights] with
    `layer=L`), so two variants differ only in what the variant says.

    Args:
        variants: The kinds of attention to measure, each at most once.
        config: The sizes and seeds; [GradientConfig][seqdocs.experiments.GradientConfig]'s defaults if not given. Its
            forget biases are not used.

    Returns:
        A measurement with one curve per variant, named by [AttentionVariant.name][seqdocs.experiments.AttentionVariant.name].

    Raises:
        InputError: If no variant is given, or one is given twice.
        InputTypeError: If a variant is not an AttentionVariant.

    Examples:
        >>> config = GradientConfig(length=6, hidden_size=4, embedding_size=4, seeds=(0, 1))
        >>> flow = attention_gradient_flow([AttentionVariant(), AttentionVariant(causal=True)], config)
        >>> bool((flow.norms["attention_1_layer"] == flow.norms["attention_1_layer_causal"]).all())
        True
    """
    config = config or GradientConfig()
    if isinstance(variants, AttentionVariant) or not isinstance(variants, Iterable):
        raise InputTypeError(f"variants must be a list of AttentionVariant, got {variants!r}")
    variants = tuple(variants)
    for variant in variants:
        if not isinstance(variant, AttentionVariant):
            raise InputTypeError(f"variants must hold AttentionVariant, got {variant!r} ({type(variant).__name__})")
    if not variants:
        raise InputError("variants is empty: give at least one AttentionVariant, e.g. [AttentionVariant()]")
    if len({variant.name for variant in variants}) != len(variants):
        raise InputError(f"variants repeats a kind of attention: {[variant.name for variant in variants]}")
    inputs = gradient_inputs(config)  # (S, 1, T, E)
    deepest = max(variant.layers for variant in variants)
    layers = [init_gradient_weights("attention", config, layer=layer) for layer in range(1, deepest + 1)]
    norms = {}
    for variant in variants:
        read = add_positions(inputs) if variant.positions else inputs  # (S, 1, T, E): x_t + PE_t has the Jacobian of x_t
        norms[variant.name] = gradient_norms(
            "attention", read, layers[: variant.layers], norm=config.norm, causal=variant.causal
        )[:, 0]  # (S, 1, T) -> (S, T)
    return GradientFlow(config, norms)


def gradient_flow(config: GradientConfig | None = None) -> GradientFlow:
    """Measure the gradient flow of every model: the norm of each input's Jacobian, by distance, for every seed.

    Each seed draws one input sequence ([gradient_inputs][seqdocs.experiments.gradient_inputs]), which every model reads,
    and fresh weights for each model ([init_gradient_weights][seqdocs.experiments.init_gradient_weights]). The seeds run
    together: every weight has a leading seed dimension, and one Jacobian call covers them all.

    Args:
        config: The settings; [GradientConfig][seqdocs.experiments.GradientConfig]'s defaults if not given.

    Returns:
        The norms of every curve and seed.

    Examples:
        >>> flow = gradient_flow(GradientConfig(length=10, hidden_size=8, embedding_size=4, seeds=(0, 1)))
        >>> bool(flow.median("rnn")[9] < flow.median("rnn")[0])  # nine steps back, less of the input is left
        True
    """
    config = config or GradientConfig()
    inputs = gradient_inputs(config)  # (S, 1, T, E)
    norms = {}
    for curve, model, forget_bias in config.curve_models():
        weights = init_gradient_weights(model, config, forget_bias=forget_bias)
        norms[curve] = gradient_norms(model, inputs, weights, norm=config.norm)[:, 0]  # (S, 1, T) -> (S, T)
    return GradientFlow(config, norms)


def _first_seed(model: str, weights: object) -> RNNWeights | LSTMWeights | GRUWeights | AttentionWeights:
    """The first seed's weights out of a stack: matrices (S, in, out) -> (in, out), biases (S, 1, out) -> (out,)."""
    def first(tensor: torch.Tensor, rank: int) -> torch.Tensor:  # (S, [1,] ...) -> seed 0's, `rank` dimensions
        while tensor.dim() > rank:
            tensor = tensor[0]
        return tensor

    tensors = {field.name: getattr(weights, field.name) for field in fields(weights)}
    return replace(weights, **{name: first(tensor, 1 if "bias" in name else 2)
                               for name, tensor in tensors.items() if isinstance(tensor, torch.Tensor)})


def _torch_final_state(model: str, weights: object, dtype: torch.dtype):
    """The final state computed by PyTorch's own module (or attention function), for one seed's weights."""
    if model == "attention":

        def attention_output(inputs: torch.Tensor) -> torch.Tensor:  # (T, E) -> (D,)
            queries, keys, values = inputs @ weights.query, inputs @ weights.key, inputs @ weights.value  # (T, D)
            return F.scaled_dot_product_attention(queries, keys, values)[-1]  # (T, D) -> (D,)

        return attention_output
    module = to_torch(model, weights)  # PyTorch's (out, in) layout; our one bias goes into bias_ih
    return lambda inputs: module(inputs)[0][-1]  # (T, E) -> (T, H) -> (H,): the last step's output


def check_gradient_flow(flow: GradientFlow) -> tuple[Check, ...]:
    r"""Check a measurement against autograd through PyTorch's own modules: every curve's norms, for the first seed.

    The reference runs `torch.nn.RNN`, `torch.nn.LSTM` and `torch.nn.GRU` with the same weights as the first
    seed's models, and `F.scaled_dot_product_attention` on the same projections, differentiates each final state
    with `torch.autograd.functional.jacobian`, and takes the same norm of each input's Jacobian.

    Args:
        flow: A measurement made by [gradient_flow][seqdocs.experiments.gradient_flow].

    Returns:
        One [Check][seqdocs.Check] per curve. The difference is measured distance by distance, relative to the
        reference norm there: $\max_d \lvert n_d - n^{\text{torch}}_d \rvert / n^{\text{torch}}_d$, so the tiny
        norms far back are held to the same relative precision as the large ones.

    Examples:
        >>> flow = gradient_flow(GradientConfig(length=5, hidden_size=3, embedding_size=2, seeds=(7, 8)))
        >>> checks = check_gradient_flow(flow)
        >>> [check.model for check in checks][:2], all(check.passed for check in checks)
        (['rnn', 'lstm (forget bias 0)'], True)
    """
    config = replace(flow.config, seeds=flow.config.seeds[:1])
    dtype = _DTYPES[config.dtype]
    sequence = gradient_inputs(config)[0, 0]  # (T, E), the first seed's
    checks = []
    for curve, model, forget_bias in config.curve_models():
        weights = _first_seed(model, init_gradient_weights(model, config, forget_bias=forget_bias))
        checks.append(
            _check_curve(
                flow, curve, _torch_final_state(model, weights, dtype), sequence,
                model=model if forget_bias is None else f"lstm (forget bias {forget_bias:g})",
                reference={"rnn": "torch.nn.RNN", "lstm": "torch.nn.LSTM", "gru": "torch.nn.GRU"}.get(
                    model, "F.scaled_dot_product_attention"
                ),
            )
        )
    return tuple(checks)


def check_attention_gradient_flow(flow: GradientFlow, variants: Sequence[AttentionVariant]) -> tuple[Check, ...]:
    r"""Check a measurement of attention variants against autograd through `F.scaled_dot_product_attention`.

    For the first seed, the reference adds the positional encoding where the variant has it, runs each layer
    with `F.scaled_dot_product_attention` (`is_causal=True` where the variant masks), differentiates the last
    position's output with `torch.autograd.functional.jacobian`, and takes the same norm of each input's
    Jacobian, compared as in [check_gradient_flow][seqdocs.experiments.check_gradient_flow].

    Args:
        flow: A measurement made by [attention_gradient_flow][seqdocs.experiments.attention_gradient_flow].
        variants: The variants it measured.

    Returns:
        One [Check][seqdocs.Check] per variant.

    Examples:
        >>> config = GradientConfig(length=5, hidden_size=3, embedding_size=2, seeds=(7,))
        >>> variants = [AttentionVariant(layers=2, positions=True, causal=True)]
        >>> [check.passed for check in check_attention_gradient_flow(attention_gradient_flow(variants, config), variants)]
        [True]
    """
    config = replace(flow.config, seeds=flow.config.seeds[:1])
    sequence = gradient_inputs(config)[0, 0]  # (T, E), the first seed's
    checks = []
    for variant in variants:
        layers = [
            _first_seed("attention", init_gradient_weights("attention", config, layer=layer))
            for layer in range(1, variant.layers + 1)
        ]

        def reference(inputs: torch.Tensor, layers=layers, variant=variant) -> torch.Tensor:  # (T, E) -> (D,)
            states = add_positions(inputs) if variant.positions else inputs  # (T, E)
            for layer in layers:
                queries, keys, values = states @ layer.query, states @ layer.key, states @ layer.value  # (T, D)
                states = F.scaled_dot_product_attention(queries, keys, values, is_causal=variant.causal)  # (T, D)
            return states[-1]

        checks.append(
            _check_curve(flow, variant.name, reference, sequence, model=variant.description,
                         reference="F.scaled_dot_product_attention")
        )
    return tuple(checks)


def _check_curve(flow: GradientFlow, curve: str, final: object, sequence: torch.Tensor, *, model: str,
                 reference: str) -> Check:
    """One curve's first-seed norms against the norms of the Jacobian of `final` (T, E) -> (H,) by autograd."""
    jacobian = torch.autograd.functional.jacobian(final, sequence).movedim(0, -2)  # (H, T, E) -> (T, H, E)
    ord = "fro" if flow.config.norm == "frobenius" else 2
    expected = torch.linalg.matrix_norm(jacobian, ord=ord).flip(-1)  # (T,), by distance
    difference = (flow.norms[curve][0] - expected).abs() / expected  # (T,)
    return Check(
        model=model,
        reference=reference,
        dtype=flow.config.dtype,
        tolerance=TOLERANCE[_DTYPES[flow.config.dtype]],
        max_error=float(difference.max()),
        compared=f"the norm of the Jacobian at every distance, seed {flow.config.seeds[0]}",
    )
