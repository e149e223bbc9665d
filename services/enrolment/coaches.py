"""QI coaches: a coordinator registers coaches (each with a capacity), lists them with their
load, and assigns or reassigns a confirmed team's coach (never over capacity; records
``enrolment.coach.allocated``). Coaches are allocated on confirmation (see ``decisions``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment import store
from services.enrolment.models import Coach, Team
from services.enrolment.problems import conflict, unknown_coach
from services.enrolment.rules import TeamStatus
from shared.auth import Principal
from shared.events.enrolment import CoachAllocated
from shared.outbox import record_event


@dataclass(frozen=True)
class CoachWithLoad:
    coach: Coach
    load: int

    @property
    def free(self) -> int:
        return max(self.coach.capacity - self.load, 0)


async def create_coach(
    session: AsyncSession, *, name: str, email: str, capacity: int, now: datetime
) -> CoachWithLoad:
    if await store.coach_with_email(session, email) is not None:
        raise conflict(f"a coach with email {email} is already registered", "duplicate-coach")
    coach = Coach(name=name, email=email, capacity=capacity, created_at=now)
    await store.add(session, coach)
    return CoachWithLoad(coach, 0)


async def list_coaches(session: AsyncSession) -> list[CoachWithLoad]:
    loads = await store.coach_loads(session)
    return [CoachWithLoad(c, loads.get(c.id, 0)) for c in await store.coaches(session)]


async def assign_coach(
    session: AsyncSession, *, team_id: uuid.UUID, coach_id: uuid.UUID, user: Principal
) -> Team:
    """Reassign a confirmed team (or give an awaiting team its coach), never over capacity."""
    team, cohort = await store.lock_team_in_cohort(session, team_id, user)
    if team.status != TeamStatus.CONFIRMED.value:
        raise conflict("only a confirmed team has a coach", "team-not-confirmed")
    places = await store.lock_coach_places(session, cohort.id)
    target = next((c for c in places.loads if c.coach_id == coach_id), None)
    if target is None:
        raise unknown_coach()
    if team.coach_id == coach_id:
        return team
    if target.free <= 0:
        raise conflict(
            f"{target.name} already has {target.load} of {target.capacity} teams", "coach-full"
        )
    previous = team.coach_id
    team.coach_id = coach_id
    await store.reload(session, team)
    await record_allocation(session, team, coach=places.coaches[coach_id], previous=previous)
    return team


async def record_allocation(
    session: AsyncSession, team: Team, *, coach: Coach, previous: uuid.UUID | None = None
) -> None:
    """Record ``enrolment.coach.allocated`` for the coach the team now has (with the coach's
    e-mail, so that notifications can tell them)."""
    allocated = CoachAllocated(
        cohort_id=team.cohort_id,
        team_id=team.id,
        coach_id=coach.id,
        coach_name=coach.name,
        coach_email=coach.email,
        previous_coach_id=previous,
    )
    await record_event(session, allocated, subject=str(team.id))
