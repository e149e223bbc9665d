"""Enrolment's events: the contacts this service keeps (teams' leads and sponsors, coaches,
accounts-payable mailboxes), and the messages of an application: expression of interest
received, the cohort's go or no-go, the team's welcome."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications import store
from services.notifications.messages import Recipient, notify
from services.notifications.models import Coach, Organisation, Team
from services.notifications.rules import Kind
from services.notifications.settings import NotificationsSettings
from shared.events.enrolment import (
    CoachAllocated,
    CohortCancelled,
    CohortConfirmed,
    EoiSubmitted,
    OrganisationRef,
    OrganisationUpdated,
    TeamConfirmed,
    TeamWithdrawn,
)
from shared.handlers import HandlerContext

Context = HandlerContext[NotificationsSettings]


def leads(team: Team) -> list[Recipient]:
    """A team's contacts: its project lead and senior sponsor."""
    return [
        Recipient(team.lead_email, team.lead_name),
        Recipient(team.sponsor_email, team.sponsor_name),
    ]


async def _keep_organisation(session: AsyncSession, ref: OrganisationRef) -> None:
    row = await store.organisation(session, ref.id)
    if row is None:
        row = Organisation(id=ref.id, name=ref.name)
        session.add(row)
    row.name = ref.name
    payable = ref.accounts_payable
    row.accounts_payable_email = payable.email if payable else None
    row.accounts_payable_name = payable.name if payable else None


async def eoi_submitted(session: AsyncSession, *, event: EoiSubmitted, context: Context) -> None:
    team = await store.team(session, event.team_id)
    if team is None:
        team = Team(id=event.team_id, cohort_id=event.cohort_id, status="applied")
        session.add(team)
    team.team_name = event.team_name
    team.organisation_id = event.organisation_id
    team.cohort_name = event.cohort_name or team.cohort_name
    team.organisation_name = event.organisation_name or team.organisation_name
    if event.project_lead is not None:
        team.lead_name, team.lead_email = event.project_lead.name, event.project_lead.email
    if event.senior_sponsor is not None:
        team.sponsor_name, team.sponsor_email = (
            event.senior_sponsor.name,
            event.senior_sponsor.email,
        )
    await notify(
        session,
        settings=context.settings,
        event_key=context.envelope.id,
        kind=Kind.eoi_received,
        recipients=leads(team),
        values={
            "team_name": team.team_name,
            "organisation_name": team.organisation_name,
            "cohort_name": team.cohort_name,
        },
        now=context.clock.now(),
    )


async def _decision(
    session: AsyncSession,
    context: Context,
    *,
    kind: Kind,
    team_ids: list[uuid.UUID],
    cohort_name: str | None,
    reason: str | None = None,
) -> None:
    for team in await store.teams(session, team_ids):
        if kind is Kind.cohort_no_go:
            team.status = "released"
        await notify(
            session,
            settings=context.settings,
            event_key=context.envelope.id,
            kind=kind,
            recipients=leads(team),
            values={
                "team_name": team.team_name,
                "cohort_name": cohort_name or team.cohort_name,
                "reason": reason,
            },
            now=context.clock.now(),
        )


async def cohort_confirmed(
    session: AsyncSession, *, event: CohortConfirmed, context: Context
) -> None:
    await _decision(
        session, context, kind=Kind.cohort_go, team_ids=list(event.team_ids), cohort_name=event.name
    )


async def cohort_cancelled(
    session: AsyncSession, *, event: CohortCancelled, context: Context
) -> None:
    await _decision(
        session,
        context,
        kind=Kind.cohort_no_go,
        team_ids=list(event.team_ids),
        cohort_name=None,
        reason=event.reason,
    )


async def team_confirmed(session: AsyncSession, *, event: TeamConfirmed, context: Context) -> None:
    team = await store.team(session, event.team_id)
    if team is None:
        team = Team(id=event.team_id, cohort_id=event.cohort_id, status="confirmed")
        session.add(team)
    team.status = "confirmed"
    team.team_name = event.team_name
    team.cohort_name = event.cohort_name
    team.organisation_id = event.organisation.id
    team.organisation_name = event.organisation.name
    team.lead_name, team.lead_email = event.project_lead.name, event.project_lead.email
    if event.senior_sponsor is not None:
        team.sponsor_name, team.sponsor_email = (
            event.senior_sponsor.name,
            event.senior_sponsor.email,
        )
    team.coach_id = event.coach_id or team.coach_id
    await _keep_organisation(session, event.organisation)
    coach = await store.coach(session, team.coach_id)
    await notify(
        session,
        settings=context.settings,
        event_key=context.envelope.id,
        kind=Kind.team_welcome,
        recipients=leads(team),
        values={
            "team_name": team.team_name,
            "cohort_name": team.cohort_name,
            "coach_name": coach.name if coach else None,
            "calendar_url": f"{context.settings.public_url.rstrip('/')}/calendar",
        },
        now=context.clock.now(),
    )


async def team_withdrawn(session: AsyncSession, *, event: TeamWithdrawn, context: Context) -> None:
    team = await store.team(session, event.team_id)
    if team is not None:
        team.status = "withdrawn"


async def coach_allocated(
    session: AsyncSession, *, event: CoachAllocated, context: Context
) -> None:
    coach = await store.coach(session, event.coach_id)
    if coach is None:
        session.add(Coach(id=event.coach_id, name=event.coach_name, email=event.coach_email))
    else:
        coach.name = event.coach_name
        coach.email = event.coach_email or coach.email
    team = await store.team(session, event.team_id)
    if team is not None:
        team.coach_id = event.coach_id


async def organisation_updated(
    session: AsyncSession, *, event: OrganisationUpdated, context: Context
) -> None:
    await _keep_organisation(session, event.organisation)
