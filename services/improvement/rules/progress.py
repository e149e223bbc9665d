"""The IHI progress score for collaborative teams (0.5 to 5), in the programme's words.

The coach sets a team's score each month with the team; a cohort's distribution counts the teams
at each level. Definitions paraphrase the IHI assessment scale for collaboratives.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Level:
    score: Decimal
    label: str
    definition: str


LEVELS: tuple[Level, ...] = (
    Level(
        Decimal("0.5"),
        "Intent to participate",
        "The organisation has signed up; no team or work yet.",
    ),
    Level(
        Decimal("1.0"),
        "Team formed",
        "The project team is formed; aim and target population being set.",
    ),
    Level(
        Decimal("1.5"),
        "Planning begun",
        "The team meets; plans for the project and baseline data are in hand.",
    ),
    Level(
        Decimal("2.0"),
        "Activity, no changes yet",
        "The team is active (what matters, ideas, measures) but has tested no change.",
    ),
    Level(
        Decimal("2.5"),
        "Changes tested, no improvement",
        "PDSA cycles are under way and data reported, but no improvement yet.",
    ),
    Level(
        Decimal("3.0"),
        "Modest improvement",
        "Initial cycles completed, some changes implemented; modest improvement in process measures.",
    ),
    Level(
        Decimal("3.5"),
        "Improvement",
        "Some improvement in outcome measures; process measures keep improving; changes implemented.",
    ),
    Level(
        Decimal("4.0"),
        "Significant improvement",
        "Most changes implemented; sustained improvement in outcome measures, halfway to the aim.",
    ),
    Level(
        Decimal("4.5"),
        "Sustainable improvement",
        "Outcome improvement sustained; most of the aim achieved; spread has begun.",
    ),
    Level(
        Decimal("5.0"),
        "Outstanding sustainable results",
        "The aim achieved and sustained; changes spreading beyond the team.",
    ),
)
_BY_SCORE = {level.score: level for level in LEVELS}


class ScoreRefused(ValueError):
    pass


def level_of(score: Decimal) -> Level:
    """The level of a score, or :class:`ScoreRefused` (scores go in half points, 0.5 to 5)."""
    found = _BY_SCORE.get(score)
    if found is None:
        raise ScoreRefused("a progress score is one of 0.5, 1.0, 1.5, ..., 5.0")
    return found


@dataclass(frozen=True)
class Distribution:
    teams: int
    counts: dict[Decimal, int]
    median: Decimal | None


def distribution(scores: Collection[Decimal]) -> Distribution:
    """How many teams are at each level (every level listed, zeros included) and the median."""
    counted = Counter(scores)
    median = (
        Decimal(statistics.median(sorted(scores))).quantize(Decimal("0.01")) if scores else None
    )
    return Distribution(
        teams=len(scores),
        counts={level.score: counted.get(level.score, 0) for level in LEVELS},
        median=median,
    )
