"""Sessions' events: the copies of a cohort's sessions (for reminders 7 days and 1 day
before), sessions moved or cancelled, places confirmed from the waiting list; all to the project
leads and sponsors of the teams on the cohort's roster."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications import store
from services.notifications.applications import leads
from services.notifications.messages import Recipient, notify
from services.notifications.models import ProgrammeSession
from services.notifications.rules import Kind, session_reminder_due
from services.notifications.settings import NotificationsSettings
from shared.events.sessions import (
    PlaceConfirmed,
    SessionCancelled,
    SessionRescheduled,
    SessionScheduled,
)
from shared.handlers import HandlerContext, ServiceContext

Context = HandlerContext[NotificationsSettings]


async def roster(session: AsyncSession, cohort_id: uuid.UUID) -> list[Recipient]:
    return [
        person for team in await store.cohort_roster(session, cohort_id) for person in leads(team)
    ]


async def _keep(session: AsyncSession, event: SessionScheduled | SessionRescheduled) -> None:
    row = await store.programme_session(session, event.session_id)
    if row is None:
        row = ProgrammeSession(id=event.session_id, cancelled=False)
        session.add(row)
    row.cohort_id = event.cohort_id
    row.kind, row.title = event.kind, event.title
    row.starts_at, row.ends_at, row.mode = event.starts_at, event.ends_at, event.mode
    row.join_url, row.venue = event.join_url, event.venue


async def session_scheduled(
    session: AsyncSession, *, event: SessionScheduled, context: Context
) -> None:
    await _keep(session, event)


async def session_rescheduled(
    session: AsyncSession, *, event: SessionRescheduled, context: Context
) -> None:
    await _keep(session, event)
    if not {"starts_at", "ends_at", "mode", "venue", "join_url"} & set(event.changed):
        return
    await notify(
        session,
        settings=context.settings,
        event_key=context.envelope.id,
        kind=Kind.session_moved,
        recipients=await roster(session, event.cohort_id),
        values=event.model_dump(),
        now=context.clock.now(),
    )


async def session_cancelled(
    session: AsyncSession, *, event: SessionCancelled, context: Context
) -> None:
    row = await store.programme_session(session, event.session_id)
    if row is not None:
        row.cancelled = True
    await notify(
        session,
        settings=context.settings,
        event_key=context.envelope.id,
        kind=Kind.session_cancelled,
        recipients=await roster(session, event.cohort_id),
        values=event.model_dump(),
        now=context.clock.now(),
    )


async def place_confirmed(
    session: AsyncSession, *, event: PlaceConfirmed, context: Context
) -> None:
    """Only a place confirmed from the waiting list is news (one confirmed at registration was
    the registrant's own doing)."""
    if not event.from_waiting_list:
        return
    team = await store.team(session, event.team_id)
    if team is None:
        return
    await notify(
        session,
        settings=context.settings,
        event_key=context.envelope.id,
        kind=Kind.place_confirmed,
        recipients=leads(team),
        values={**event.model_dump(), "team_name": team.team_name},
        now=context.clock.now(),
    )


async def remind_sessions(
    session: AsyncSession, *, context: ServiceContext[NotificationsSettings]
) -> None:
    """The periodic job: each session's reminder whose moment has come (each once: its key is
    the session and the number of days before)."""
    now = context.clock.now()
    days = context.settings.session_reminder_days
    if not days:
        return
    for row in await store.sessions_starting(
        session, after=now, before=now + timedelta(days=max(days))
    ):
        due = session_reminder_due(row.starts_at, now, days)
        key = f"session:{row.id}:reminder:{due.days_before}" if due else ""
        if due is None or await store.message_made(session, key):
            continue
        await notify(
            session,
            settings=context.settings,
            event_key=key,
            kind=Kind.session_reminder,
            recipients=await roster(session, row.cohort_id),
            values={
                "title": row.title,
                "when": "tomorrow" if due.days_before == 1 else f"in {due.days_before} days",
                "starts_at": row.starts_at,
                "ends_at": row.ends_at,
                "join_url": row.join_url,
                "venue": row.venue,
            },
            now=now,
        )
