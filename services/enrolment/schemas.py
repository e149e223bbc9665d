"""Request and response models of the enrolment API, and the one builder of each answer.

Requests forbid unknown fields; status, organisation of a team lead, prices are never taken from
the client except where a coordinator sets a cohort's terms. The larger request bodies are the
use cases' own input models (``cohorts.CohortCreate``, ``terms.TermsChange``,
``organisations.OrganisationCreate`` / ``OrganisationUpdate`` / ``OrganisationMerge``,
``interest.EoiCreate`` / ``EoiUpdate`` and ``erasure.ErasureRequest``).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from services.enrolment.coaches import CoachWithLoad
from services.enrolment.cohorts import CohortReport, CohortView, terms_of
from services.enrolment.decisions import CarriedForward, DecisionResult
from services.enrolment.eoi_rules import COMMITMENTS
from services.enrolment.fields import (
    CohortStatusName,
    Nation,
    ProgrammeDate,
    Reason,
    RequestModel,
    Setting,
    TeamStatusName,
    Text200,
    Text2000,
    UtcDateTime,
)
from services.enrolment.models import CohortChange, Erasure, Organisation, Team
from services.enrolment.rules import Decision, Viability, money, to_uk


class _Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ------------------------------------------------------------------------------ cohorts


class CohortTermsOut(_Response):
    fee_per_team: Decimal
    multi_team_discount: Decimal
    vat_rate: Decimal
    start_date: date
    lead_in_months: int
    coaching_months: int
    withdrawal_credit_cutoff: date = Field(
        description="Withdrawals before this date are credited in full (the start date unless "
        "the coordinator chose another)"
    )


class CohortOut(_Response):
    id: uuid.UUID
    name: str
    status: CohortStatusName = Field(
        description="open → closed (deadline passed or closed early) → confirmed | cancelled"
    )
    eoi_deadline: UtcDateTime = Field(description="UTC")
    eoi_deadline_uk: datetime = Field(description="The same instant in Europe/London")
    minimum_teams: int
    terms: CohortTermsOut
    decision_override_reason: str | None = None
    decision_reason: str | None = None
    decided_at: UtcDateTime | None = None
    viable_at: UtcDateTime | None = None
    created_at: UtcDateTime


class TallyOut(BaseModel):
    submitted: int
    accepted: int


class OrganisationTallyOut(BaseModel):
    organisation_id: uuid.UUID
    name: str
    submitted: int
    accepted: int


class ViabilityOut(BaseModel):
    minimum_teams: int
    submitted: int = Field(description="EOIs still in play: submitted, accepted or confirmed")
    accepted: int = Field(description="Accepted or confirmed teams")
    declined: int
    withdrawn: int
    shortfall: int
    viable: bool
    deadline_passed: bool
    days_to_deadline: int = Field(description="UK calendar days to the deadline; 0 once passed")
    by_nation: dict[str, TallyOut]
    by_setting: dict[str, TallyOut]
    by_organisation: list[OrganisationTallyOut]


class CohortDetail(CohortOut):
    viability: ViabilityOut | None = Field(
        description="Coordinators only (it names every organisation taking part); null for others"
    )


class TermChangeOut(BaseModel):
    before: Any
    after: Any


class CohortChangeOut(_Response):
    changed_at: UtcDateTime
    changed_by: str
    reason: str
    changes: dict[str, TermChangeOut] = Field(
        description="Each changed term, as the API shows it (money and rates as text, times UTC)"
    )


class CommitmentOut(BaseModel):
    field: str = Field(description="The expression of interest's field that records it")
    text: str


class CohortTermsPublic(BaseModel):
    """What the application form says about a cohort: no one's data, so anyone may read it."""

    id: uuid.UUID
    name: str
    status: CohortStatusName = Field(description="Only an open cohort takes applications")
    eoi_deadline: UtcDateTime
    eoi_deadline_uk: datetime = Field(description="The deadline in Europe/London")
    minimum_teams: int = Field(description="Teams needed for the cohort to go ahead")
    terms: CohortTermsOut
    fee_per_team_including_vat: Decimal
    discounted_fee_per_team: Decimal = Field(
        description="Per team, excluding VAT, when an organisation puts several teams forward"
    )
    commitments: list[CommitmentOut]


class DecisionRequest(RequestModel):
    decision: Decision
    override_reason: Reason | None = Field(
        None, description="Required to go ahead with fewer accepted teams than the minimum"
    )
    reason: Reason | None = Field(None, description="Why (recorded; sent with a no-go)")


class DecisionOut(BaseModel):
    cohort: CohortOut
    confirmed_team_ids: list[uuid.UUID]
    released_team_ids: list[uuid.UUID]
    changed: bool = Field(description="False when the same decision had already been taken")


class CarryForwardRequest(RequestModel):
    target_cohort_id: uuid.UUID


class CarryForwardOut(_Response):
    source_cohort_id: uuid.UUID
    target_cohort_id: uuid.UUID
    carried_team_ids: list[uuid.UUID] = Field(description="The new EOIs in the target cohort")
    already_carried: int = Field(description="EOIs carried by an earlier call, left as they are")
    already_applied_team_ids: list[uuid.UUID] = Field(
        description="Released EOIs not carried: the organisation put the same team forward to "
        "the target cohort itself"
    )


# ------------------------------------------------------------------------------ organisations


class AddressOut(_Response):
    lines: list[str]
    postcode: str | None = None


class AccountsPayableOut(_Response):
    email: str
    name: str | None = None
    postal_address: AddressOut | None = None


class OrganisationOut(_Response):
    id: uuid.UUID
    name: str
    ods_code: str | None
    nation: Nation
    invoicing_address: AddressOut
    payables_code: str | None
    accounts_payable: AccountsPayableOut | None
    verified: bool = Field(
        description="False for an organisation an applicant named, until checked"
    )
    merged_into_id: uuid.UUID | None = Field(
        description="The organisation this one was merged into (its teams are there)"
    )
    created_at: UtcDateTime
    updated_at: UtcDateTime | None


# ------------------------------------------------------------------------------ EOIs / teams


class ContactOut(_Response):
    name: str
    email: str
    job_title: str


class MemberOut(_Response):
    role: str
    name: str | None = None
    is_service_user: bool = False


class WithdrawRequest(RequestModel):
    reason: Text2000
    withdrawn_on: ProgrammeDate | None = Field(
        None,
        description="Default: today in the UK. Only a coordinator may give another date (403 for "
        "anyone else), never before the team was confirmed and never in the future (422).",
    )


class DeclineRequest(RequestModel):
    reason: Text2000 | None = None


class TeamOut(_Response):
    id: uuid.UUID
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    organisation_verified: bool = Field(
        description="False while the organisation an applicant named awaits a coordinator"
    )
    nation: Nation
    team_name: str
    setting: Setting
    service_type: str
    project_lead: ContactOut
    senior_sponsor: ContactOut
    project_team: list[MemberOut]
    service_user_involvement: str | None
    team_size: int | None = Field(
        description="Null on expressions of interest made before it was asked"
    )
    contact_phone: str | None
    hopes_to_improve: str | None
    agreed_to_take_part: bool
    can_meet_commitment: bool
    will_attend_learning_sets: bool | None
    will_implement_change_ideas: bool | None
    will_collect_data: bool | None
    purchase_order: str | None
    cost_centre: str | None
    status: TeamStatusName
    late_entry: bool
    submitted_at: UtcDateTime
    decided_at: UtcDateTime | None
    decline_reason: str | None
    confirmed_at: UtcDateTime | None
    organisation_team_count: int | None = Field(
        description="The organisation's confirmed teams in the cohort when this one was confirmed"
    )
    withdrawn_on: date | None
    withdrawal_reason: str | None
    withdrawn_by: str | None
    withdrawal_date_chosen_by: str | None = Field(
        description="The coordinator who gave a withdrawal date other than the day it was recorded"
    )
    coach_id: uuid.UUID | None
    coach_name: str | None
    awaiting_coach: bool = Field(description="Confirmed, but no coach had capacity")
    carried_from_team_id: uuid.UUID | None


class TeamPage(BaseModel):
    items: list[TeamOut]
    total: int
    limit: int
    offset: int


# ------------------------------------------------------------------------------ coaches


class CoachCreate(RequestModel):
    name: Text200
    email: EmailStr
    capacity: int = Field(ge=0, le=1000, strict=True, description="Maximum number of teams")


class CoachAssignment(RequestModel):
    coach_id: uuid.UUID


class CoachOut(_Response):
    id: uuid.UUID
    name: str
    email: str
    capacity: int
    load: int = Field(description="Confirmed teams currently allocated")
    free: int
    created_at: UtcDateTime


# ------------------------------------------------------------------------------ erasures


class ErasureOut(BaseModel):
    erasure_id: uuid.UUID
    email_digest: str = Field(description="How enrolment.person.erased names the person")
    erased_at: UtcDateTime
    erased: dict[str, int] = Field(
        description="Enrolment's records of the person, pseudonymised, by kind; the other "
        "services follow enrolment.person.erased"
    )


# ------------------------------------------------------------------------------ builders


def _cohort_face(view: CohortView) -> dict[str, Any]:
    """What every answer about a cohort says: who it is, its status, deadline and terms."""
    cohort = view.cohort
    return {
        "id": cohort.id,
        "name": cohort.name,
        "status": view.status,
        "eoi_deadline": cohort.eoi_deadline,
        "eoi_deadline_uk": to_uk(cohort.eoi_deadline),
        "minimum_teams": cohort.minimum_teams,
        "terms": CohortTermsOut.model_validate(terms_of(cohort)),
    }


def cohort_out(view: CohortView) -> CohortOut:
    cohort = view.cohort
    return CohortOut(
        **_cohort_face(view),
        decision_override_reason=cohort.decision_override_reason,
        decision_reason=cohort.decision_reason,
        decided_at=cohort.decided_at,
        viable_at=cohort.viable_at,
        created_at=cohort.created_at,
    )


def viability_out(viability: Viability) -> ViabilityOut:
    return ViabilityOut.model_validate(dataclasses.asdict(viability))


def cohort_detail(report: CohortReport) -> CohortDetail:
    viability = report.viability
    return CohortDetail(
        **cohort_out(report).model_dump(),
        viability=viability_out(viability) if viability is not None else None,
    )


def decision_out(result: DecisionResult) -> DecisionOut:
    return DecisionOut(
        cohort=cohort_out(result.cohort),
        confirmed_team_ids=result.confirmed_team_ids,
        released_team_ids=result.released_team_ids,
        changed=result.changed,
    )


def carry_forward_out(result: CarriedForward) -> CarryForwardOut:
    return CarryForwardOut.model_validate(result)


def cohort_change_out(change: CohortChange) -> CohortChangeOut:
    return CohortChangeOut.model_validate(change)


def cohort_terms_public(view: CohortView) -> CohortTermsPublic:
    terms = terms_of(view.cohort)
    return CohortTermsPublic(
        **_cohort_face(view),
        fee_per_team_including_vat=money(terms.fee_per_team * (1 + terms.vat_rate)),
        discounted_fee_per_team=money(terms.fee_per_team * (1 - terms.multi_team_discount)),
        commitments=[CommitmentOut(field=k, text=v) for k, v in COMMITMENTS.items()],
    )


def erasure_out(erasure: Erasure) -> ErasureOut:
    return ErasureOut(
        erasure_id=erasure.id,
        email_digest=erasure.email_digest,
        erased_at=erasure.erased_at,
        erased=erasure.erased,
    )


def organisation_out(organisation: Organisation) -> OrganisationOut:
    return OrganisationOut.model_validate(organisation)


def team_out(team: Team | Mapping[Any, Any]) -> TeamOut:
    """A team from its row, or from the hot read's plain columns (no ORM object)."""
    if isinstance(team, Mapping):
        return TeamOut.model_validate(
            {**team, "awaiting_coach": team["status"] == "confirmed" and team["coach_id"] is None}
        )
    return TeamOut.model_validate(team)


def team_page(teams: Sequence[Team], *, total: int, limit: int, offset: int) -> TeamPage:
    return TeamPage(items=[team_out(t) for t in teams], total=total, limit=limit, offset=offset)


def coach_out(coach: CoachWithLoad) -> CoachOut:
    return CoachOut(
        id=coach.coach.id,
        name=coach.coach.name,
        email=coach.coach.email,
        capacity=coach.coach.capacity,
        load=coach.load,
        free=coach.free,
        created_at=coach.coach.created_at,
    )
