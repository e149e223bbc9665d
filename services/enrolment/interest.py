"""Expressions of interest: an applicant, a team lead or a coordinator submits one for a team
(records ``enrolment.eoi.submitted``) and edits it until the team is confirmed; a coordinator
accepts or declines it (the first time accepted teams reach the minimum records
``enrolment.cohort.viable``). Withdrawing a team: ``withdrawals``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, EmailStr, Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment import eoi_rules, store
from services.enrolment.cohorts import cohort_status
from services.enrolment.eoi_rules import COMMITMENTS, team_name_key
from services.enrolment.fields import (
    InvoiceReferenceText,
    PurchaseOrder,
    RequestModel,
    Setting,
    Text200,
    Text2000,
)
from services.enrolment.models import Cohort, Team
from services.enrolment.organisations import OrganisationNamed, organisation_for_eoi
from services.enrolment.problems import conflict, problem, refused
from services.enrolment.rules import (
    LIVE_STATUSES,
    CohortStatus,
    TeamStatus,
    TransitionRefused,
    check_eoi_window,
    check_team_action,
)
from shared.auth import Principal, Role
from shared.errors import Conflict, Forbidden, Unprocessable
from shared.events.enrolment import CohortViable, Contact, EoiSubmitted, InvoiceReference
from shared.fields import strip
from shared.outbox import record_event


def _phone(value: str) -> str:
    if not eoi_rules.is_phone_number(value):
        raise ValueError("a telephone number: 10 to 15 digits, e.g. 01632 960 001")
    return value


PhoneNumber = Annotated[
    str, StringConstraints(max_length=30), AfterValidator(strip), AfterValidator(_phone)
]


def _commitment(name: str) -> Any:
    return Field(None, strict=True, description=f"Required true: {COMMITMENTS[name]}")


class ContactIn(RequestModel):
    name: Text200
    email: EmailStr
    job_title: Text200


class MemberIn(RequestModel):
    role: Text200 = Field(description="Role or grade, e.g. 'Band 5 nurse', 'service user'")
    name: Text200 | None = None
    is_service_user: bool = Field(False, strict=True)


class EoiDetails(RequestModel):
    """What the form asks, beyond the team's name and setting. The programme's required answers
    are optional here so that one 422 names every missing one, each with its own message."""

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
    team_size: int | None = Field(
        None, ge=1, le=2000, strict=True, description="Required: how many people work in the team"
    )
    contact_phone: PhoneNumber | None = Field(
        None,
        description="Required: the project lead's telephone number",
        examples=["01632 960 001"],
    )
    hopes_to_improve: Text2000 | None = Field(
        None, description="Required: what the team hopes to improve"
    )
    agreed_to_take_part: bool | None = _commitment("agreed_to_take_part")
    can_meet_commitment: bool | None = _commitment("can_meet_commitment")
    will_attend_learning_sets: bool | None = _commitment("will_attend_learning_sets")
    will_implement_change_ideas: bool | None = _commitment("will_implement_change_ideas")
    will_collect_data: bool | None = _commitment("will_collect_data")
    purchase_order: PurchaseOrder | None = None
    cost_centre: InvoiceReferenceText | None = Field(
        None,
        description="A cost centre (or other code) the organisation's accounts payable want "
        "quoted on its invoices",
    )


class EoiCreate(EoiDetails):
    organisation_id: uuid.UUID | None = Field(
        None, description="A registered organisation (coordinators; team leads: their own)"
    )
    organisation: OrganisationNamed | None = Field(
        None,
        description="The organisation by its ODS code, as applicants name it (an unknown code "
        "registers it, unverified until a coordinator verifies or merges it)",
    )
    team_name: Text200
    setting: Setting
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
    team_size: int | None = Field(None, ge=1, le=2000, strict=True)
    contact_phone: PhoneNumber | None = None
    hopes_to_improve: Text2000 | None = None
    will_attend_learning_sets: bool | None = Field(None, strict=True)
    will_implement_change_ideas: bool | None = Field(None, strict=True)
    will_collect_data: bool | None = Field(None, strict=True)
    purchase_order: PurchaseOrder | None = None
    cost_centre: InvoiceReferenceText | None = None


# What the organisation asked to be quoted on its invoices besides the purchase order: the
# team's column and the label billing prints. Billing prints whatever the confirmation carries,
# so a new reference is a form field, a column and a line here.
INVOICE_REFERENCES = {"cost_centre": "Cost centre"}


def invoice_references(team: Team) -> list[InvoiceReference]:
    """The team's invoice references that were given, in the order above."""
    return [
        InvoiceReference(label=label, value=value)
        for column, label in INVOICE_REFERENCES.items()
        if (value := getattr(team, column))
    ]


# What the programme's rules look at, as stored on a team.
EOI_FACTS = (
    "setting",
    "senior_sponsor",
    "project_team",
    "service_user_involvement",
    "team_size",
    "contact_phone",
    "hopes_to_improve",
    *COMMITMENTS,
)


async def record_eoi_submitted(session: AsyncSession, team: Team, *, cohort: Cohort) -> None:
    """Record ``enrolment.eoi.submitted`` with who to acknowledge it to (team.organisation
    loaded)."""
    sponsor = team.senior_sponsor
    submitted = EoiSubmitted(
        cohort_id=team.cohort_id,
        team_id=team.id,
        organisation_id=team.organisation_id,
        team_name=team.name,
        setting=team.setting,
        late_entry=team.late_entry,
        cohort_name=cohort.name,
        organisation_name=team.organisation.name,
        project_lead=Contact.model_validate(team.project_lead),
        senior_sponsor=Contact.model_validate(sponsor) if sponsor else None,
    )
    await record_event(session, submitted, subject=str(team.id))


def _check_eoi_rules(eoi: Mapping[str, Any]) -> None:
    """Every programme rule the EOI (as stored: plain values) breaks, in one 422."""
    errors = eoi_rules.eoi_errors(
        eoi_rules.EoiFacts(
            setting=eoi["setting"],
            has_sponsor=eoi["senior_sponsor"] is not None,
            service_user_members=sum(1 for m in eoi["project_team"] if m.get("is_service_user")),
            service_user_involvement=eoi["service_user_involvement"],
            team_size=eoi["team_size"],
            contact_phone=eoi["contact_phone"],
            hopes_to_improve=eoi["hopes_to_improve"],
            **{commitment: eoi[commitment] for commitment in COMMITMENTS},
        )
    )
    if errors:
        raise Unprocessable(
            "the expression of interest is incomplete: see errors",
            type=problem("incomplete-eoi"),
            errors=[
                {"field": ".".join(str(p) for p in e.loc[1:]), "message": e.msg, "type": "eoi"}
                for e in errors
            ],
        )


async def _refuse_duplicate(
    session: AsyncSession,
    *,
    cohort_id: uuid.UUID,
    organisation_id: uuid.UUID,
    name: str,
    other_than: uuid.UUID | None = None,
) -> None:
    """One organisation puts a team forward to a cohort once: a live EOI with the same name
    (case and spacing aside) is a 409."""
    key = team_name_key(name)
    for team in await store.live_teams_of(
        session, [organisation_id], LIVE_STATUSES, cohort_id=cohort_id
    ):
        if team.id != other_than and team_name_key(team.name) == key:
            raise Conflict(
                f"{team.name} is already put forward to this cohort by the organisation",
                type=problem("duplicate-eoi"),
                team_id=str(team.id),
            )


async def submit_eoi(
    session: AsyncSession, *, cohort_id: uuid.UUID, data: EoiCreate, user: Principal, now: datetime
) -> Team:
    # The cohort lock serialises submissions to it, so two at once cannot both pass the
    # duplicate check.
    cohort = await store.cohort(session, cohort_id, lock=True)
    if data.late_entry and user.role is not Role.coordinator:
        raise Forbidden("only a coordinator may submit a late entry")
    eoi = data.model_dump(exclude={"organisation_id", "organisation", "late_entry", "team_name"})
    _check_eoi_rules(eoi)
    # Another organisation's is 404 before anything else is said about it. (An organisation
    # registered here goes with the transaction when the EOI is refused below.)
    organisation = await organisation_for_eoi(
        session, user=user, organisation_id=data.organisation_id, named=data.organisation, now=now
    )
    try:
        check_eoi_window(
            CohortStatus(cohort.status),
            deadline=cohort.eoi_deadline,
            now=now,
            late_entry=data.late_entry,
        )
    except TransitionRefused as exc:
        raise refused(exc) from exc
    await _refuse_duplicate(
        session, cohort_id=cohort.id, organisation_id=organisation.id, name=data.team_name
    )
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
    await record_eoi_submitted(session, team, cohort=cohort)
    return team


_EDITABLE = (TeamStatus.SUBMITTED.value, TeamStatus.ACCEPTED.value)
_REQUIRED = ("team_name", "service_type", "project_lead", "project_team")


async def update_eoi(
    session: AsyncSession, *, team_id: uuid.UUID, data: EoiUpdate, user: Principal
) -> Team:
    """Change an EOI's details before it is confirmed (team leads: their own organisation's
    teams; applicants: the EOIs they submitted)."""
    team, _cohort = await store.lock_team_in_cohort(session, team_id, user)
    if team.status not in _EDITABLE:
        raise conflict(
            f"a {team.status} team's expression of interest can no longer be changed",
            "team-state",
        )
    given = data.model_dump()
    changes = {k: given[k] for k in data.model_fields_set}
    required = [k for k in _REQUIRED if k in changes and changes[k] is None]
    if required:
        raise Unprocessable(
            "these fields cannot be emptied",
            errors=[{"field": k, "message": "required", "type": "missing"} for k in required],
        )
    _check_eoi_rules({k: getattr(team, k) for k in EOI_FACTS} | changes)
    if "team_name" in changes:
        await _refuse_duplicate(
            session,
            cohort_id=team.cohort_id,
            organisation_id=team.organisation_id,
            name=changes["team_name"],
            other_than=team.id,
        )
    for key, value in changes.items():
        setattr(team, "name" if key == "team_name" else key, value)
    return team


async def lock_for_action(
    session: AsyncSession, action: str, *, team_id: uuid.UUID, user: Principal, now: datetime
) -> tuple[Team, Cohort, bool]:
    """Lock the team in its cohort and check ``action`` against both states: the team, its
    cohort, and whether the action changes anything (doing it twice does it once). A team of an
    unverified organisation is neither accepted nor confirmed."""
    team, cohort = await store.lock_team_in_cohort(session, team_id, user)
    try:
        changes = check_team_action(action, TeamStatus(team.status), cohort_status(cohort, now))
    except TransitionRefused as exc:
        raise refused(exc) from exc
    if changes and action in ("accept", "confirm") and not team.organisation.verified:
        raise conflict(
            f"{team.organisation.name} is not verified yet: verify it, or merge it into the "
            "organisation it duplicates, first",
            "organisation-unverified",
        )
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
        await note_viability(session, cohort=cohort, now=now)
    return team


async def decline_team(
    session: AsyncSession, *, team_id: uuid.UUID, reason: str | None, user: Principal, now: datetime
) -> Team:
    team, _cohort, _changed = await _answer(
        session, TeamStatus.DECLINED, reason=reason, team_id=team_id, user=user, now=now
    )
    return team


async def note_viability(session: AsyncSession, *, cohort: Cohort, now: datetime) -> None:
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
