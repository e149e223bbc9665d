"""The exact statistics behind the run chart rules, checked against brute-force enumeration."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations, product
from math import comb

import pytest

from services.measurement.analytics.stats import (
    anhoj_crossings_min,
    anhoj_longest_run_max,
    median,
    qbinom_half,
    runs_distribution,
    swed_eisenhart_limits,
)


def _qbinom_by_enumeration(p: Fraction, size: int) -> int:
    """Count the coin-toss sequences with at most x heads directly."""
    heads = [sum(seq) for seq in product((0, 1), repeat=size)]
    total = len(heads)
    for x in range(size + 1):
        if Fraction(sum(1 for h in heads if h <= x), total) >= p:
            return x
    return size


@pytest.mark.parametrize("size", range(0, 15))
def test_qbinom_matches_enumeration(size: int) -> None:
    assert qbinom_half(1, 20, size) == _qbinom_by_enumeration(Fraction(1, 20), size)


def test_anhoj_limits_worked_by_hand() -> None:
    # Worked from cumulative binomial counts (see tests/fixtures/qi/run.json for n = 10 and 19):
    # n = 12: C(11,k) cumulative 1,12,67,232 vs 5% of 2048 = 102.4 -> 3;
    # n = 14: C(13,k) cumulative 1,14,92,378,1093 vs 409.6 -> 4;
    # n = 17: C(16,k) cumulative 1,17,137,697,2517,6885 vs 3276.8 -> 5;
    # n = 20: C(19,k) cumulative 1,20,191,1160,5036,16664,43796 vs 26214.4 -> 6.
    assert [anhoj_crossings_min(n) for n in (10, 12, 14, 17, 19, 20)] == [2, 3, 4, 5, 6, 6]
    # round(log2 n) + 3: log2 10 = 3.32, log2 12 = 3.58, log2 20 = 4.32, log2 100 = 6.64.
    assert [anhoj_longest_run_max(n) for n in (10, 11, 12, 20, 100)] == [6, 6, 7, 7, 10]


def _runs_by_enumeration(n1: int, n2: int) -> list[int]:
    size = n1 + n2
    counts = [0] * (size + 1)
    for above in combinations(range(size), n1):
        marks = [1 if i in above else 0 for i in range(size)]
        runs = 1 + sum(1 for i in range(1, size) if marks[i] != marks[i - 1])
        counts[runs] += 1
    return counts


@pytest.mark.parametrize(("n1", "n2"), [(1, 1), (2, 3), (4, 4), (5, 5), (3, 7), (6, 6), (5, 8)])
def test_runs_distribution_matches_enumeration(n1: int, n2: int) -> None:
    counts, total = runs_distribution(n1, n2)
    assert total == comb(n1 + n2, n1)
    assert list(counts) == _runs_by_enumeration(n1, n2)


@pytest.mark.parametrize(("n1", "n2"), [(4, 4), (5, 5), (5, 8), (6, 6), (9, 10)])
def test_swed_eisenhart_limits_are_the_5_percent_points(n1: int, n2: int) -> None:
    counts, total = runs_distribution(n1, n2)
    lower, upper = swed_eisenhart_limits(n1, n2)
    tail = Fraction(1, 20)
    if lower is not None:
        assert Fraction(sum(counts[: lower + 1]), total) <= tail
        assert Fraction(sum(counts[: lower + 2]), total) > tail
    if upper is not None:
        assert Fraction(sum(counts[upper:]), total) <= tail
        assert Fraction(sum(counts[upper - 1 :]), total) > tail


def test_swed_eisenhart_limits_worked_by_hand() -> None:
    # (5, 5) and (9, 10) are worked in tests/fixtures/qi/run.json.
    assert swed_eisenhart_limits(5, 5) == (3, 9)
    assert swed_eisenhart_limits(9, 10) == (6, 15)
    # Too few points for any count of runs to be unlikely at 5%.
    assert swed_eisenhart_limits(1, 2) == (None, None)


def test_median() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
