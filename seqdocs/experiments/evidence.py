r"""Decide what per-seed results say: which of two models does better, or that this budget cannot tell.

A page that ranks two models does not read the ranking off one lucky seed, nor off two medians that differ in
the third digit. It asks one of the two rules below, and writes "A beats B" only when the rule says so;
otherwise it writes that the two cannot be told apart at this budget. Both rules are conservative on purpose:
a wrong lesson is worse than a missing one.

**Rates** (how many seeds solved a task): each model's solve rate gets a Wilson score interval at 95 %
confidence,

$$
\frac{\hat p + \frac{z^2}{2n} \pm z \sqrt{\frac{\hat p (1 - \hat p)}{n} + \frac{z^2}{4n^2}}}{1 + \frac{z^2}{n}},
\qquad z = 1.96,
$$

and A's rate is called higher only when A's whole interval lies above B's. Unlike the textbook
$\hat p \pm z\sqrt{\hat p(1-\hat p)/n}$, the Wilson interval stays inside $[0, 1]$ and is not empty at 0 or
$n$ successes out of $n$.

**Values** (one number per seed, such as a gradient norm): a percentile bootstrap interval at 95 %
confidence for the difference of the two medians, from a fixed number of resamples drawn with a fixed seed (so
the same results always give the same verdict). A's median is called larger only when the whole interval lies
above zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import torch

from .._checks import check_whole
from ..errors import InputError, InputTypeError

CONFIDENCE = 0.95
"""The confidence of every interval the rules use."""

BOOTSTRAP_RESAMPLES = 10_000
"""How many resamples the bootstrap draws: enough that the interval's ends move by well under its width."""

BOOTSTRAP_SEED = 0
"""The bootstrap's own seed: the same results always give the same interval."""

VERDICTS = ("higher", "lower", "unclear")
"""What a comparison can say of A against B."""


@dataclass(frozen=True)
class Comparison:
    """What a rule says of A against B, with the intervals it based that on.

    Attributes:
        verdict: `"higher"` (A above B), `"lower"` (A below B) or `"unclear"` (the intervals overlap).
        a_interval: For rates, A's interval; for values, the interval of median(A) - median(B).
        b_interval: For rates, B's interval; for values, `None`.
        rule: The rule's name, `"wilson"` or `"bootstrap median difference"`.
    """

    verdict: str
    a_interval: tuple[float, float]
    b_interval: tuple[float, float] | None
    rule: str

    @property
    def clear(self) -> bool:
        """True when the rule separates A from B, either way."""
        return self.verdict != "unclear"


def wilson_interval(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval for a rate of `successes` out of `trials`.

    Args:
        successes: How many seeds succeeded, 0 to `trials`.
        trials: How many seeds there were, at least 1.
        confidence: The interval's confidence, between 0 and 1.

    Returns:
        The interval's low and high ends, both within [0, 1].

    Raises:
        InputError: If the counts or the confidence are out of range.

    Examples:
        >>> low, high = wilson_interval(19, 20)
        >>> round(low, 3), round(high, 3)
        (0.764, 0.991)
        >>> wilson_interval(0, 5)[0]
        0.0
    """
    trials = check_whole("trials", trials, 1, 10**9)
    successes = check_whole("successes", successes, 0, trials)
    z = _z(confidence)
    rate = successes / trials
    centre = rate + z * z / (2 * trials)
    spread = z * (rate * (1 - rate) / trials + z * z / (4 * trials * trials)) ** 0.5
    scale = 1 + z * z / trials
    # At 0 or n successes the end is exactly 0 or 1 in exact arithmetic; rounding would leave 3e-17.
    low = 0.0 if successes == 0 else (centre - spread) / scale
    high = 1.0 if successes == trials else (centre + spread) / scale
    return low, high


def compare_rates(
    a_successes: int, a_trials: int, b_successes: int, b_trials: int, confidence: float = CONFIDENCE
) -> Comparison:
    """Is A's success rate clearly above or below B's? Only if their Wilson intervals do not overlap.

    Args:
        a_successes: A's successes.
        a_trials: A's trials.
        b_successes: B's successes.
        b_trials: B's trials.
        confidence: Each interval's confidence.

    Returns:
        The comparison; its verdict is `"unclear"` whenever the intervals touch or overlap.

    Examples:
        >>> compare_rates(20, 20, 2, 20).verdict
        'higher'
        >>> compare_rates(15, 20, 10, 20).verdict  # 75 % against 50 %: not separated by 20 seeds each
        'unclear'
    """
    a_interval = wilson_interval(a_successes, a_trials, confidence)
    b_interval = wilson_interval(b_successes, b_trials, confidence)
    return Comparison(_separate(a_interval, b_interval), a_interval, b_interval, "wilson")


def median_difference_interval(
    a: Sequence[float] | torch.Tensor,
    b: Sequence[float] | torch.Tensor,
    confidence: float = CONFIDENCE,
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> tuple[float, float]:
    """A percentile bootstrap interval for median(A) - median(B), from independent per-seed values.

    Each resample draws len(A) values of A and len(B) values of B with replacement, from a generator seeded
    with [BOOTSTRAP_SEED][seqdocs.experiments.evidence.BOOTSTRAP_SEED], and takes the difference of their medians
    (`torch.median`: the lower of the two middle values for an even count).

    Args:
        a: A's values, one per seed (at least 2).
        b: B's values, one per seed (at least 2).
        confidence: The interval's confidence.
        resamples: How many resamples to draw.

    Returns:
        The interval's low and high ends.

    Raises:
        InputError: If either side has fewer than 2 values, or a value is not finite.

    Examples:
        >>> low, high = median_difference_interval([5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0])
        >>> low > 0
        True
    """
    a_values, b_values = _values("a", a), _values("b", b)
    resamples = check_whole("resamples", resamples, 100, 10**6)
    tail = (1 - _check_confidence(confidence)) / 2
    generator = torch.Generator().manual_seed(BOOTSTRAP_SEED)
    a_picks = torch.randint(len(a_values), (resamples, len(a_values)), generator=generator)  # (R, S_a)
    b_picks = torch.randint(len(b_values), (resamples, len(b_values)), generator=generator)  # (R, S_b)
    differences = a_values[a_picks].median(dim=1).values - b_values[b_picks].median(dim=1).values  # (R,)
    ends = torch.quantile(differences, torch.tensor([tail, 1 - tail], dtype=torch.float64))
    return float(ends[0]), float(ends[1])


def compare_medians(
    a: Sequence[float] | torch.Tensor, b: Sequence[float] | torch.Tensor, confidence: float = CONFIDENCE
) -> Comparison:
    """Is A's median clearly above or below B's? Only if the bootstrap interval of the difference excludes 0.

    Args:
        a: A's values, one per seed.
        b: B's values, one per seed.
        confidence: The interval's confidence.

    Returns:
        The comparison; `a_interval` holds the interval of median(A) - median(B).

    Examples:
        >>> compare_medians([0.30, 0.31, 0.29, 0.32, 0.30], [0.05, 0.04, 0.06, 0.05, 0.05]).verdict
        'higher'
        >>> compare_medians([0.0579, 0.03, 0.09, 0.05, 0.07], [0.0588, 0.04, 0.08, 0.06, 0.05]).verdict
        'unclear'
    """
    interval = median_difference_interval(a, b, confidence)
    return Comparison(_separate(interval, (0.0, 0.0)), interval, None, "bootstrap median difference")


def _separate(a: tuple[float, float], b: tuple[float, float]) -> str:
    if a[0] > b[1]:
        return "higher"
    if a[1] < b[0]:
        return "lower"
    return "unclear"


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(1 - (1 - _check_confidence(confidence)) / 2)


def _check_confidence(confidence: object) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
        raise InputTypeError(f"confidence must be a number between 0 and 1, got {confidence!r}")
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence}")
    return float(confidence)


def _values(name: str, values: object) -> torch.Tensor:
    try:
        tensor = torch.as_tensor(values, dtype=torch.float64).flatten()
    except (TypeError, ValueError, RuntimeError):
        raise InputTypeError(f"{name} must be a list of numbers, one per seed, got {values!r}") from None
    if len(tensor) < 2:
        raise InputError(f"{name} has {len(tensor)} value(s): a spread needs at least 2 seeds")
    if not torch.isfinite(tensor).all():
        raise InputError(f"{name} holds a value that is not finite: {tensor.tolist()}")
    return tensor
