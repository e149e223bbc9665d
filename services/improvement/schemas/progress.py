"""Progress scores: levels, a team's months, a cohort's distribution. Scores are numbers in half
points (0.5 to 5.0)."""

from __future__ import annotations

import uuid
from datetime import datetime

from services.improvement.models import ProgressScore
from services.improvement.progress import MonthDistribution, MonthScores, ScoreIn, TeamProgress
from services.improvement.rules.programme import month_label
from services.improvement.rules.progress import LEVELS, Level, level_of
from services.improvement.schemas import Out

__all__ = ["ScoreIn"]


class LevelOut(Out):
    score: float
    label: str
    definition: str


def level_out(level: Level) -> LevelOut:
    return LevelOut(score=float(level.score), label=level.label, definition=level.definition)


class ScoreChangeOut(Out):
    revision: int
    score: float
    note: str | None
    set_by_role: str
    set_at: datetime


def _change(row: ProgressScore) -> ScoreChangeOut:
    return ScoreChangeOut(
        revision=row.revision,
        score=float(row.score),
        note=row.note,
        set_by_role=row.set_by_role,
        set_at=row.set_at,
    )


class MonthScoreOut(Out):
    month: str
    programme_month: int
    score: float | None
    label: str | None
    note: str | None
    history: list[ScoreChangeOut]


def month_score_out(found: MonthScores) -> MonthScoreOut:
    current = found.current
    return MonthScoreOut(
        month=month_label(found.month),
        programme_month=found.programme_month,
        score=float(current.score) if current else None,
        label=level_of(current.score).label if current else None,
        note=current.note if current else None,
        history=[_change(r) for r in found.scores],
    )


class TeamProgressOut(Out):
    team_id: uuid.UUID
    team_name: str
    months: list[MonthScoreOut]


def team_progress_out(found: TeamProgress) -> TeamProgressOut:
    return TeamProgressOut(
        team_id=found.team.id,
        team_name=found.team.name,
        months=[month_score_out(m) for m in found.months],
    )


class LevelCountOut(Out):
    score: float
    label: str
    teams: int


class DistributionOut(Out):
    month: str
    programme_month: int
    teams_scored: int
    median: float | None
    levels: list[LevelCountOut]


def distribution_out(found: MonthDistribution) -> DistributionOut:
    d = found.distribution
    return DistributionOut(
        month=month_label(found.month),
        programme_month=found.programme_month,
        teams_scored=d.teams,
        median=float(d.median) if d.median is not None else None,
        levels=[
            LevelCountOut(score=float(level.score), label=level.label, teams=d.counts[level.score])
            for level in LEVELS
        ],
    )
