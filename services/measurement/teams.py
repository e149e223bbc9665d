"""Teams and cohorts as enrolment confirms them: the handlers of enrolment's events.

A cohort is first heard of with its first confirmed team, and gets the default measurement plan
(each of its measures recorded as added to the plan).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement import plan
from services.measurement.models import Cohort, Team
from services.measurement.settings import MeasurementSettings
from services.measurement.store import plan as store
from shared.events.enrolment import CoachAllocated, TeamConfirmed, TeamWithdrawn
from shared.handlers import HandlerContext

Context = HandlerContext[MeasurementSettings]


async def ensure_cohort(
    session: AsyncSession,
    *,
    cohort_id: uuid.UUID,
    name: str,
    start_date: date,
    now: datetime,
    lead_in_months: int | None = None,
) -> Cohort:
    """The cohort, created with the default measurement plan the first time it is heard of."""
    cohort = await store.cohort(session, cohort_id)
    if cohort is not None:
        cohort.name, cohort.start_date = name, start_date
        if lead_in_months is not None:
            cohort.lead_in_months = lead_in_months
        return cohort
    cohort = await store.add_cohort(
        session,
        Cohort(
            cohort_id=cohort_id,
            name=name,
            start_date=start_date,
            lead_in_months=lead_in_months,
            created_at=now,
        ),
    )
    await plan.start_plan(session, cohort_id=cohort_id, now=now)
    return cohort


async def team_confirmed(session: AsyncSession, *, event: TeamConfirmed, context: Context) -> None:
    await ensure_cohort(
        session,
        cohort_id=event.cohort_id,
        name=event.cohort_name,
        start_date=event.terms.start_date,
        lead_in_months=event.terms.lead_in_months,
        now=context.clock.now(),
    )
    team = await store.team(session, event.team_id)
    if team is None:
        store.add_team(
            session,
            Team(
                team_id=event.team_id,
                organisation_id=event.organisation.id,
                cohort_id=event.cohort_id,
                name=event.team_name,
                coach_id=event.coach_id,
                confirmed_at=event.confirmed_at,
                withdrawn_on=None,
            ),
        )
        return
    team.organisation_id = event.organisation.id
    team.cohort_id = event.cohort_id
    team.name = event.team_name
    if event.coach_id is not None:
        team.coach_id = event.coach_id
    team.confirmed_at = event.confirmed_at


async def _known_team(session: AsyncSession, team_id: uuid.UUID) -> Team:
    team = await store.team(session, team_id)
    if team is None:
        # Out of order (a redelivered confirmation still pending): fail, so the runner retries.
        raise LookupError(f"team {team_id} is not known yet")
    return team


async def team_withdrawn(session: AsyncSession, *, event: TeamWithdrawn, context: Context) -> None:
    team = await _known_team(session, event.team_id)
    team.withdrawn_on = event.withdrawn_on


async def coach_allocated(
    session: AsyncSession, *, event: CoachAllocated, context: Context
) -> None:
    team = await _known_team(session, event.team_id)
    team.coach_id = event.coach_id
