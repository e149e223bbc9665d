"""Rosters: this service's copy of the cohorts, teams and coaches enrolment announces.

The event handlers of the service (``handlers.py`` maps each event here). Each runs in the
inbox's transaction, so a redelivered event has no second effect, and each is idempotent by
business key as well: confirming a cohort twice drafts nothing new, a confirmation older than
the team's withdrawal is stale. Cancelling a cohort cancels its scheduled sessions and withdraws
its teams; a withdrawn team keeps its attendance, and its places at future sessions free up.
A withdrawal and a return each raise the team's feed revision, so its own calendar feed raises
every SEQUENCE (``rules/calendar.py``). Of a coach, only the name and a digest of the e-mail
are kept (the digest is how an erasure finds the row, ``erasure.py``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions import places, programme
from services.sessions.models import CoachAllocation, Cohort, RosterTeam
from services.sessions.settings import SessionsSettings
from services.sessions.store import rosters as store
from services.sessions.store.access import readable_cohort
from services.sessions.store.programme import add_cohort_if_missing, get_cohort
from shared.auth import Principal
from shared.clock import uk_date
from shared.erasure import email_digest
from shared.events.enrolment import (
    CoachAllocated,
    CohortCancelled,
    CohortConfirmed,
    CohortTerms,
    TeamConfirmed,
    TeamWithdrawn,
)
from shared.handlers import HandlerContext

Context = HandlerContext[SessionsSettings]


async def _upsert_cohort(
    session: AsyncSession, *, cohort_id: uuid.UUID, name: str, terms: CohortTerms
) -> Cohort:
    cohort = await get_cohort(session, cohort_id, lock=True)
    if cohort is None:
        # Events of one cohort may reach two replicas at once: the second insert gives way and
        # both then work on the one row, locked.
        await add_cohort_if_missing(
            session,
            {
                "id": cohort_id,
                "name": name,
                "start_date": terms.start_date,
                "lead_in_months": terms.lead_in_months,
                "coaching_months": terms.coaching_months,
                "status": "enrolling",
            },
        )
        cohort = await get_cohort(session, cohort_id, lock=True)
        assert cohort is not None
    else:
        cohort.name = name
        if cohort.drafted_at is None:  # terms only shape a programme not drafted yet
            cohort.start_date = terms.start_date
            cohort.lead_in_months = terms.lead_in_months
            cohort.coaching_months = terms.coaching_months
    return cohort


async def cohort_confirmed(
    session: AsyncSession, *, event: CohortConfirmed, context: Context
) -> None:
    """The cohort runs: draft its default programme."""
    cohort = await _upsert_cohort(
        session, cohort_id=event.cohort_id, name=event.name, terms=event.terms
    )
    if cohort.status == "cancelled":
        return
    cohort.status = "confirmed"
    await programme.draft(session, cohort, now=context.clock.now())


async def cohort_cancelled(
    session: AsyncSession, *, event: CohortCancelled, context: Context
) -> None:
    cohort = await get_cohort(session, event.cohort_id, lock=True)
    if cohort is None or cohort.status == "cancelled":
        return
    now = context.clock.now()
    cohort.status = "cancelled"
    cohort.cancelled_at = now
    reason = event.reason or "The cohort was cancelled."
    await programme.cancel_scheduled(session, cohort, reason=reason, now=now)
    for team in await store.active_teams(session, cohort.id):
        team.status = "withdrawn"
        team.withdrawn_on = uk_date(now)
        team.withdrawal_reason = "cohort cancelled"
        _feed_changed(team, now)


def _feed_changed(team: RosterTeam, now: datetime) -> None:
    """The team's own feed changes as a whole (a withdrawal or a return)."""
    team.feed_revision = (team.feed_revision or 0) + 1
    team.feed_changed_at = now


async def team_confirmed(session: AsyncSession, *, event: TeamConfirmed, context: Context) -> None:
    """The team joins its cohort's roster (again, if it had withdrawn)."""
    await _upsert_cohort(
        session, cohort_id=event.cohort_id, name=event.cohort_name, terms=event.terms
    )
    team = await store.get_team(session, event.team_id, lock=True)
    if (
        team is not None
        and team.withdrawn_on is not None
        and uk_date(event.confirmed_at) <= team.withdrawn_on
    ):
        return  # a confirmation from before the withdrawal, recorded again: stale
    if team is None:
        team = RosterTeam(team_id=event.team_id, joined_at=event.confirmed_at, feed_revision=0)
        session.add(team)
    elif team.status == "withdrawn":
        _feed_changed(team, context.clock.now())  # back on the programme
    team.cohort_id = event.cohort_id
    team.organisation_id = event.organisation.id
    team.organisation_name = event.organisation.name
    team.team_name = event.team_name
    team.setting = event.setting
    team.status = "active"
    team.withdrawn_on = None
    team.withdrawal_reason = None
    if event.coach_id is not None and await store.get_allocation(session, event.team_id) is None:
        session.add(
            CoachAllocation(
                team_id=event.team_id,
                cohort_id=event.cohort_id,
                coach_id=event.coach_id,
                coach_name=None,
                allocated_at=event.confirmed_at,
            )
        )
    await session.flush()


async def team_withdrawn(session: AsyncSession, *, event: TeamWithdrawn, context: Context) -> None:
    """The team leaves the roster; its attendance stays, its places at future sessions free up."""
    team = await store.get_team(session, event.team_id, lock=True)
    if team is None or team.status == "withdrawn":
        return
    team.status = "withdrawn"
    team.withdrawn_on = event.withdrawn_on
    team.withdrawal_reason = event.reason
    now = context.clock.now()
    _feed_changed(team, now)
    await places.release_future_places(session, team, now=now)


async def coach_allocated(
    session: AsyncSession, *, event: CoachAllocated, context: Context
) -> None:
    allocation = await store.get_allocation(session, event.team_id, lock=True)
    if allocation is None:
        allocation = CoachAllocation(team_id=event.team_id)
        session.add(allocation)
    allocation.cohort_id = event.cohort_id
    allocation.coach_id = event.coach_id
    allocation.coach_name = event.coach_name
    allocation.coach_email_digest = email_digest(event.coach_email) if event.coach_email else None
    allocation.allocated_at = context.clock.now()
    await session.flush()


@dataclass(frozen=True)
class RosterEntry:
    team: RosterTeam
    allocation: CoachAllocation | None

    @property
    def coach_id(self) -> uuid.UUID | None:
        return self.allocation.coach_id if self.allocation is not None else None


async def roster(
    session: AsyncSession, *, cohort_id: uuid.UUID, user: Principal, include_withdrawn: bool
) -> list[RosterEntry]:
    """The cohort's teams the caller may see, by name, each with its coach."""
    await readable_cohort(session, user, cohort_id)
    found = await store.roster(
        session, user, cohort_id=cohort_id, include_withdrawn=include_withdrawn
    )
    return [RosterEntry(team, allocation) for team, allocation in found]
