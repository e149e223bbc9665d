"""The teams a person may see, each with its cohort, coach and place in the programme; and the
checks every use case on a team's project starts from (readable, writable)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement.models import CoachAllocation, Cohort, PlanMeasure, Team
from services.improvement.problems import present, problem
from services.improvement.rules.programme import Phase, Programme
from services.improvement.store import programme as store
from shared.auth import Principal
from shared.clock import uk_date
from shared.errors import Conflict, NotFound


@dataclass(frozen=True)
class TeamView:
    team: Team
    cohort: Cohort
    coach: CoachAllocation | None
    programme: Programme
    phase: Phase
    programme_month: int | None

    @property
    def cohort_name(self) -> str:
        return self.cohort.name

    @property
    def coach_id(self) -> uuid.UUID | None:
        return self.coach.coach_id if self.coach else None

    @property
    def coach_name(self) -> str | None:
        return self.coach.coach_name if self.coach else None


def programme_of(cohort: Cohort) -> Programme:
    return Programme(cohort.start_date, cohort.lead_in_months, cohort.coaching_months)


async def readable_team(
    session: AsyncSession, user: Principal, team_id: uuid.UUID, *, lock: bool = False
) -> Team:
    """The team, if the person may read it; 404 otherwise (as if it did not exist)."""
    found = await store.readable_team(session, user, team_id, lock=lock)
    return present(found, "no such team", "unknown-team")


async def writable_team(session: AsyncSession, user: Principal, team_id: uuid.UUID) -> Team:
    """The team, locked for a change to its project: 404 if unreadable, 409 once it has
    withdrawn or its cohort was cancelled (the project is then kept as it was)."""
    found = await readable_team(session, user, team_id, lock=True)
    if found.status != "active":
        raise Conflict(
            "the team has withdrawn: its project is kept as it was",
            type=problem("team-withdrawn"),
        )
    cohort = await store.cohort(session, found.cohort_id)
    if cohort is not None and cohort.status == "cancelled":
        raise Conflict("the cohort was cancelled", type=problem("cohort-cancelled"))
    return found


async def readable_cohort(session: AsyncSession, user: Principal, cohort_id: uuid.UUID) -> Cohort:
    found = await store.readable_cohort(session, user, cohort_id)
    return present(found, "no such cohort", "unknown-cohort")


async def cohort_of(session: AsyncSession, team: Team) -> Cohort:
    found = await store.cohort(session, team.cohort_id)
    if found is None:  # a team is only ever stored with its cohort
        raise NotFound("no such cohort", type=problem("unknown-cohort"))
    return found


def _view(team: Team, cohort: Cohort, coach: CoachAllocation | None, now: datetime) -> TeamView:
    programme = programme_of(cohort)
    today = uk_date(now)
    return TeamView(
        team, cohort, coach, programme, programme.phase_on(today), programme.month_number(today)
    )


async def team_overview(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, now: datetime
) -> TeamView:
    team = await readable_team(session, user, team_id)
    cohort = await cohort_of(session, team)
    return _view(team, cohort, await store.coach_allocation(session, team.id), now)


async def list_teams(
    session: AsyncSession, *, user: Principal, cohort_id: uuid.UUID | None, now: datetime
) -> list[TeamView]:
    teams = await store.readable_team_rows(session, user, cohort_id=cohort_id)
    cohorts = await store.cohorts_by_id(session, [t.cohort_id for t in teams])
    coaches = await store.coach_allocations(session, [t.id for t in teams])
    return [_view(t, cohorts[t.cohort_id], coaches.get(t.id), now) for t in teams]


async def plan_measures(
    session: AsyncSession, *, user: Principal, cohort_id: uuid.UUID
) -> Sequence[PlanMeasure]:
    """The measures of the cohort's plan (what a PDSA cycle may name as its measures)."""
    cohort = await readable_cohort(session, user, cohort_id)
    return await store.plan_measures(session, cohort.id)
