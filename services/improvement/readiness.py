"""Readiness for the coaching months, per team and per cohort, computed from what the team
recorded here and what enrolment and measurement announced (``rules/readiness.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement import teams
from services.improvement.models import Cohort, Team
from services.improvement.rules import readiness as rules
from services.improvement.store import programme as programme_store
from services.improvement.store import project as project_store
from shared.auth import Principal


@dataclass(frozen=True)
class TeamReadiness:
    team: Team
    readiness: rules.Readiness


@dataclass(frozen=True)
class CohortReadiness:
    cohort: Cohort
    due_on: date  # the first coaching day
    teams: list[TeamReadiness]

    @property
    def ready(self) -> int:
        return sum(1 for t in self.teams if t.readiness.ready)

    def met(self, key: rules.CheckKey) -> int:
        return sum(1 for t in self.teams for c in t.readiness.checks if c.key == key and c.met)


async def _assess(
    session: AsyncSession, cohort: Cohort, team_rows: Sequence[Team]
) -> list[TeamReadiness]:
    ids = [t.id for t in team_rows]
    counts = await project_store.project_counts(session, ids)
    with_data = await programme_store.measures_with_data(session, ids)
    plan = [m.measure_key for m in await programme_store.plan_measures(session, cohort.id)]
    assessed = []
    for team in team_rows:
        facts = rules.TeamFacts(
            clinical=team.setting == "clinical",
            has_project_lead=bool(team.project_lead),
            has_senior_sponsor=bool(team.senior_sponsor),
            plan_measures=plan,
            measures_with_data=with_data.get(team.id, set()),
            **asdict(counts[team.id]),
        )
        assessed.append(TeamReadiness(team, rules.assess(facts)))
    return assessed


async def team_readiness(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID
) -> TeamReadiness:
    team = await teams.readable_team(session, user, team_id)
    cohort = await teams.cohort_of(session, team)
    return (await _assess(session, cohort, [team]))[0]


async def cohort_readiness(
    session: AsyncSession, *, user: Principal, cohort_id: uuid.UUID
) -> CohortReadiness:
    """The cohort's active teams the person may read (a coach: theirs; a coordinator: all)."""
    cohort = await teams.readable_cohort(session, user, cohort_id)
    rows = [
        t
        for t in await programme_store.readable_team_rows(session, user, cohort_id=cohort.id)
        if t.status == "active"
    ]
    return CohortReadiness(
        cohort, teams.programme_of(cohort).coaching_starts_on, await _assess(session, cohort, rows)
    )
