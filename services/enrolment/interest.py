"""Expressions of interest: a team lead (or a coordinator) submits one for a team (records
``enrolment.eoi.submitted``) and edits it until the team is confirmed; a coordinator accepts or
declines it (the first time accepted teams reach the minimum records ``enrolment.cohort.viable``);
a team lead or coordinator withdraws the team (``enrolment.team.withdrawn`` once confirmed)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pydantic import EmailStr, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment import rules, store
from services.enrolment.cohorts import cohort_status
from services.enrolment.fields import PurchaseOrder, RequestModel, Setting, Text200, Text2000
from services.enrolment.models import Cohort, Team
from services.enrolment.problems import PROBLEM_BASE, conflict, refused, unknown_organisation
from services.enrolment.rules import CohortStatus, TeamStatus, TransitionRefused
from shared.auth import Principal, Role
from shared.errors import Forbidden, Unprocessable
from shared.events.enrolment import CohortViable, EoiSubmitted, TeamWithdrawn
from shared.outbox import record_event


class ContactIn(RequestModel):
    name: Text200
    email: EmailStr
    job_title: Text200


class MemberIn(RequestModel):
    role: Text200 = Field(description="Role or grade, e.g. 'Band 5 nurse', 'service user'")
    name: Text200 | None = None
    is_service_user: bool = Field(False, strict=True)


class EoiCreate(RequestModel):
    organisation_id: uuid.UUID
    team_name: Text200
    setting: Setting
    service_type: Text200 = Field(examples=["Community mental health team"])
    project_lead: ContactIn
    senior_sponsor: ContactIn | None = Field(
        None, description="Required: operational responsibility for the service"
    )
    project_team: list[MemberIn] = Field(default_factory=list, max_length=50)
    service_user_involvement: Text2000 | None = Field(
        None,
        description="For a clinical team without a service-user member: how service users "
        "will be involved",
    )
    agreed_to_take_part: bool = Field(
        False,
        strict=True,
        description="Required true: the team has discussed and agreed to take part",
    )
    can_meet_commitment: bool = Field(
        False,
        strict=True,
        description="Required true: the team can meet weekly or fortnightly and attend the "
        "monthly learning sets",
    )
    purchase_order: PurchaseOrder | None = None
    late_entry: bool = Field(
        False,
        strict=True,
        description="Coordinators only: accept the EOI after the deadline (recorded on the team)",
    )


class EoiUpdate(RequestModel):
    """Changes to an EOI before it is confirmed; only the fields given change."""

    team_name: Text200 | None = None
    service_type: Text200 | None = None
    project_lead: ContactIn | None = None
    senior_sponsor: ContactIn | None = None
    project_team: list[MemberIn] | None = Field(None, max_length=50)
    service_user_involvement: Text2000 | None = None
    purchase_order: PurchaseOrder | None = None


async def record_eoi_submitted(session: AsyncSession, team: Team) -> None:
    submitted = EoiSubmitted(
        cohort_id=team.cohort_id,
        team_id=team.id,
        organisation_id=team.organisation_id,
        team_name=team.name,
        setting=team.setting,
        late_entry=team.late_entry,
    )
    await record_event(session, submitted, subject=str(team.id))


def _check_eoi_rules(eoi: Mapping[str, Any]) -> None:
    """Every programme rule the EOI (as stored: plain values) breaks, in one 422."""
    errors = rules.eoi_errors(
        rules.EoiFacts(
            setting=eoi["setting"],
            has_sponsor=eoi["senior_sponsor"] is not None,
            service_user_members=sum(1 for m in eoi["project_team"] if m.get("is_service_user")),
            service_user_involvement=eoi["service_user_involvement"],
            agreed_to_take_part=eoi["agreed_to_take_part"],
            can_meet_commitment=eoi["can_meet_commitment"],
        )
    )
    if errors:
        raise Unprocessable(
            "the expression of interest is incomplete: see errors",
            type=PROBLEM_BASE + "incomplete-eoi",
            errors=[
                {"field": ".".join(str(p) for p in e.loc[1:]), "message": e.msg, "type": "eoi"}
                for e in errors
            ],
        )


async def submit_eoi(
    session: AsyncSession, *, cohort_id: uuid.UUID, data: EoiCreate, user: Principal, now: datetime
) -> Team:
    cohort = await store.cohort(session, cohort_id)
    organisation = await store.organisation(session, user, data.organisation_id)
    if organisation is None:
        raise unknown_organisation()
    if data.late_entry and user.role is not Role.coordinator:
        raise Forbidden("only a coordinator may submit a late entry")
    eoi = data.model_dump(exclude={"organisation_id", "late_entry", "team_name"})
    _check_eoi_rules(eoi)
    try:
        rules.check_eoi_window(
            CohortStatus(cohort.status),
            deadline=cohort.eoi_deadline,
            now=now,
            late_entry=data.late_entry,
        )
    except TransitionRefused as exc:
        raise refused(exc) from exc
    team = Team(
        **eoi,
        cohort_id=cohort.id,
        organisation_id=organisation.id,
        name=data.team_name,
        status=TeamStatus.SUBMITTED.value,
        # Recorded only when it mattered: the deadline had passed or the cohort was closed.
        late_entry=data.late_entry and cohort_status(cohort, now) != CohortStatus.OPEN,
        submitted_by=user.subject,
        submitted_at=now,
    )
    await store.add(session, team)
    team.organisation = organisation
    await record_eoi_submitted(session, team)
    return team


_EDITABLE = (TeamStatus.SUBMITTED.value, TeamStatus.ACCEPTED.value)
_REQUIRED = ("team_name", "service_type", "project_lead", "project_team")


async def update_eoi(
    session: AsyncSession, *, team_id: uuid.UUID, data: EoiUpdate, user: Principal
) -> Team:
    """Change an EOI's details before it is confirmed (team leads: their own teams only)."""
    team = await store.lock_team(session, team_id, user)
    if team.status not in _EDITABLE:
        raise conflict(
            f"a {team.status} team's expression of interest can no longer be changed",
            "team-state",
        )
    changes = data.model_dump(exclude_unset=True)
    required = [k for k in _REQUIRED if k in changes and changes[k] is None]
    if required:
        raise Unprocessable(
            "these fields cannot be emptied",
            errors=[{"field": k, "message": "required", "type": "missing"} for k in required],
        )
    _check_eoi_rules(
        {
            "setting": team.setting,
            "senior_sponsor": team.senior_sponsor,
            "project_team": team.project_team,
            "service_user_involvement": team.service_user_involvement,
            "agreed_to_take_part": team.agreed_to_take_part,
            "can_meet_commitment": team.can_meet_commitment,
        }
        | changes
    )
    for key, value in changes.items():
        setattr(team, "name" if key == "team_name" else key, value)
    return team


async def lock_for_action(
    session: AsyncSession, action: str, *, team_id: uuid.UUID, user: Principal, now: datetime
) -> tuple[Team, Cohort, bool]:
    """Lock the team in its cohort and check ``action`` against both states: the team, its
    cohort, and whether the action changes anything (doing it twice does it once)."""
    team, cohort = await store.lock_team_in_cohort(session, team_id, user)
    try:
        changes = rules.check_team_action(
            action, TeamStatus(team.status), cohort_status(cohort, now)
        )
    except TransitionRefused as exc:
        raise refused(exc) from exc
    return team, cohort, changes


async def _answer(
    session: AsyncSession,
    answer: TeamStatus,
    *,
    reason: str | None,
    team_id: uuid.UUID,
    user: Principal,
    now: datetime,
) -> tuple[Team, Cohort, bool]:
    """Accept or decline an EOI (either may be reversed until the team is confirmed)."""
    action = "accept" if answer is TeamStatus.ACCEPTED else "decline"
    team, cohort, changes = await lock_for_action(
        session, action, team_id=team_id, user=user, now=now
    )
    if changes:
        team.status = answer.value
        team.decided_at = now
        team.decline_reason = reason
    return team, cohort, changes


async def accept_team(
    session: AsyncSession, *, team_id: uuid.UUID, user: Principal, now: datetime
) -> Team:
    team, cohort, changed = await _answer(
        session, TeamStatus.ACCEPTED, reason=None, team_id=team_id, user=user, now=now
    )
    if changed:
        await _note_viability(session, cohort=cohort, now=now)
    return team


async def decline_team(
    session: AsyncSession, *, team_id: uuid.UUID, reason: str | None, user: Principal, now: datetime
) -> Team:
    team, _cohort, _changed = await _answer(
        session, TeamStatus.DECLINED, reason=reason, team_id=team_id, user=user, now=now
    )
    return team


async def _note_viability(session: AsyncSession, *, cohort: Cohort, now: datetime) -> None:
    """Record ``enrolment.cohort.viable`` the first time accepted teams reach the minimum."""
    if cohort.viable_at is not None:
        return
    accepted = await store.accepted_count(session, cohort.id)
    if accepted >= cohort.minimum_teams and await store.mark_viable(session, cohort, now=now):
        await record_event(
            session,
            CohortViable(
                cohort_id=cohort.id, accepted_teams=accepted, minimum_teams=cohort.minimum_teams
            ),
            subject=str(cohort.id),
        )


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
    withdrawn_on = withdrawn_on or rules.uk_today(now)
    team.status = TeamStatus.WITHDRAWN.value
    team.withdrawn_on = withdrawn_on
    team.withdrawal_reason = reason
    if was_confirmed:
        # Only confirmed teams are known to the other services (billing credits, rosters).
        withdrawn = TeamWithdrawn(
            cohort_id=cohort.id,
            team_id=team.id,
            organisation_id=team.organisation_id,
            reason=reason,
            withdrawn_on=withdrawn_on,
        )
        await record_event(session, withdrawn, subject=str(team.id))
    return team
