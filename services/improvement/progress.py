"""IHI progress scores: the coach sets a team's score for a month with the team (0.5 to 5, in
half points); every change is kept. A cohort's distribution counts its teams at each level, month
by month, with the median (each team's latest score for the month)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement import store, teams
from services.improvement.inputs import Input, Text
from services.improvement.models import ProgressScore
from services.improvement.problems import problem
from services.improvement.rules import progress as rules
from services.improvement.rules.programme import Programme, month_label, parse_month
from services.improvement.store import progress as progress_store
from shared.auth import Principal
from shared.clock import uk_date
from shared.errors import Unprocessable


class ScoreIn(Input):
    score: float = Field(
        ge=0.5,
        le=5,
        multiple_of=0.5,
        description="0.5 to 5.0 in half points (see /progress-score-levels)",
    )
    note: Text | None = None


@dataclass(frozen=True)
class MonthScores:
    month: date
    programme_month: int
    scores: Sequence[ProgressScore]  # every revision, oldest first

    @property
    def current(self) -> ProgressScore | None:
        return self.scores[-1] if self.scores else None


@dataclass(frozen=True)
class TeamProgress:
    team_id: uuid.UUID
    team_name: str
    months: list[MonthScores]


@dataclass(frozen=True)
class MonthDistribution:
    month: date
    programme_month: int
    distribution: rules.Distribution


def score_levels() -> tuple[rules.Level, ...]:
    return rules.LEVELS


def _months(programme: Programme, history: Sequence[ProgressScore]) -> list[MonthScores]:
    by_month: dict[date, list[ProgressScore]] = {}
    for row in history:
        by_month.setdefault(row.month, []).append(row)
    return [
        MonthScores(month, number, by_month.get(month, []))
        for number, month in enumerate(programme.months(), 1)
    ]


async def team_progress(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID
) -> TeamProgress:
    team = await teams.readable_team(session, user, team_id)
    cohort = await teams.cohort_of(session, team)
    history = await progress_store.history(session, team.id)
    return TeamProgress(team.id, team.name, _months(teams.programme_of(cohort), history))


async def set_score(
    session: AsyncSession,
    *,
    user: Principal,
    team_id: uuid.UUID,
    month: str,
    data: ScoreIn,
    now: datetime,
) -> MonthScores:
    team = await teams.writable_team(session, user, team_id)
    programme = teams.programme_of(await teams.cohort_of(session, team))
    first_day = parse_month(month)
    number = programme.month_number(first_day)
    if number is None:
        raise Unprocessable(
            f"{month} is not a month of the cohort's programme "
            f"({month_label(programme.months()[0])} to {month_label(programme.months()[-1])})",
            type=problem("not-a-programme-month"),
        )
    if first_day > uk_date(now):
        raise Unprocessable(f"{month} has not begun", type=problem("future-month"))
    try:
        level = rules.level_of(Decimal(str(data.score)))
    except rules.ScoreRefused as exc:
        raise Unprocessable(str(exc), type=problem("score")) from exc
    await store.save(
        session,
        ProgressScore(
            team_id=team.id,
            month=first_day,
            revision=await progress_store.last_revision(session, team.id, first_day) + 1,
            score=level.score,
            note=data.note,
            set_by_role=str(user.role),
            set_at=now,
        ),
    )
    history = [r for r in await progress_store.history(session, team.id) if r.month == first_day]
    return MonthScores(first_day, number, history)


async def cohort_distribution(
    session: AsyncSession, *, user: Principal, cohort_id: uuid.UUID
) -> list[MonthDistribution]:
    """Counts of teams at each level per programme month (aggregates only, no team named)."""
    cohort = await teams.readable_cohort(session, user, cohort_id)
    latest: dict[date, dict[uuid.UUID, Decimal]] = {}
    for team_id, month, row in await progress_store.cohort_scores(session, cohort.id):
        latest.setdefault(month, {})[team_id] = row.score  # revisions come in order
    return [
        MonthDistribution(month, number, rules.distribution(list(latest.get(month, {}).values())))
        for number, month in enumerate(teams.programme_of(cohort).months(), 1)
    ]
