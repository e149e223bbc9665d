"""The working shapes of a chart computation: a series in columns, and the analysis the limits
and rules fill in (parts, centre lines, limits, rule occurrences), read by `engine` into a `Chart`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .models import ChartPointInput, Direction, SignalClass

RULE_PRIORITY: dict[str, int] = {
    "outside_limits": 0,
    "trend": 1,
    "two_of_three": 2,
    "shift": 3,
    "anhoj_long_run": 4,
    "anhoj_few_crossings": 5,
    "ihi_trend": 6,
    "ihi_shift": 7,
    "ihi_too_few_runs": 8,
    "ihi_too_many_runs": 9,
}
NO_RULE = 99
# Rules about a part's whole sequence (crossings, number of runs): they mark the centre line, not
# the points (qicharts2 draws the centre line dashed and leaves the points alone).
PART_RULES = frozenset({"anhoj_few_crossings", "ihi_too_few_runs", "ihi_too_many_runs"})


@dataclass(slots=True)
class Series:
    """A series in columns (the fast input form): one list entry per period, in time order."""

    periods: Sequence[str]
    values: Sequence[float | None] | None = None
    numerators: Sequence[float | None] | None = None
    denominators: Sequence[float | None] | None = None
    ns: Sequence[float | None] | None = None

    @classmethod
    def from_points(cls, points: Sequence[ChartPointInput | Mapping[str, Any]]) -> Series:
        parsed = [
            p if isinstance(p, ChartPointInput) else ChartPointInput.model_validate(p)
            for p in points
        ]
        return cls(
            periods=[p.period for p in parsed],
            values=[p.value for p in parsed],
            numerators=[p.numerator for p in parsed],
            denominators=[p.denominator for p in parsed],
            ns=[p.n for p in parsed],
        )


@dataclass(slots=True)
class PartStats:
    index: int
    start: int
    end: int  # exclusive
    centre: float | None = None
    baseline_points: int = 0
    frozen: bool = False
    limits_shown: bool = False
    short_baseline: bool = False
    runs_signal: bool = False
    # What the part's answer reports besides (`ChartPart`: the mean moving range, sigma_z, the
    # runs analysis), by the answer's field names.
    figures: dict[str, float | int | None] = field(default_factory=dict)


@dataclass(slots=True)
class Occurrence:
    """One firing of a rule: the points it flagged and its sign (+1 high/rising, -1, 0 none)."""

    rule: str
    sign: int
    points: list[int]
    part: int


@dataclass(slots=True)
class Analysis:
    chart_type: str
    direction: Direction
    periods: list[str]
    values: list[float | None]
    numerators: list[float | None]
    denominators: list[float | None]
    ns: list[float | None]
    excluded: list[bool]
    used: list[bool]  # has a value: judged by the rules
    calc: list[bool]  # has a value and is not excluded: may enter a centre and limits
    suppressed: list[bool]
    baseline: list[bool]
    part_of: list[int]
    centre: list[float | None]
    lower: list[float | None]
    upper: list[float | None]
    lower2: list[float | None]
    upper2: list[float | None]
    parts: list[PartStats]
    occurrences: list[Occurrence]
    point_rule: list[int]  # best (lowest) rule priority per point, NO_RULE when none
    point_sign: list[int]
    flags: dict[int, list[str]] = field(default_factory=dict)
    # gaps_before[i]: how many periods before i have no value (moving ranges never span one).
    gaps_before: list[int] = field(default_factory=list)

    def joined(self, first: int, second: int) -> bool:
        """Whether no gap lies between two periods with values (first < second)."""
        return self.gaps_before[second] == self.gaps_before[first + 1]

    @property
    def last_used(self) -> int | None:
        used = self.used
        for i in range(len(used) - 1, -1, -1):
            if used[i]:
                return i
        return None


def signal_class(sign: int, direction: str) -> SignalClass:
    """Improvement or concern by the measure's direction; sign 0 (runs, crossings) is neutral."""
    if sign == 0 or direction == "neutral":
        return "neutral"
    if (sign > 0) == (direction == "increase"):
        return "improvement"
    return "concern"
