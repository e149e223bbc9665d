"""Exact small-sample statistics behind the run chart rules, in integer arithmetic.

No floating point and no scipy: the binomial quantile and the runs distribution are computed from
binomial coefficients, so the critical values are exact (no tie can be decided by rounding). Each
row of coefficients is built by the multiplicative recurrence, C(n, k + 1) = C(n, k)·(n - k)/(k + 1)
(exact in integers), a few microseconds for the longest series a chart shows: nothing is cached.
"""

from __future__ import annotations

from math import comb, log2

ALPHA_NUM = 1
ALPHA_DEN = 20  # the 5% level used by both run chart rule sets


def _binomials(n: int) -> list[int]:
    """C(n, 0), ..., C(n, n) (none for n < 0)."""
    row = [1] * (n + 1) if n >= 0 else []
    coefficient = 1
    for k in range(1, n + 1):
        coefficient = coefficient * (n - k + 1) // k
        row[k] = coefficient
    return row


def qbinom_half(probability_num: int, probability_den: int, size: int) -> int:
    """R's `qbinom(p, size, 0.5)` for p = num/den: the smallest x with P(X ≤ x) ≥ p.

    With X ~ Binomial(size, 1/2), P(X ≤ x) = Σ_{k≤x} C(size, k) / 2^size, so the comparison
    P(X ≤ x) ≥ num/den is done exactly as den · Σ C(size, k) ≥ num · 2^size.
    """
    if size < 0:
        raise ValueError("size must be non-negative")
    target = probability_num * (1 << size)
    cumulative = 0
    coefficient = 1  # C(size, x)
    for x in range(size + 1):
        cumulative += coefficient
        if probability_den * cumulative >= target:
            return x
        coefficient = coefficient * (size - x) // (x + 1)
    return size


def anhoj_crossings_min(n_useful: int) -> int:
    """Fewest crossings expected by chance: qbinom(0.05, n_useful - 1, 0.5) (Anhøj, qicharts2)."""
    return qbinom_half(ALPHA_NUM, ALPHA_DEN, max(n_useful - 1, 0))


def anhoj_longest_run_max(n_useful: int) -> int:
    """Longest run expected by chance: round(log2(n_useful)) + 3 (Schilling; qicharts2).

    log2 of an integer is never exactly k + ½, so Python's and R's rounding rules agree here.
    """
    return round(log2(n_useful)) + 3


def runs_distribution(n1: int, n2: int) -> tuple[tuple[int, ...], int]:
    """Counts of arrangements of n1 + n2 two-kind symbols with exactly r runs, for r = 0..n1+n2.

    Swed & Eisenhart (1943): with k = r/2 for even r, 2·C(n1-1, k-1)·C(n2-1, k-1) arrangements;
    for odd r = 2k + 1, C(n1-1, k)·C(n2-1, k-1) + C(n1-1, k-1)·C(n2-1, k). Returned with the total
    C(n1 + n2, n1) so probabilities are count / total.
    """
    total_n = n1 + n2
    counts = [0] * (total_n + 1)
    if n1 == 0 or n2 == 0:
        counts[1 if total_n else 0] = 1
        return tuple(counts), 1
    # C(n1 - 1, k) and C(n2 - 1, k), 0 beyond the row.
    first = [*_binomials(n1 - 1), *[0] * (total_n + 1 - n1)]
    second = [*_binomials(n2 - 1), *[0] * (total_n + 1 - n2)]
    for r in range(2, total_n + 1):
        if r % 2 == 0:
            k = r // 2
            counts[r] = 2 * first[k - 1] * second[k - 1]
        else:
            k = (r - 1) // 2
            counts[r] = first[k] * second[k - 1] + first[k - 1] * second[k]
    return tuple(counts), comb(total_n, n1)


def swed_eisenhart_limits(n1: int, n2: int) -> tuple[int | None, int | None]:
    """Lower and upper critical numbers of runs at the one-sided 5% level for n1 and n2 points.

    lower = the largest r with P(R ≤ r) ≤ 5%; upper = the smallest r with P(R ≥ r) ≤ 5% (None when
    no r is that unlikely, as with very few points). As in the IHI run chart table, a count of runs
    below `lower` is "too few" and above `upper` is "too many".
    """
    counts, total = runs_distribution(n1, n2)
    lower: int | None = None
    cumulative = 0
    for r, count in enumerate(counts):
        cumulative += count
        if ALPHA_DEN * cumulative <= ALPHA_NUM * total:
            lower = r
        else:
            break
    upper: int | None = None
    cumulative = 0
    for r in range(len(counts) - 1, -1, -1):
        cumulative += counts[r]
        if ALPHA_DEN * cumulative <= ALPHA_NUM * total:
            upper = r
        else:
            break
    # Counts of 0 or 1 run, or more than 2·min(n1, n2) + 1 runs, cannot happen with both kinds
    # present: a limit there could never be crossed, so none is reported.
    most_runs = 2 * min(n1, n2) + (1 if n1 != n2 else 0)
    if lower is not None and lower < 2:
        lower = None
    if upper is not None and upper > most_runs:
        upper = None
    return lower, upper


def median(values: list[float]) -> float:
    ordered = sorted(values)
    size = len(ordered)
    middle = size // 2
    if size % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2.0
