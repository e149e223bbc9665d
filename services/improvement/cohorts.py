"""What the improvement service learns from enrolment: cohorts, teams, their organisations,
project leads, senior sponsors and coaches. Each handler is idempotent by business key (the
cohort's or team's id) as well as through the inbox: an event told twice changes nothing more.

A cohort met for the first time gets its change package, seeded with the nine critical
components of the IHI Framework for Improving Joy in Work.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement import diagrams, store
from services.improvement.models import CoachAllocation, Cohort, Team
from services.improvement.settings import ImprovementSettings
from services.improvement.store import programme as programme_store
from shared.erasure import email_digest
from shared.events.enrolment import (
    CoachAllocated,
    CohortCancelled,
    CohortConfirmed,
    CohortOpened,
    CohortTerms,
    TeamConfirmed,
    TeamWithdrawn,
)
from shared.handlers import HandlerContext

Context = HandlerContext[ImprovementSettings]


async def _learn_cohort(
    session: AsyncSession,
    cohort_id: uuid.UUID,
    name: str,
    terms: CohortTerms,
    status: str | None,
    now: datetime,
) -> Cohort:
    """Create or update the cohort (``status`` None: leave it); seed its package once."""
    cohort = await programme_store.cohort(session, cohort_id, lock=True) or Cohort(
        id=cohort_id, status=status or "open"
    )
    cohort.name = name
    cohort.start_date = terms.start_date
    cohort.lead_in_months = terms.lead_in_months
    cohort.coaching_months = terms.coaching_months
    if status is not None and cohort.status != "cancelled":
        cohort.status = status
    await store.save(session, cohort)
    await diagrams.seed_package(session, cohort_id=cohort.id, now=now)
    return cohort


async def cohort_opened(session: AsyncSession, *, event: CohortOpened, context: Context) -> None:
    await _learn_cohort(
        session, event.cohort_id, event.name, event.terms, None, context.clock.now()
    )


async def cohort_confirmed(
    session: AsyncSession, *, event: CohortConfirmed, context: Context
) -> None:
    now = context.clock.now()
    await _learn_cohort(session, event.cohort_id, event.name, event.terms, "confirmed", now)


async def cohort_cancelled(
    session: AsyncSession, *, event: CohortCancelled, context: Context
) -> None:
    cohort = await programme_store.cohort(session, event.cohort_id, lock=True)
    if cohort is not None:
        cohort.status = "cancelled"
        await store.save(session, cohort)


async def team_confirmed(session: AsyncSession, *, event: TeamConfirmed, context: Context) -> None:
    """A team joins (or enrolment tells it again, e.g. with the senior sponsor filled in)."""
    now = context.clock.now()
    await _learn_cohort(session, event.cohort_id, event.cohort_name, event.terms, "confirmed", now)
    team = await programme_store.team(session, event.team_id, lock=True) or Team(
        id=event.team_id,
        cohort_id=event.cohort_id,
        status="active",
        confirmed_at=event.confirmed_at,
    )
    team.organisation_id = event.organisation.id
    team.organisation_name = event.organisation.name
    team.name = event.team_name
    team.setting = event.setting
    team.project_lead = event.project_lead.model_dump()
    if event.senior_sponsor is not None:
        team.senior_sponsor = event.senior_sponsor.model_dump()
    await store.save(session, team)
    if (
        event.coach_id is not None
        and await programme_store.coach_allocation(session, team.id) is None
    ):
        await store.save(session, CoachAllocation(team_id=team.id, coach_id=event.coach_id))


async def team_withdrawn(session: AsyncSession, *, event: TeamWithdrawn, context: Context) -> None:
    team = await programme_store.team(session, event.team_id, lock=True)
    if team is not None and team.status != "withdrawn":
        team.status = "withdrawn"
        team.withdrawn_on = event.withdrawn_on
        await store.save(session, team)


async def coach_allocated(
    session: AsyncSession, *, event: CoachAllocated, context: Context
) -> None:
    allocation = await programme_store.coach_allocation(
        session, event.team_id, lock=True
    ) or CoachAllocation(team_id=event.team_id)
    allocation.coach_id = event.coach_id
    allocation.coach_name = event.coach_name
    allocation.coach_email_digest = email_digest(event.coach_email) if event.coach_email else None
    await store.save(session, allocation)
