"""The periodic check for lapsed project meetings (``rules/lapses.py`` says when a team has
lapsed). Each lapse is a ``meeting_lapse`` row, keyed by team and the day it counts from, and an
``improvement.team.meetings_lapsed`` event, in one transaction: once per lapse, whichever replica
runs the check (replicas claim the teams they check with ``FOR UPDATE SKIP LOCKED``, and the row's
key refuses a second record of the same lapse)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement import store
from services.improvement.models import MeetingLapse
from services.improvement.rules.lapses import meeting_lapse
from services.improvement.settings import ImprovementSettings
from services.improvement.store import meetings as meeting_store
from services.improvement.teams import programme_of
from shared.clock import uk_date
from shared.events.improvement import MeetingsLapsed
from shared.handlers import ServiceContext
from shared.outbox import record_event


async def record_lapses(
    session: AsyncSession, *, now: datetime, lapse_days: int
) -> list[MeetingsLapsed]:
    today = uk_date(now)
    recorded: list[MeetingsLapsed] = []
    for team, cohort, coach_id, last_meeting_on, last_since in await meeting_store.lapse_candidates(
        session
    ):
        programme = programme_of(cohort)
        lapse = meeting_lapse(
            today=today,
            coaching_starts_on=programme.coaching_starts_on,
            programme_ends_on=programme.ends_on,
            last_meeting_on=last_meeting_on,
            lapse_days=lapse_days,
            recorded_since=[last_since] if last_since else [],
        )
        if lapse is None:
            continue
        await store.save(
            session,
            MeetingLapse(team_id=team.id, since=lapse.since, days=lapse.days, recorded_at=now),
        )
        event = MeetingsLapsed(
            cohort_id=cohort.id,
            team_id=team.id,
            team_name=team.name,
            coach_id=coach_id,
            last_meeting_on=last_meeting_on,
            days_without_meeting=lapse.days,
            lapsed_at=now,
        )
        await record_event(session, event, subject=str(team.id))
        recorded.append(event)
    return recorded


async def check_meeting_lapses(
    session: AsyncSession, *, context: ServiceContext[ImprovementSettings]
) -> None:
    """The periodic job: the service's clock and its configured number of days."""
    await record_lapses(
        session, now=context.clock.now(), lapse_days=context.settings.meetings_lapse_days
    )
