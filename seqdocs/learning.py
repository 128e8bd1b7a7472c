r"""One step of learning, by hand: a loss on the toy, its gradient back through time, and the update.

The models of the other chapters only read. To learn, a model needs something to be wrong about. Here each
state $h_t$ predicts the *next* token through a readout, a linear layer followed by a softmax:

$$
\begin{aligned}
z_t &= h_t W_{hy} + b_y, \qquad p_t = \operatorname{softmax}(z_t) \\
L &= \frac{1}{T - 1} \sum_{t=1}^{T-1} -\log p_t[y_t], \qquad y_t = \text{the token at } t + 1
\end{aligned}
$$

The last state has no next token to predict, so the loss has $T - 1$ terms. One step of learning then:

1. runs the model forward, keeping every tensor (the cells of `seqdocs.rnn` and `seqdocs.lstm`);
2. sends $\partial L / \partial h_t$ back from the last step to the first (backpropagation through time): each
   state is used twice, by its own prediction and by the next step, so its gradient is the sum of the two;
3. adds up each weight's gradient over the steps that used it: $\partial L / \partial W_{hh} = \sum_t
   h_{t-1}^\top \delta_t$, with $\delta_t$ the gradient of step $t$'s pre-activation;
4. clips the gradient as `torch.nn.utils.clip_grad_norm_` does: if the norm of all gradients together exceeds
   `max_norm`, every gradient is scaled by `max_norm / (norm + 1e-6)`;
5. moves each weight against its (clipped) gradient: $W \leftarrow W - \eta\, \partial L / \partial W$.

For the LSTM, step 2 goes through the gates, and the cell gets a second path back: $c_t = f_t \odot c_{t-1} +
i_t \odot g_t$ hands $\partial L / \partial c_t \odot f_t$ straight to $c_{t-1}$, through the forget gate.

[check_learning_step][seqdocs.check_learning_step] repeats the step with `torch.nn.RNNCell` or
`torch.nn.LSTMCell`, `torch.nn.Linear`, `F.cross_entropy`, `torch.autograd`, `clip_grad_norm_` and
`torch.optim.SGD`, and compares every tensor. The embeddings stay fixed: only the model's and the readout's
weights learn.

Shapes: E embedding size, H hidden size, V vocabulary size, T sequence length. One sequence, no batch.
"""

from __future__ import annotations

import dataclasses
import math

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import check_choice, check_tensor
from .errors import InputError, InputTypeError
from .models import MODELS, to_torch
from .recurrence import read_sequence
from .reference import TOLERANCE, Check, relative_error
from .setups import Setup, make_setup
from .trace import Step, Trace
from .weights import LSTMWeights, RNNWeights

READOUT_SEED = 0
"""Seeds the generator of the readout weights: a generator of their own, so make_setup's draws stay as they are."""

LEARNING_RATE = 0.5
"""The step size $\\eta$ of the update, unless another is given."""

MAX_NORM = 1.0
"""The largest norm the gradient of all weights together may keep, unless another is given."""

CLIP_EPSILON = 1e-6
"""Added to the norm before dividing, as `torch.nn.utils.clip_grad_norm_` does (it avoids dividing by zero)."""

LEARNING_MODELS = ("rnn", "lstm")
"""The models [check_learning_step][seqdocs.check_learning_step] can take a step for."""


@dataclass(frozen=True)
class ReadoutWeights:
    """The readout: a linear layer from a hidden state to one score (logit) per vocabulary token.

    Attributes:
        weight: (H, V): row j says how unit j of the state pushes each token's score.
        bias: (V,): added to the scores.

    Raises:
        InputError: If the shapes do not fit together.

    Examples:
        >>> import torch
        >>> ReadoutWeights(torch.zeros(2, 3), torch.zeros(3)).weight.shape
        torch.Size([2, 3])
    """

    weight: torch.Tensor
    bias: torch.Tensor

    def __post_init__(self) -> None:
        check_tensor("ReadoutWeights", "weight", self.weight, (None, None))
        if self.weight.dim() != 2:
            raise InputError(f"ReadoutWeights.weight must be 2-D (H, V), got shape {tuple(self.weight.shape)}")
        check_tensor("ReadoutWeights", "bias", self.bias, (self.weight.shape[-1],))


def make_readout(setup: Setup, *, seed: int = READOUT_SEED) -> ReadoutWeights:
    """Draw readout weights for a setup: N(0, 1) like every weight of the toy, bias zero.

    They come from a generator of their own, so that drawing them changes none of
    [make_setup][seqdocs.make_setup]'s numbers.

    Args:
        setup: The setup whose hidden size H and vocabulary size V the readout must fit.
        seed: Seeds the readout's generator.

    Returns:
        The readout, in the setup's dtype.

    Raises:
        InputTypeError: If the seed is not a whole number.

    Examples:
        >>> readout = make_readout(make_setup())
        >>> readout.weight.shape, readout.bias
        (torch.Size([2, 3]), tensor([0., 0., 0.]))
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputTypeError(f"seed must be a whole number, got {seed!r} ({type(seed).__name__})")
    generator = torch.Generator().manual_seed(seed)
    dtype = setup.embeddings.dtype
    hidden_size, vocabulary_size = setup.rnn.hidden_size, len(setup.vocabulary)
    weight = torch.randn(hidden_size, vocabulary_size, generator=generator).to(dtype)  # (H, V), drawn in float32
    return ReadoutWeights(weight=weight, bias=torch.zeros(vocabulary_size, dtype=dtype))


@dataclass(frozen=True)
class LearningStep:
    """Every tensor of one gradient step: forward, backward, clipping and update.

    Attributes:
        trace: The forward and backward tensors of every step, and the weights before the update, as a
            [Trace][seqdocs.Trace]; its options hold `learning_rate` and `max_norm`.
        targets: The token each step predicts; `None` for the last step, which predicts nothing.
        loss: () the loss $L$, the mean over the predictions.
        gradients: $\\partial L / \\partial W$ for each weight, by the weight's name, summed over the steps.
        gradient_norm: () the norm of all gradients together, before clipping.
        clip_scale: () what every gradient was multiplied by: 1 if the norm was small enough.
        clipped_gradients: The gradients after clipping, by name.
        updated_weights: Each weight after the step, $W - \\eta \\times$ its clipped gradient.
        updated_loss: () the loss on the same sequence with the updated weights.

    Examples:
        >>> result = rnn_learning_step()
        >>> result.targets
        ('b', 'c', None)
        >>> list(result.gradients)
        ['input_to_hidden', 'hidden_to_hidden', 'bias', 'readout_weight', 'readout_bias']
    """

    trace: Trace
    targets: tuple[str | None, ...]
    loss: torch.Tensor
    gradients: dict[str, torch.Tensor]
    gradient_norm: torch.Tensor
    clip_scale: torch.Tensor
    clipped_gradients: dict[str, torch.Tensor]
    updated_weights: dict[str, torch.Tensor]
    updated_loss: torch.Tensor
    options: dict[str, float | None] = field(default_factory=dict)

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps of the trace, each with its forward and backward tensors."""
        return self.trace.steps

    def stacked(self, name: str) -> torch.Tensor:
        """One named tensor over all steps (see [Trace.stacked][seqdocs.Trace.stacked])."""
        return self.trace.stacked(name)


def clip_gradients(
    gradients: dict[str, torch.Tensor], max_norm: float | None
) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
    r"""Scale all gradients together so that their joint norm is at most `max_norm`, as `clip_grad_norm_` does.

    The joint norm is $\sqrt{\sum_W \lVert \partial L / \partial W \rVert^2}$, over every entry of every
    gradient; every gradient is multiplied by $\min(1, m / (\lVert g \rVert + 10^{-6}))$, with $m$ = `max_norm`.

    Args:
        gradients: The gradients by name.
        max_norm: The largest joint norm to keep, or `None` not to clip.

    Returns:
        The joint norm before clipping, the scale applied, and the clipped gradients.

    Examples:
        >>> import torch
        >>> norm, scale, clipped = clip_gradients({"w": torch.tensor([3.0, 4.0])}, max_norm=1.0)
        >>> norm, clipped["w"]
        (tensor(5.), tensor([0.6000, 0.8000]))
    """
    squares = [gradient.square().sum() for gradient in gradients.values()]  # one () per weight
    norm = torch.stack(squares).sum().sqrt()  # ()
    if max_norm is None:
        scale = torch.ones_like(norm)  # ()
    else:
        scale = (max_norm / (norm + CLIP_EPSILON)).clamp(max=1.0)  # (), 1 when the norm is already small enough
    return norm, scale, {name: gradient * scale for name, gradient in gradients.items()}


def _check_options(setup: Setup, readout: ReadoutWeights, learning_rate: float, max_norm: float | None) -> None:
    if len(setup.tokens) < 2:
        raise InputError(
            "a learning step needs at least two tokens: each state predicts the next token, so one token "
            'leaves nothing to predict; give a longer sequence, e.g. "a b c"'
        )
    for name, value in (("learning_rate", learning_rate), ("max_norm", max_norm)):
        if value is None and name == "max_norm":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputTypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
        if not value > 0 or value == float("inf"):
            raise InputError(f"{name} must be a positive number, got {value!r}")
    hidden_size, vocabulary_size = setup.rnn.hidden_size, len(setup.vocabulary)
    if tuple(readout.weight.shape) != (hidden_size, vocabulary_size):
        raise InputError(
            f"the readout weight has shape {tuple(readout.weight.shape)}, but this setup needs (H, V) = "
            f"({hidden_size}, {vocabulary_size}): make it with make_readout(setup)"
        )
    if readout.weight.dtype != setup.embeddings.dtype:
        raise InputError(
            f"the readout is {readout.weight.dtype} but the setup is {setup.embeddings.dtype}: make it with "
            "make_readout(setup)"
        )


def _predict(
    steps: list[dict[str, torch.Tensor]], readout: ReadoutWeights, target_ids: list[int | None]
) -> torch.Tensor:
    """Add each step's prediction of the next token to its tensors; return the loss."""
    count = sum(target is not None for target in target_ids)
    total = readout.bias.new_zeros(())  # ()
    for tensors, target in zip(steps, target_ids):
        logits = tensors["hidden"] @ readout.weight + readout.bias  # (H,) @ (H, V) -> (V,)
        log_probabilities = torch.log_softmax(logits, dim=-1)  # (V,)
        probabilities = log_probabilities.exp()  # (V,)
        wanted = torch.zeros_like(probabilities)  # (V,) one-hot of the next token; all zero for the last step
        token_loss = logits.new_zeros(())  # (), the last step adds nothing to the loss
        if target is not None:
            wanted[target] = 1.0
            token_loss = -log_probabilities[target]  # ()
        tensors.update(logits=logits, probabilities=probabilities, target=wanted, token_loss=token_loss)
        total = total + token_loss
        # Cross-entropy after a softmax has the simplest gradient: predicted minus wanted, over the mean's count.
        tensors["logit_gradient"] = (probabilities - wanted) / count if target is not None else wanted  # (V,)
    return total / count  # ()


def _forward(
    model: str, setup: Setup, weights: RNNWeights | LSTMWeights, readout: ReadoutWeights, target_ids: list[int | None]
) -> tuple[list[dict[str, torch.Tensor]], torch.Tensor]:
    """Read the sequence with the model's cell (the loop every recurrent model shares), then predict and score."""
    steps = list(read_sequence(MODELS[model].cell, setup.inputs, weights, MODELS[model].state))  # T steps, (H,) each
    return steps, _predict(steps, readout, target_ids)


def rnn_backward(steps: list[dict[str, torch.Tensor]], weights: RNNWeights, readout: ReadoutWeights) -> None:
    r"""Backpropagation through time for the RNN: add each step's gradients to its tensors, last step first.

    With $\delta_t = \partial L / \partial a_t$ the gradient of the pre-activation $a_t$:

    $$
    \frac{\partial L}{\partial h_t} = z'_t W_{hy}^\top + \delta_{t+1} W_{hh}^\top, \qquad
    \delta_t = \frac{\partial L}{\partial h_t} \odot (1 - h_t^2), \qquad
    \frac{\partial L}{\partial W_{hh}} = \sum_t h_{t-1}^\top \delta_t
    $$

    where $z'_t$ is the gradient of step $t$'s logits, and $\delta_{T+1} = 0$.

    Args:
        steps: Each step's forward tensors, from `rnn_cell` and the readout (`logit_gradient` included).
        weights: The RNN's weights.
        readout: The readout's weights.

    Examples:
        >>> result = rnn_learning_step()
        >>> result.steps[-1]["hidden_gradient_from_next_step"]  # nothing comes after the last step
        tensor([0., 0.])
    """
    from_next_step = steps[0]["hidden"].new_zeros(weights.hidden_size)  # (H,): no step after the last
    for tensors in reversed(steps):
        from_readout = tensors["logit_gradient"] @ readout.weight.T  # (V,) @ (V, H) -> (H,)
        hidden_gradient = from_readout + from_next_step  # (H,): h_t feeds its prediction and the next step
        tanh_slope = 1 - tensors["hidden"] ** 2  # (H,): tanh'(a_t), small where the unit is saturated
        pre_activation_gradient = hidden_gradient * tanh_slope  # (H,): δ_t
        tensors.update(
            hidden_gradient_from_readout=from_readout,
            hidden_gradient_from_next_step=from_next_step,
            hidden_gradient=hidden_gradient,
            tanh_slope=tanh_slope,
            pre_activation_gradient=pre_activation_gradient,
            # This step's share of each weight's gradient: an outer product, (in, 1) * (1, out) -> (in, out).
            input_to_hidden_gradient=tensors["input"][:, None] * pre_activation_gradient[None, :],  # (E, H)
            hidden_to_hidden_gradient=tensors["previous_hidden"][:, None] * pre_activation_gradient[None, :],  # (H, H)
            readout_weight_gradient=tensors["hidden"][:, None] * tensors["logit_gradient"][None, :],  # (H, V)
        )
        from_next_step = pre_activation_gradient @ weights.hidden_to_hidden.T  # (H,) @ (H, H) -> (H,), to h_{t-1}


def lstm_backward(steps: list[dict[str, torch.Tensor]], weights: LSTMWeights, readout: ReadoutWeights) -> None:
    r"""Backpropagation through time for the LSTM, through its gates: add each step's gradients, last step first.

    The hidden state gets its gradient as in the RNN; the cell gets two, one through $h_t = o_t \odot
    \tanh(c_t)$ and one from the next step through the forget gate:

    $$
    \frac{\partial L}{\partial c_t} = \frac{\partial L}{\partial h_t} \odot o_t \odot (1 - \tanh^2 c_t)
    + \frac{\partial L}{\partial c_{t+1}} \odot f_{t+1}
    $$

    Then each gate's gradient ($i$, $f$, $g$, $o$), through its sigmoid or tanh to the pre-activations, and
    from there to the weights and to $h_{t-1}$.

    Args:
        steps: Each step's forward tensors, from `lstm_cell` and the readout (`logit_gradient` included).
        weights: The LSTM's weights.
        readout: The readout's weights.

    Examples:
        >>> result = lstm_learning_step()
        >>> result.steps[0]["cell_gradient_through_forget_gate"].shape  # what reaches c_0
        torch.Size([2])
    """
    embedding_size = weights.embedding_size
    hidden_from_next_step = steps[0]["hidden"].new_zeros(weights.hidden_size)  # (H,): no step after the last
    cell_from_next_step = torch.zeros_like(hidden_from_next_step)  # (H,)
    for tensors in reversed(steps):
        from_readout = tensors["logit_gradient"] @ readout.weight.T  # (V,) @ (V, H) -> (H,)
        hidden_gradient = from_readout + hidden_from_next_step  # (H,)
        squashed_cell = torch.tanh(tensors["cell"])  # (H,)
        # h_t = o_t ⊙ tanh(c_t): the hidden state's gradient reaches the cell through the output gate.
        cell_gradient_from_hidden = hidden_gradient * tensors["output_gate"] * (1 - squashed_cell**2)  # (H,)
        cell_gradient = cell_gradient_from_hidden + cell_from_next_step  # (H,): ∂L/∂c_t
        # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t, so each gate's gradient is the cell's times what it multiplies.
        input_gate_gradient = cell_gradient * tensors["cell_candidate"]  # (H,)
        forget_gate_gradient = cell_gradient * tensors["previous_cell"]  # (H,)
        cell_candidate_gradient = cell_gradient * tensors["input_gate"]  # (H,)
        output_gate_gradient = hidden_gradient * squashed_cell  # (H,)
        input_gate, forget_gate = tensors["input_gate"], tensors["forget_gate"]  # (H,) each
        cell_candidate, output_gate = tensors["cell_candidate"], tensors["output_gate"]  # (H,) each
        gate_pre_activation_gradient = torch.cat(
            [
                input_gate_gradient * input_gate * (1 - input_gate),  # σ' = σ(1 - σ)
                forget_gate_gradient * forget_gate * (1 - forget_gate),
                cell_candidate_gradient * (1 - cell_candidate**2),  # tanh' = 1 - tanh²
                output_gate_gradient * output_gate * (1 - output_gate),
            ],
            dim=-1,
        )  # 4 x (H,) -> (4H,), blocks in the order i, f, g, o
        combined_gradient = gate_pre_activation_gradient @ weights.weight.T  # (4H,) @ (4H, E + H) -> (E + H,)
        through_forget_gate = cell_gradient * forget_gate  # (H,): what reaches c_{t-1} along the cell
        tensors.update(
            hidden_gradient_from_readout=from_readout,
            hidden_gradient_from_next_step=hidden_from_next_step,
            hidden_gradient=hidden_gradient,
            cell_gradient_from_hidden=cell_gradient_from_hidden,
            cell_gradient_from_next_step=cell_from_next_step,
            cell_gradient=cell_gradient,
            input_gate_gradient=input_gate_gradient,
            forget_gate_gradient=forget_gate_gradient,
            cell_candidate_gradient=cell_candidate_gradient,
            output_gate_gradient=output_gate_gradient,
            gate_pre_activation_gradient=gate_pre_activation_gradient,
            weight_gradient=tensors["combined"][:, None] * gate_pre_activation_gradient[None, :],  # (E + H, 4H)
            readout_weight_gradient=tensors["hidden"][:, None] * tensors["logit_gradient"][None, :],  # (H, V)
            cell_gradient_through_forget_gate=through_forget_gate,
        )
        hidden_from_next_step = combined_gradient[embedding_size:]  # (H,): the rows that multiplied h_{t-1}
        cell_from_next_step = through_forget_gate  # (H,)


_GRADIENT_OF = {
    "rnn": {
        "input_to_hidden": "input_to_hidden_gradient",  # (E, H)
        "hidden_to_hidden": "hidden_to_hidden_gradient",  # (H, H)
        "bias": "pre_activation_gradient",  # (H,): the bias is added at every step
    },
    "lstm": {"weight": "weight_gradient", "bias": "gate_pre_activation_gradient"},  # (E + H, 4H), (4H,)
}
"""Each model's weights, and the per-step tensor of the backward pass whose sum over the steps is its gradient."""

def _take_step(
    model: str,
    setup: Setup,
    weights: RNNWeights | LSTMWeights,
    readout: ReadoutWeights,
    learning_rate: float,
    max_norm: float | None,
) -> LearningStep:
    _check_options(setup, readout, learning_rate, max_norm)
    target_ids: list[int | None] = [*setup.token_ids[1:], None]  # step t predicts token t + 1
    steps, loss = _forward(model, setup, weights, readout, target_ids)
    {"rnn": rnn_backward, "lstm": lstm_backward}[model](steps, weights, readout)  # the hand-written backward pass

    def summed(name: str) -> torch.Tensor:  # a weight's gradient: the sum of its share from every step
        return torch.stack([tensors[name] for tensors in steps]).sum(dim=0)  # (T, ...) -> (...)

    # Each weight, and the per-step tensor whose sum over the steps is its gradient.
    before = {name: getattr(weights, name) for name in _GRADIENT_OF[model]}
    gradients = {name: summed(share) for name, share in _GRADIENT_OF[model].items()}
    before.update(readout_weight=readout.weight, readout_bias=readout.bias)  # (H, V), (V,)
    gradients.update(readout_weight=summed("readout_weight_gradient"), readout_bias=summed("logit_gradient"))

    gradient_norm, clip_scale, clipped = clip_gradients(gradients, max_norm)
    updated = {name: before[name] - learning_rate * clipped[name] for name in before}  # W - η ∂L/∂W

    new_weights = dataclasses.replace(weights, **{name: updated[name] for name in _GRADIENT_OF[model]})
    new_readout = ReadoutWeights(updated["readout_weight"], updated["readout_bias"])
    _, updated_loss = _forward(model, setup, new_weights, new_readout, target_ids)

    options = {"learning_rate": learning_rate, "max_norm": max_norm}
    trace = Trace(
        model=model,
        tokens=setup.tokens,
        steps=tuple(Step(index, token, tensors) for index, (token, tensors) in enumerate(zip(setup.tokens, steps))),
        weights=before,
        options=options,
    )
    vocabulary = setup.vocabulary.tokens
    return LearningStep(
        trace=trace,
        targets=tuple(None if target is None else vocabulary[target] for target in target_ids),
        loss=loss,
        gradients=gradients,
        gradient_norm=gradient_norm,
        clip_scale=clip_scale,
        clipped_gradients=clipped,
        updated_weights=updated,
        updated_loss=updated_loss,
        options=options,
    )


def rnn_learning_step(
    setup: Setup | None = None,
    *,
    readout: ReadoutWeights | None = None,
    learning_rate: float = LEARNING_RATE,
    max_norm: float | None = MAX_NORM,
) -> LearningStep:
    """Take one gradient step for the RNN with a next-token readout, keeping every tensor.

    Args:
        setup: The sequence and weights; by default [make_setup][seqdocs.make_setup]'s.
        readout: The readout; by default [make_readout][seqdocs.learning.make_readout]'s for this setup.
        learning_rate: The step size.
        max_norm: Clip the gradient of all weights to this joint norm; `None` not to clip.

    Returns:
        Every tensor of the step. Each step's tensors are `rnn_cell`'s, then the readout's (`logits`,
        `probabilities`, `target`, `token_loss`, `logit_gradient`), then the backward pass's (see
        [rnn_backward][seqdocs.learning.rnn_backward]).

    Raises:
        InputError: If the sequence has fewer than two tokens, the readout does not fit, or an option is
            not a positive number.

    Examples:
        >>> result = rnn_learning_step()
        >>> result.stacked("hidden_gradient").shape  # ∂L/∂h_t for every step
        torch.Size([3, 2])
        >>> bool(result.updated_loss < result.loss)
        True
    """
    setup = setup or make_setup()
    readout = readout if readout is not None else make_readout(setup)
    return _take_step("rnn", setup, setup.rnn, readout, learning_rate, max_norm)


def lstm_learning_step(
    setup: Setup | None = None,
    *,
    readout: ReadoutWeights | None = None,
    learning_rate: float = LEARNING_RATE,
    max_norm: float | None = MAX_NORM,
) -> LearningStep:
    """Take one gradient step for the LSTM with a next-token readout, keeping every tensor, gates included.

    Args:
        setup: The sequence and weights; by default [make_setup][seqdocs.make_setup]'s.
        readout: The readout; by default [make_readout][seqdocs.learning.make_readout]'s for this setup.
        learning_rate: The step size.
        max_norm: Clip the gradient of all weights to this joint norm; `None` not to clip.

    Returns:
        Every tensor of the step. Each step's tensors are `lstm_cell`'s, then the readout's, then the
        backward pass's (see [lstm_backward][seqdocs.learning.lstm_backward]).

    Raises:
        InputError: If the sequence has fewer than two tokens, the readout does not fit, or an option is
            not a positive number.

    Examples:
        >>> result = lstm_learning_step()
        >>> list(result.gradients)
        ['weight', 'bias', 'readout_weight', 'readout_bias']
    """
    setup = setup or make_setup()
    readout = readout if readout is not None else make_readout(setup)
    return _take_step("lstm", setup, setup.lstm, readout, learning_rate, max_norm)


def autograd_learning_step(
    setup: Setup | None = None,
    *,
    model: str = "rnn",
    readout: ReadoutWeights | None = None,
    learning_rate: float = LEARNING_RATE,
    max_norm: float | None = MAX_NORM,
) -> dict[str, torch.Tensor]:
    """The same step done by PyTorch alone: its cells, `F.cross_entropy`, autograd, `clip_grad_norm_`, SGD.

    Each step's cell gets a copy of the weights of its own, so that autograd reports every step's share of a
    weight's gradient separately; a second run with one set of weights gives the summed gradients, which
    `torch.nn.utils.clip_grad_norm_` clips and `torch.optim.SGD` applies.

    Args:
        setup: The sequence and weights; by default [make_setup][seqdocs.make_setup]'s.
        model: `"rnn"` (`torch.nn.RNNCell`) or `"lstm"` (`torch.nn.LSTMCell`).
        readout: The readout; by default [make_readout][seqdocs.learning.make_readout]'s.
        learning_rate: The step size.
        max_norm: The joint norm to clip to, or `None`.

    Returns:
        Tensors named as [LearningStep][seqdocs.LearningStep] names them: `loss`, `gradient_norm`,
        `updated_loss`, `gradients.<weight>`, `clipped_gradients.<weight>`, `updated_weights.<weight>`, and
        `steps.<name>` stacked over the steps for the per-step gradients autograd can see.

    Examples:
        >>> reference = autograd_learning_step(model="lstm")
        >>> reference["steps.cell_gradient"].shape
        torch.Size([3, 2])
    """
    model = check_choice("model", model, LEARNING_MODELS)
    setup = setup or make_setup()
    readout = readout if readout is not None else make_readout(setup)
    _check_options(setup, readout, learning_rate, max_norm)
    dtype = setup.embeddings.dtype
    hidden_size = getattr(setup, model).hidden_size
    cell = to_torch(model, getattr(setup, model), cell=True)  # nn.RNNCell or nn.LSTMCell, (out, in) layout
    # PyTorch has two biases; seqdocs one, so bias_hh is zero (see torch_tensors) and does not learn.
    cell.bias_hh.requires_grad_(False)
    linear = nn.Linear(hidden_size, len(setup.vocabulary), dtype=dtype)
    with torch.no_grad():
        linear.weight.copy_(readout.weight.T)  # (H, V) -> (V, H)
        linear.bias.copy_(readout.bias)
    parameters = [cell.weight_ih, cell.weight_hh, cell.bias_ih, linear.weight, linear.bias]
    inputs = setup.inputs[:, None, :]  # (T, 1, E): a batch of one
    targets = torch.tensor(setup.token_ids[1:])  # (T - 1,)

    def run(per_step_weights: bool) -> tuple[torch.Tensor, dict[str, list]]:
        """The forward pass and the loss; with autograd on, every state and logit keeps its gradient."""
        seen: dict[str, list[torch.Tensor]] = {"hidden": [], "cell": [], "logits": [], "weights": []}
        hidden = inputs.new_zeros(1, hidden_size)  # (1, H)
        state = (hidden, torch.zeros_like(hidden)) if model == "lstm" else hidden
        logits = []
        for token_vector in inputs:  # each (1, E)
            if per_step_weights:
                copies = {
                    name: parameter.detach().clone().requires_grad_(parameter.requires_grad)
                    for name, parameter in cell.named_parameters()
                }
                seen["weights"].append(copies)
                state = torch.func.functional_call(cell, copies, (token_vector, state))
            else:
                state = cell(token_vector, state)
            hidden = state[0] if model == "lstm" else state  # (1, H)
            step_logits = linear(hidden)  # (1, V)
            kept = {"hidden": hidden, "logits": step_logits, **({"cell": state[1]} if model == "lstm" else {})}
            for name, tensor in kept.items():
                if tensor.requires_grad:
                    tensor.retain_grad()  # a state's .grad: the gradient from everything that used it
                seen[name].append(tensor)
            logits.append(step_logits)
        loss = F.cross_entropy(torch.cat(logits[:-1]), targets)  # mean over the T - 1 predictions
        return loss, seen

    # Run 1: a copy of the weights per step, so that autograd keeps each step's share apart.
    loss, seen = run(per_step_weights=True)
    loss.backward()

    def gradient(tensor: torch.Tensor) -> torch.Tensor:  # None where nothing later used the tensor: zero
        return tensor.grad if tensor.grad is not None else torch.zeros_like(tensor)

    result: dict[str, torch.Tensor] = {
        "steps.hidden_gradient": torch.cat([gradient(hidden) for hidden in seen["hidden"]]),  # (T, H)
        "steps.logit_gradient": torch.cat([gradient(logits) for logits in seen["logits"]]),  # (T, V)
    }
    shares = seen["weights"]
    if model == "rnn":
        input_shares = [gradient(w["weight_ih"]).T for w in shares]  # T x (E, H)
        hidden_shares = [gradient(w["weight_hh"]).T for w in shares]  # T x (H, H)
        result["steps.input_to_hidden_gradient"] = torch.stack(input_shares)  # (T, E, H)
        result["steps.hidden_to_hidden_gradient"] = torch.stack(hidden_shares)  # (T, H, H)
        result["steps.pre_activation_gradient"] = torch.stack([gradient(w["bias_ih"]) for w in shares])  # (T, H)
    else:
        result["steps.cell_gradient"] = torch.cat([gradient(cell_state) for cell_state in seen["cell"]])  # (T, H)
        result["steps.weight_gradient"] = torch.stack(
            [torch.cat([gradient(w["weight_ih"]).T, gradient(w["weight_hh"]).T]) for w in shares]
        )  # (T, E + H, 4H)
        result["steps.gate_pre_activation_gradient"] = torch.stack([gradient(w["bias_ih"]) for w in shares])  # (T, 4H)

    # Run 2: one set of weights, as training would; then PyTorch's own clipping and update.
    linear.zero_grad(set_to_none=True)  # run 1 used the readout's own weights and left its gradient there
    loss, _ = run(per_step_weights=False)
    loss.backward()
    result["loss"] = loss.detach()

    def ours(weight_ih: torch.Tensor, weight_hh: torch.Tensor, bias: torch.Tensor) -> dict[str, torch.Tensor]:
        """PyTorch's (out, in) tensors in seqdocs's names and (in, out) layout."""
        if model == "rnn":
            named = {"input_to_hidden": weight_ih.T, "hidden_to_hidden": weight_hh.T, "bias": bias}
        else:
            named = {"weight": torch.cat([weight_ih.T, weight_hh.T]), "bias": bias}
        return {**named, "readout_weight": linear.weight.T, "readout_bias": linear.bias}

    gradients = ours(cell.weight_ih.grad, cell.weight_hh.grad, cell.bias_ih.grad)
    gradients.update(readout_weight=linear.weight.grad.T, readout_bias=linear.bias.grad)
    result.update({f"gradients.{name}": gradient.clone() for name, gradient in gradients.items()})
    if max_norm is not None:
        result["gradient_norm"] = nn.utils.clip_grad_norm_(parameters, max_norm)
    else:
        result["gradient_norm"] = nn.utils.get_total_norm([parameter.grad for parameter in parameters])
    clipped = ours(cell.weight_ih.grad, cell.weight_hh.grad, cell.bias_ih.grad)
    clipped.update(readout_weight=linear.weight.grad.T, readout_bias=linear.bias.grad)
    result.update({f"clipped_gradients.{name}": gradient.clone() for name, gradient in clipped.items()})
    torch.optim.SGD(parameters, lr=learning_rate).step()
    with torch.no_grad():
        updated = ours(cell.weight_ih, cell.weight_hh, cell.bias_ih)
        result.update({f"updated_weights.{name}": weight.clone() for name, weight in updated.items()})
        result["updated_loss"], _ = run(per_step_weights=False)
    return {name: tensor.detach() for name, tensor in result.items()}


def learning_step(
    setup: Setup | None = None,
    *,
    model: str = "rnn",
    readout: ReadoutWeights | None = None,
    learning_rate: float = LEARNING_RATE,
    max_norm: float | None = MAX_NORM,
) -> LearningStep:
    """[rnn_learning_step][seqdocs.learning.rnn_learning_step] or [lstm_learning_step][seqdocs.learning.lstm_learning_step] by name.

    Examples:
        >>> learning_step(model="lstm").trace.model
        'lstm'
    """
    model = check_choice("model", model, LEARNING_MODELS)
    return {"rnn": rnn_learning_step, "lstm": lstm_learning_step}[model](setup, readout=readout, learning_rate=learning_rate, max_norm=max_norm)


def learning_differences(ours: LearningStep, theirs: dict[str, torch.Tensor]) -> dict[str, float]:
    """How far each tensor of a learning step is from autograd's, relative to the size of the numbers involved.

    Every gradient is a sum of products of the numbers in this pass, and float32 rounds each term, so a
    gradient that cancels to a small value still carries the rounding of its large terms: each difference is
    divided by the largest number autograd computed (at least 1). The gradient norm is a sum of the squares of
    all n gradient entries, whose rounding grows about like the square root of n: its difference is also divided
    by that square root.

    Args:
        ours: The step computed by hand, [learning_step][seqdocs.learning_step]'s result.
        theirs: The same step from [autograd_learning_step][seqdocs.learning.autograd_learning_step].

    Returns:
        Each name autograd gives, with its scaled largest difference.
    """
    scale = max(1.0, *(float(tensor.abs().max()) for tensor in theirs.values() if tensor.numel()))
    entries = sum(gradient.numel() for gradient in ours.gradients.values())
    differences = {}
    for name, expected in theirs.items():
        kind, _, key = name.partition(".")
        if kind == "steps":
            actual = ours.stacked(key)
        elif key:
            actual = getattr(ours, kind)[key]
        else:
            actual = getattr(ours, kind)
        bound = scale * math.sqrt(entries) if name == "gradient_norm" else scale
        differences[name] = relative_error(actual, expected, bound)
    return differences


def check_learning_step(
    setup: Setup | None = None,
    *,
    model: str = "rnn",
    readout: ReadoutWeights | None = None,
    learning_rate: float = LEARNING_RATE,
    max_norm: float | None = MAX_NORM,
) -> Check:
    """Compare the hand-made learning step with [autograd_learning_step][seqdocs.learning.autograd_learning_step].

    Compared: the loss; every step's gradient of the hidden state (and of the cell, for the LSTM), of the
    logits, of the pre-activations, and its share of each weight's gradient; the summed gradients; their joint
    norm; the clipped gradients; the updated weights; and the loss after the update. Differences are relative
    to the size of each tensor, as in the checks of the traced models (`seqdocs.reference`).

    Args:
        setup: The sequence and weights; by default [make_setup][seqdocs.make_setup]'s.
        model: `"rnn"` or `"lstm"`.
        readout: The readout; by default [make_readout][seqdocs.learning.make_readout]'s.
        learning_rate: The step size.
        max_norm: The joint norm to clip to, or `None`.

    Returns:
        The comparison, with the largest difference over all of these tensors.

    Examples:
        >>> print(check_learning_step(model="lstm").reference)
        torch.autograd (torch.nn.LSTMCell, F.cross_entropy, clip_grad_norm_, torch.optim.SGD)
    """
    model = check_choice("model", model, LEARNING_MODELS)
    setup = setup or make_setup()
    options = {"readout": readout, "learning_rate": learning_rate, "max_norm": max_norm}
    ours = learning_step(setup, model=model, **options)
    theirs = autograd_learning_step(setup, model=model, **options)
    differences = learning_differences(ours, theirs)
    dtype = setup.embeddings.dtype
    cell_name = MODELS[model].torch_cell.__name__  # RNNCell or LSTMCell
    return Check(
        model=f"{model} learning step",
        reference=f"torch.autograd (torch.nn.{cell_name}, F.cross_entropy, clip_grad_norm_, torch.optim.SGD)",
        dtype=str(dtype).removeprefix("torch."),
        tolerance=TOLERANCE[dtype],
        max_error=max(differences.values()),
        compared="loss, every step's gradients, summed, clipped and updated weights, loss after",
    )
