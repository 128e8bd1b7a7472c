"""The decision rules that pick a page's comparative sentences, fed made-up results on both sides of the rule."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seqdocs.errors import InputError
from seqdocs.experiments.evidence import compare_medians, compare_rates, median_difference_interval, wilson_interval


def test_wilson_interval_matches_the_formula_computed_by_hand():
    # 8 of 10 at 95 %: z = 1.959964; centre (0.8 + z²/20) / (1 + z²/10) = 0.7167...,
    # half-width z·sqrt(0.016 + z²/400) / (1 + z²/10) = 0.2265...: the textbook's [0.4902, 0.9433].
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_holds_the_observed_rate_and_stays_in_0_1(counts):
    successes, trials = counts
    low, high = wilson_interval(successes, trials)
    assert 0.0 <= low <= successes / trials <= high <= 1.0


def test_rates_separate_only_when_the_intervals_do():
    assert compare_rates(20, 20, 5, 20).verdict == "higher"
    assert compare_rates(5, 20, 20, 20).verdict == "lower"
    # 19/20 against 11/20, the memory task's attention at N = 4 and N = 32 in one rerun: Wilson intervals
    # [0.76, 0.99] and [0.34, 0.74] do not overlap.
    assert compare_rates(19, 20, 11, 20).verdict == "higher"
    # 5/5 against 3/5: far apart as rates, but five seeds cannot separate them.
    assert compare_rates(5, 5, 3, 5).verdict == "unclear"
    assert not compare_rates(12, 20, 10, 20).clear


def test_medians_separate_only_when_the_bootstrap_interval_excludes_zero():
    far_apart = compare_medians([0.30, 0.31, 0.29, 0.33, 0.30, 0.28], [0.05, 0.04, 0.06, 0.05, 0.05, 0.047])
    assert far_apart.verdict == "higher"
    assert far_apart.a_interval[0] > 0
    assert compare_medians([0.05, 0.04, 0.06], [0.30, 0.31, 0.29]).verdict == "lower"
    overlapping = compare_medians([0.0579, 0.03, 0.09, 0.05, 0.07], [0.0588, 0.04, 0.08, 0.06, 0.05])
    assert overlapping.verdict == "unclear"
    assert overlapping.a_interval[0] < 0 < overlapping.a_interval[1]


def test_the_bootstrap_is_reproducible_and_brackets_the_observed_difference():
    a, b = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0], [2.0, 7.0, 1.0, 8.0, 2.0, 8.0, 1.0]
    assert median_difference_interval(a, b) == median_difference_interval(a, b)
    low, high = median_difference_interval(a, b)
    assert low <= 3.0 - 2.0 <= high


@pytest.mark.parametrize(
    "call",
    [
        lambda: wilson_interval(3, 2),
        lambda: wilson_interval(0, 0),
        lambda: compare_rates(1, 2, 1, 2, confidence=1.5),
        lambda: median_difference_interval([1.0], [1.0, 2.0]),
        lambda: median_difference_interval([1.0, math.nan], [1.0, 2.0]),
    ],
)
def test_bad_input_gets_a_clear_error(call):
    with pytest.raises(InputError):
        call()
