"""Alerts for coaches: a team disengaged (to its coach and the coordinators), a chart signal
(to the team's coach), project meetings lapsed (to the coach)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications import store
from services.notifications.messages import Recipient, notify
from services.notifications.rules import Kind
from services.notifications.settings import NotificationsSettings
from shared.events.improvement import MeetingsLapsed
from shared.events.measurement import SignalDetected
from shared.events.sessions import TeamDisengaged
from shared.handlers import HandlerContext

Context = HandlerContext[NotificationsSettings]


async def _coach_of(
    session: AsyncSession, team_id: uuid.UUID, coach_id: uuid.UUID | None
) -> tuple[list[Recipient], str]:
    team = await store.team(session, team_id)
    coach = await store.coach(session, coach_id or (team.coach_id if team else None))
    people = [Recipient(coach.email, coach.name)] if coach else []
    return people, team.team_name if team else "A team"


async def team_disengaged(
    session: AsyncSession, *, event: TeamDisengaged, context: Context
) -> None:
    coaches, team_name = await _coach_of(session, event.team_id, event.coach_id)
    await notify(
        session,
        settings=context.settings,
        event_key=context.envelope.id,
        kind=Kind.team_disengaged,
        recipients=[*coaches, Recipient(context.settings.coordinators_email, "coordinators")],
        values={"team_name": team_name, "last_missed_on": event.last_missed_on},
        now=context.clock.now(),
    )


async def signal_detected(
    session: AsyncSession, *, event: SignalDetected, context: Context
) -> None:
    coaches, team_name = await _coach_of(session, event.team_id, None)
    await notify(
        session,
        settings=context.settings,
        event_key=context.envelope.id,
        kind=Kind.chart_signal,
        recipients=coaches,
        values={
            "team_name": team_name,
            "signal_class": event.signal_class,
            "rule": event.rule.replace("_", " "),
            "measure_key": event.measure_key,
            "first_period": min(event.periods) if event.periods else None,
        },
        now=context.clock.now(),
    )


async def meetings_lapsed(
    session: AsyncSession, *, event: MeetingsLapsed, context: Context
) -> None:
    coaches, _team_name = await _coach_of(session, event.team_id, event.coach_id)
    await notify(
        session,
        settings=context.settings,
        event_key=context.envelope.id,
        kind=Kind.meetings_lapsed,
        recipients=coaches,
        values={
            "team_name": event.team_name,
            "days": event.days_without_meeting,
            "last_meeting_on": event.last_meeting_on,
        },
        now=context.clock.now(),
    )
