"""Withdrawing a team: its project lead (a team lead), the applicant who submitted it (before it
is confirmed) or a coordinator withdraws it, with a reason. The withdrawal takes effect today in
the UK; only a coordinator may give another date, never before the team was confirmed and never
in the future. A confirmed team's withdrawal records ``enrolment.team.withdrawn`` with who
withdrew it and who chose its date (billing credits by that date)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment import rules
from services.enrolment.interest import lock_for_action
from services.enrolment.models import Team
from services.enrolment.rules import TeamStatus, WithdrawalDateRefused
from shared.auth import Principal, Role
from shared.errors import Forbidden, Unprocessable
from shared.events.enrolment import TeamWithdrawn
from shared.outbox import record_event


def _effective_date(team: Team, chosen: date | None, *, user: Principal, now: datetime) -> date:
    since, at = (
        ("confirmed", team.confirmed_at) if team.confirmed_at else ("submitted", team.submitted_at)
    )
    try:
        return rules.withdrawal_date(
            chosen,
            today=rules.uk_today(now),
            earliest=rules.uk_today(at),
            since=since,
            may_backdate=user.role is Role.coordinator,
        )
    except WithdrawalDateRefused as exc:
        if exc.forbidden:
            raise Forbidden(exc.message) from exc
        raise Unprocessable(
            exc.message, errors=[{"field": "withdrawn_on", "message": exc.message}]
        ) from exc


async def withdraw_team(
    session: AsyncSession,
    *,
    team_id: uuid.UUID,
    reason: str,
    withdrawn_on: date | None,
    user: Principal,
    now: datetime,
) -> Team:
    team, cohort, changes = await lock_for_action(
        session, "withdraw", team_id=team_id, user=user, now=now
    )
    if not changes:
        return team
    was_confirmed = team.status == TeamStatus.CONFIRMED.value
    if was_confirmed and user.role is Role.applicant:
        raise Forbidden("a confirmed team is withdrawn by its project lead or a coordinator")
    effective = _effective_date(team, withdrawn_on, user=user, now=now)
    chosen_by = user.subject if effective != rules.uk_today(now) else None
    team.status = TeamStatus.WITHDRAWN.value
    team.withdrawn_on = effective
    team.withdrawal_reason = reason
    team.withdrawn_by = user.subject
    team.withdrawal_date_chosen_by = chosen_by
    if was_confirmed:
        # Only confirmed teams are known to the other services (billing credits, rosters).
        withdrawn = TeamWithdrawn(
            cohort_id=cohort.id,
            team_id=team.id,
            organisation_id=team.organisation_id,
            reason=reason,
            withdrawn_on=effective,
            withdrawn_by=user.subject,
            date_chosen_by=chosen_by,
        )
        await record_event(session, withdrawn, subject=str(team.id))
    return team
