r"""Train several seeds of a model at once, as if each were trained alone.

The parameters of S models are stacked along a leading dimension (see
[init_memory_model][seqdocs.experiments.init_memory_model]). One loss, the sum of the S models' losses, gives every slice
exactly its own model's gradient, because a model's loss does not depend on any other model's slice:

$$
\frac{\partial}{\partial \theta_s} \sum_{r=1}^{S} L_r(\theta_r) = \frac{\partial L_s}{\partial \theta_s}.
$$

Adam updates each number from its own gradient history only, so one optimizer over the stacked tensors makes
the same updates as S optimizers. The one step that would mix the seeds is gradient clipping:
`torch.nn.utils.clip_grad_norm_` measures the norm of *all* gradients together, so one seed with a large
gradient would shrink every seed's step. [clip_grad_norm_per_seed][seqdocs.experiments.clip_grad_norm_per_seed] measures
and scales each seed's gradient on its own instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .._checks import check_choice, check_seeds, check_whole
from ..errors import InputError
from .evidence import Comparison, compare_rates
from .memory_task import (
    MAX_DISTRACTORS,
    MAX_SEED,
    MEMORY_MODELS,
    MemoryConfig,
    init_memory_model,
    memory_model_logits,
    memory_task_batch,
    seed_generators,
)

MEMORY_SEEDS = tuple(range(20))
"""The seeds each model is trained with unless others are given: 20, enough that a difference in how many seeds
solved the task can show as two separate Wilson intervals (20 of 20 against 10 of 20 does; 5 of 5 against 2 of 5
does not)."""

SOLVED_ACCURACY = 0.95
"""A seed has solved the task at a length if it answers at least this share of the held-out sequences."""

OPTIMIZER = torch.optim.Adam
"""The optimizer every model is trained with, with PyTorch's default betas and eps."""


def clip_grad_norm_per_seed(parameters: Iterable[torch.Tensor], max_norm: float) -> torch.Tensor:
    r"""Scale each seed's gradient down so that its norm is at most `max_norm`, in place.

    Seed s's gradient norm is taken over slice s of every parameter, $\sqrt{\sum_p \lVert \nabla_{p_s} \rVert^2}$,
    and its slices are multiplied by $\min(1, \text{max\_norm} / (\text{norm} + 10^{-6}))$, the rule of
    `torch.nn.utils.clip_grad_norm_` applied to each seed alone.

    Args:
        parameters: Tensors whose first dimension is the seed, with `.grad` filled in by `backward()`.
        max_norm: The largest norm a seed's gradient may keep.

    Returns:
        (S,) each seed's gradient norm before clipping.

    Raises:
        InputError: If no parameter has a gradient, or `max_norm` is not positive.

    Examples:
        >>> import torch
        >>> weight = torch.zeros(2, 3, requires_grad=True)
        >>> weight.grad = torch.tensor([[3.0, 4.0, 0.0], [0.3, 0.4, 0.0]])  # norms 5 and 0.5
        >>> clip_grad_norm_per_seed([weight], max_norm=1.0)
        tensor([5.0000, 0.5000])
        >>> weight.grad  # the first seed scaled to norm 1, the second left alone
        tensor([[0.6000, 0.8000, 0.0000],
                [0.3000, 0.4000, 0.0000]])
    """
    if not max_norm > 0:
        raise InputError(f"max_norm must be positive, got {max_norm}")
    gradients = [parameter.grad for parameter in parameters if parameter.grad is not None]
    if not gradients:
        raise InputError("no parameter has a gradient: call loss.backward() before clipping")
    squared = sum(gradient.flatten(1).square().sum(dim=1) for gradient in gradients)  # (S,)
    norms = squared.sqrt()  # (S,)
    scale = (max_norm / (norms + 1e-6)).clamp(max=1.0)  # (S,): 1 where the norm is already small enough
    for gradient in gradients:
        gradient.mul_(scale.view(-1, *[1] * (gradient.dim() - 1)))  # (S, ...) * (S, 1, ...)
    return norms


@dataclass(frozen=True)
class MemoryRun:
    """One model trained on the memory task with several seeds, and how it did.

    Attributes:
        model: Which model, one of [MEMORY_MODELS][seqdocs.experiments.MEMORY_MODELS].
        num_distractors: N, the distractors between the symbol and the query.
        seeds: The seeds, one per stacked model.
        config: The settings it was trained with.
        parameters: The trained parameters, stacked over seeds (S, ...).
        losses: (steps, S) each seed's training loss at each step, before that step's update.
        train_accuracy: (steps, S) the fraction of each seed's training batch answered right, before the update.
        gradient_norms: (steps, S) each seed's gradient norm before clipping.
        test_accuracy: (S,) each seed's accuracy on the held-out sequences after training.

    Examples:
        >>> run = train_memory_model("rnn", 2, seeds=(0, 1), config=MemoryConfig(steps=3, test_size=10))
        >>> run.losses.shape, run.test_accuracy.shape
        (torch.Size([3, 2]), torch.Size([2]))
    """

    model: str
    num_distractors: int
    seeds: tuple[int, ...]
    config: MemoryConfig
    parameters: dict[str, torch.Tensor]
    losses: torch.Tensor
    train_accuracy: torch.Tensor
    gradient_norms: torch.Tensor
    test_accuracy: torch.Tensor

    @property
    def median_test_accuracy(self) -> float:
        """The median over seeds of the held-out accuracy (the lower middle value for an even count)."""
        return self.test_accuracy.median().item()

    @property
    def solved_seeds(self) -> int:
        """How many seeds reached [SOLVED_ACCURACY][seqdocs.experiments.SOLVED_ACCURACY] on the held-out sequences."""
        return int((self.test_accuracy >= SOLVED_ACCURACY).sum())

    @property
    def clipped_fraction(self) -> float:
        """The fraction of (step, seed) updates whose gradient was scaled down by clipping."""
        return (self.gradient_norms > self.config.max_grad_norm).float().mean().item()


def memory_test_set(num_distractors: int, config: MemoryConfig | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The held-out sequences every model is scored on, drawn from `config.test_seed` apart from any training batch.

    Drawn apart is not the same as never seen: with few distractors there are few distinct sequences, and a
    training run may draw the same one ([chance_seen_in_training][seqdocs.experiments.chance_seen_in_training] says how
    likely that is).

    Args:
        num_distractors: N.
        config: The settings; [MemoryConfig][seqdocs.experiments.MemoryConfig]'s defaults if not given.

    Returns:
        `tokens` (test_size, N + 2) and `targets` (test_size,).

    Examples:
        >>> tokens, targets = memory_test_set(10, MemoryConfig(test_size=4))
        >>> tokens.shape
        torch.Size([4, 12])
    """
    config = config or MemoryConfig()
    generator = torch.Generator().manual_seed(config.test_seed)
    return memory_task_batch(num_distractors, config.test_size, generator, config)


def chance_seen_in_training(num_distractors: int, config: MemoryConfig | None = None) -> float:
    r"""The probability that a given held-out sequence also turned up among one seed's training sequences.

    There are $K D^N$ distinct sequences ($K^{N+1}$ in the `"position"` variant, whose distractors are drawn
    from the $K$ symbols), all equally likely, and a seed trains on `steps * batch_size` of them, drawn
    independently, so the probability is $1 - (1 - 1/(K D^N))^{\text{steps} \cdot B}$.

    Args:
        num_distractors: N.
        config: The settings; [MemoryConfig][seqdocs.experiments.MemoryConfig]'s defaults if not given.

    Returns:
        The probability, from 0 to 1.

    Examples:
        >>> chance_seen_in_training(0, MemoryConfig(num_symbols=2, steps=1, batch_size=1))  # 2 sequences, 1 draw
        0.5
    """
    config = config or MemoryConfig()
    num_distractors = check_whole("num_distractors", num_distractors, 0, MAX_DISTRACTORS)
    low, high = config.distractor_ids
    distinct = config.num_symbols * (high - low) ** num_distractors  # a Python int, never overflows
    draws = config.steps * config.batch_size
    # log1p keeps the answer accurate when 1/distinct is far below float precision.
    return -math.expm1(draws * math.log1p(-1 / distinct))


def evaluate_memory_model(
    model: str, parameters: dict[str, torch.Tensor], num_distractors: int, config: MemoryConfig | None = None
) -> torch.Tensor:
    """Each seed's accuracy on the held-out sequences of [memory_test_set][seqdocs.experiments.memory_test_set].

    Args:
        model: One of [MEMORY_MODELS][seqdocs.experiments.MEMORY_MODELS].
        parameters: Stacked over S seeds.
        num_distractors: N, the length the model is scored at.
        config: The settings; [MemoryConfig][seqdocs.experiments.MemoryConfig]'s defaults if not given.

    Returns:
        (S,) the fraction of held-out sequences each seed answers right.

    Examples:
        >>> import torch
        >>> from seqdocs.experiments import init_memory_model
        >>> parameters = init_memory_model("gru", 3, [torch.Generator().manual_seed(0)])
        >>> evaluate_memory_model("gru", parameters, 3).shape
        torch.Size([1])
    """
    config = config or MemoryConfig()
    tokens, targets = memory_test_set(num_distractors, config)  # (N_test, T), (N_test,)
    with torch.no_grad():
        logits = memory_model_logits(model, parameters, tokens, config)  # (S, N_test, K)
    return (logits.argmax(dim=-1) == targets).float().mean(dim=1)  # (S,)


def train_memory_model(
    model: str, num_distractors: int, seeds: Iterable[int] = MEMORY_SEEDS, config: MemoryConfig | None = None
) -> MemoryRun:
    """Train one model per seed on the memory task, all seeds at once, then score each on held-out sequences.

    Every step draws a fresh batch per seed (from that seed's own generator, see
    [seed_generators][seqdocs.experiments.seed_generators]), takes the cross-entropy of the answer at the query, clips each
    seed's gradient on its own ([clip_grad_norm_per_seed][seqdocs.experiments.clip_grad_norm_per_seed]) and takes an Adam
    step. The result for a seed is the same, number for number, whichever other seeds train beside it.

    Args:
        model: One of [MEMORY_MODELS][seqdocs.experiments.MEMORY_MODELS].
        num_distractors: N, how many distractors stand between the symbol and the query.
        seeds: One model is trained per seed.
        config: The settings; [MemoryConfig][seqdocs.experiments.MemoryConfig]'s defaults if not given.

    Returns:
        The trained models, their training curves and their held-out accuracy.

    Raises:
        InputError: If the model is unknown, a value is out of range or the seeds repeat.

    Examples:
        >>> run = train_memory_model("lstm", 0, seeds=(0, 1, 2), config=MemoryConfig(steps=60, test_size=200))
        >>> bool((run.test_accuracy > run.config.chance).all())  # with no distractors, easily above 1/8
        True
    """
    config = config or MemoryConfig()
    if not isinstance(config, MemoryConfig):
        raise InputError(f"config must be a MemoryConfig, got {type(config).__name__}")
    model = check_choice("model", model, MEMORY_MODELS)
    num_distractors = check_whole("num_distractors", num_distractors, 0, MAX_DISTRACTORS)
    seeds = check_seeds(seeds, highest=MAX_SEED)
    weight_generators, data_generators = seed_generators(seeds)
    parameters = {
        name: tensor.requires_grad_()
        for name, tensor in init_memory_model(model, num_distractors, weight_generators, config).items()
    }
    optimizer = OPTIMIZER(parameters.values(), lr=config.learning_rate)
    losses, accuracies, norms = [], [], []
    for _ in range(config.steps):
        batches = [
            memory_task_batch(num_distractors, config.batch_size, generator, config) for generator in data_generators
        ]
        tokens = torch.stack([tokens for tokens, _ in batches])  # (S, B, T)
        targets = torch.stack([targets for _, targets in batches])  # (S, B)
        logits = memory_model_logits(model, parameters, tokens, config)  # (S, B, K)
        loss_per_seed = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none").mean(dim=1)  # (S,)
        optimizer.zero_grad()
        loss_per_seed.sum().backward()  # the seeds share no parameter: each slice gets its own seed's gradient
        norms.append(clip_grad_norm_per_seed(parameters.values(), config.max_grad_norm))
        optimizer.step()
        losses.append(loss_per_seed.detach())
        accuracies.append((logits.detach().argmax(dim=-1) == targets).float().mean(dim=1))  # (S,)
    trained = {name: tensor.detach() for name, tensor in parameters.items()}
    return MemoryRun(
        model=model,
        num_distractors=num_distractors,
        seeds=seeds,
        config=config,
        parameters=trained,
        losses=torch.stack(losses),
        train_accuracy=torch.stack(accuracies),
        gradient_norms=torch.stack(norms),
        test_accuracy=evaluate_memory_model(model, trained, num_distractors, config),
    )



def above_chance_accuracy(config: MemoryConfig | None = None, p_value: float = 0.001) -> float:
    """The lowest held-out accuracy that guessing reaches with probability below `p_value`.

    A model that guesses answers each held-out sequence right with probability 1/K, so its number of right
    answers out of `test_size` follows a binomial distribution. An accuracy at or above the value returned is
    evidence that the model learned something; below it, the model may as well have guessed.

    Args:
        config: The number of symbols and of held-out sequences; [MemoryConfig][seqdocs.experiments.MemoryConfig]'s
            defaults if not given.
        p_value: How unlikely the accuracy must be for a guesser.

    Returns:
        The accuracy, a multiple of 1 / test_size.

    Raises:
        InputError: If `p_value` is not between 0 and 1.

    Examples:
        >>> above_chance_accuracy(MemoryConfig(num_symbols=2, test_size=10))  # 9 or 10 heads: p = 11/1024
        1.0
        >>> above_chance_accuracy(MemoryConfig(num_symbols=2, test_size=10), p_value=0.05)  # 9 or more: p = 0.0107
        0.9
    """
    config = config or MemoryConfig()
    if not 0 < p_value < 1:
        raise InputError(f"p_value must be between 0 and 1, got {p_value}")
    trials = config.test_size
    counts = torch.arange(trials + 1, dtype=torch.float64)  # (n + 1,)
    guessing = torch.distributions.Binomial(trials, probs=torch.tensor(config.chance, dtype=torch.float64))
    probabilities = guessing.log_prob(counts).exp()  # (n + 1,) P(exactly k right)
    at_least = probabilities.flip(0).cumsum(0).flip(0)  # (n + 1,) P(k or more right)
    first = int((at_least < p_value).nonzero()[0])  # the smallest count a guesser rarely reaches
    return first / trials


def longest_remembered(runs: Iterable[MemoryRun], model: str) -> int | None:
    """The longest gap at which a model's median seed solved the task, if it solved it at every shorter gap too.

    Args:
        runs: Runs of one or more models at several numbers of distractors.
        model: Which model to look at.

    Returns:
        The largest N such that the median seed reached [SOLVED_ACCURACY][seqdocs.experiments.SOLVED_ACCURACY] at N and at
        every smaller N tried; `None` if it failed at the shortest.

    Examples:
        >>> config = MemoryConfig(steps=1, test_size=10)
        >>> runs = [train_memory_model("rnn", n, seeds=(0,), config=config) for n in (1, 2)]
        >>> longest_remembered(runs, "rnn") is None  # one step of training solves nothing
        True
    """
    model = check_choice("model", model, MEMORY_MODELS)
    longest = None
    for run in sorted((run for run in runs if run.model == model), key=lambda run: run.num_distractors):
        if run.median_test_accuracy < SOLVED_ACCURACY:
            break
        longest = run.num_distractors
    return longest


def compare_solved(a: MemoryRun, b: MemoryRun) -> Comparison:
    """Did clearly more of A's seeds solve the task than B's? The Wilson rule of `seqdocs.experiments.evidence.compare_rates`.

    A seed has solved the task if its held-out accuracy is at least [SOLVED_ACCURACY][seqdocs.experiments.SOLVED_ACCURACY].
    The verdict is `"higher"` or `"lower"` only when the two 95 % Wilson intervals of the solve rates do not
    overlap, and `"unclear"` otherwise.

    Args:
        a: One run (one model, one gap, several seeds).
        b: Another.

    Returns:
        The comparison of A's solve rate against B's.

    Examples:
        >>> config = MemoryConfig(steps=1, test_size=10)
        >>> run = train_memory_model("rnn", 1, seeds=(0, 1), config=config)
        >>> compare_solved(run, run).verdict  # a run against itself is never clearly different
        'unclear'
    """
    return compare_rates(a.solved_seeds, len(a.seeds), b.solved_seeds, len(b.seeds))


VERDICTS_OVER_GAPS = ("higher", "lower", "mixed", "unclear")
"""What [overall_verdict][seqdocs.experiments.overall_verdict] can say of A against B over several gaps."""


def overall_verdict(comparisons: Iterable[Comparison]) -> str:
    """Sum up comparisons of A against B at several gaps in one verdict.

    Args:
        comparisons: One `seqdocs.experiments.evidence.Comparison` per gap.

    Returns:
        `"higher"` if A was clearly ahead at some gap and clearly behind at none; `"lower"` the other way round;
        `"mixed"` if each was clearly ahead somewhere; `"unclear"` if no gap separated them.

    Examples:
        >>> from seqdocs.experiments.evidence import compare_rates
        >>> overall_verdict([compare_rates(20, 20, 20, 20), compare_rates(20, 20, 2, 20)])
        'higher'
        >>> overall_verdict([compare_rates(12, 20, 10, 20)])
        'unclear'
    """
    verdicts = {comparison.verdict for comparison in comparisons}
    if {"higher", "lower"} <= verdicts:
        return "mixed"
    if "higher" in verdicts:
        return "higher"
    if "lower" in verdicts:
        return "lower"
    return "unclear"


def compare_by_gap(runs: Iterable[MemoryRun], a: str, b: str) -> dict[int, Comparison]:
    """Model A's solve rate against model B's at every gap both were trained at.

    Each gap's comparison is [compare_solved][seqdocs.experiments.compare_solved]'s.

    Args:
        runs: Runs of one variant of the task, at one or more gaps.
        a: A model's name.
        b: Another model's name.

    Returns:
        The comparison at each gap, in order of the gap.

    Examples:
        >>> config = MemoryConfig(steps=1, test_size=10)
        >>> runs = [train_memory_model(model, 2, seeds=(0,), config=config) for model in ("rnn", "gru")]
        >>> list(compare_by_gap(runs, "gru", "rnn"))
        [2]
    """
    a, b = check_choice("model", a, MEMORY_MODELS), check_choice("model", b, MEMORY_MODELS)
    by_key = {(run.model, run.num_distractors): run for run in runs}
    gaps = sorted({gap for model, gap in by_key if model == a} & {gap for model, gap in by_key if model == b})
    return {gap: compare_solved(by_key[a, gap], by_key[b, gap]) for gap in gaps}


def first_clear_drop(runs: Iterable[MemoryRun], model: str) -> tuple[int | None, dict[int, Comparison]]:
    """The shortest gap at which clearly fewer seeds solved the task than at the shortest gap tried.

    This is how a page can test "distance does not matter to this model" and let the result contradict it:
    each longer gap's solve rate is compared with the shortest gap's by [compare_solved][seqdocs.experiments.compare_solved].

    Args:
        runs: Runs of one variant of the task, at two or more gaps.
        model: Which model to look at.

    Returns:
        The first gap whose solve rate is clearly lower than the shortest gap's (`None` if there is none), and
        each longer gap's comparison against the shortest, by gap.

    Raises:
        InputError: If the model was trained at fewer than two gaps.

    Examples:
        >>> config = MemoryConfig(steps=1, test_size=10)
        >>> runs = [train_memory_model("rnn", gap, seeds=(0, 1), config=config) for gap in (1, 2)]
        >>> first_clear_drop(runs, "rnn")[0] is None  # two seeds cannot separate two rates
        True
    """
    model = check_choice("model", model, MEMORY_MODELS)
    ordered = sorted((run for run in runs if run.model == model), key=lambda run: run.num_distractors)
    if len(ordered) < 2:
        raise InputError(f"the {model} was trained at {len(ordered)} gap(s): a drop needs at least two")
    shortest = ordered[0]
    comparisons = {run.num_distractors: compare_solved(run, shortest) for run in ordered[1:]}
    drops = [gap for gap, comparison in comparisons.items() if comparison.verdict == "lower"]
    return (drops[0] if drops else None), comparisons
