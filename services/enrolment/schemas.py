"""Request and response models of the enrolment API.

Requests forbid unknown fields; status, organisation of a team lead, prices are never taken from
the client except where a coordinator sets a cohort's terms.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)

from services.enrolment.rules import (
    Decision,
    Viability,
    as_utc,
    is_valid_ods_code,
    money,
    rate,
    to_uk,
)

if TYPE_CHECKING:
    from services.enrolment.models import Cohort

# Stored times are UTC; SQLite hands them back without an offset, so answers always add it.
UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]

Nation = Literal["england", "scotland", "wales", "northern_ireland"]
Setting = Literal["clinical", "non_clinical"]
TeamStatusName = Literal["submitted", "accepted", "declined", "confirmed", "withdrawn", "released"]
CohortStatusName = Literal["open", "closed", "confirmed", "cancelled"]


def _iso_text(pattern: re.Pattern[str], example: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        # ISO 8601 text only: pydantic would otherwise read numbers as Unix timestamps.
        if isinstance(value, int | float) or (isinstance(value, str) and not pattern.match(value)):
            raise ValueError(f"must be ISO 8601, e.g. {example}")
        return value

    return check


_iso_date = _iso_text(re.compile(r"\d{4}-\d{2}-\d{2}\Z"), "2021-01-04")
_iso_datetime = _iso_text(re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"), "2021-01-04T10:00:00")


_D = TypeVar("_D", date, datetime)


def _programme_year(value: _D) -> _D:
    # Far-off years overflow the UK/UTC conversions and month arithmetic (a 500 otherwise).
    if not 2000 <= value.year <= 2100:
        raise ValueError("must fall between the years 2000 and 2100")
    return value


ProgrammeDate = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_programme_year)]
ProgrammeDateTime = Annotated[
    datetime, BeforeValidator(_iso_datetime), AfterValidator(_programme_year)
]


def _strip(value: str) -> str:
    # Lengths are judged on the text as sent (as documented), then surrounding spaces go.
    return value.strip()


def _strip_non_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Text200 = Annotated[
    str, StringConstraints(min_length=1, max_length=200), AfterValidator(_strip_non_blank)
]
Text2000 = Annotated[
    str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_strip_non_blank)
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ------------------------------------------------------------------------------ cohorts


class CohortCreate(_Request):
    name: Text200
    eoi_deadline: ProgrammeDateTime = Field(
        description="Expression-of-interest deadline. Without an offset it is UK wall time "
        "(Europe/London: GMT in winter, BST in summer), e.g. 2020-12-15T17:00:00. Stored in UTC.",
        examples=["2020-12-15T17:00:00"],
    )
    start_date: ProgrammeDate = Field(examples=["2021-01-04"])
    minimum_teams: int = Field(35, ge=1, le=10_000, strict=True)
    lead_in_months: int = Field(2, ge=0, le=24, strict=True)
    coaching_months: int = Field(10, ge=1, le=36, strict=True)
    fee_per_team: Decimal = Field(
        Decimal("4300.00"),
        ge=0,
        le=1_000_000,
        max_digits=12,
        decimal_places=2,
        description="GBP per team, excluding VAT",
    )
    multi_team_discount: Decimal = Field(
        Decimal("0.10"), ge=0, le=1, max_digits=6, decimal_places=4, description="fraction"
    )
    vat_rate: Decimal = Field(
        Decimal("0.20"), ge=0, le=1, max_digits=6, decimal_places=4, description="fraction"
    )
    withdrawal_credit_cutoff: ProgrammeDate | None = Field(
        None, description="Withdrawals before this date are credited in full; default start date"
    )


class CohortTermsOut(_Response):
    fee_per_team: Decimal
    multi_team_discount: Decimal
    vat_rate: Decimal
    start_date: date
    lead_in_months: int
    coaching_months: int
    withdrawal_credit_cutoff: date | None


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
    viability: ViabilityOut


class CloseRequest(_Request):
    pass


class DecisionRequest(_Request):
    decision: Decision
    override_reason: (
        Annotated[str, StringConstraints(max_length=2000), AfterValidator(_strip)] | None
    ) = Field(None, description="Required to go ahead with fewer accepted teams than the minimum")
    reason: Annotated[str, StringConstraints(max_length=2000), AfterValidator(_strip)] | None = (
        Field(None, description="Why (recorded; sent with a no-go)")
    )


class DecisionOut(BaseModel):
    cohort: CohortOut
    confirmed_team_ids: list[uuid.UUID]
    released_team_ids: list[uuid.UUID]
    changed: bool = Field(description="False when the same decision had already been taken")


class CarryForwardRequest(_Request):
    target_cohort_id: uuid.UUID


class CarryForwardOut(BaseModel):
    source_cohort_id: uuid.UUID
    target_cohort_id: uuid.UUID
    carried_team_ids: list[uuid.UUID] = Field(description="The new EOIs in the target cohort")
    already_carried: int = Field(description="EOIs carried by an earlier call, left as they are")


# ------------------------------------------------------------------------------ organisations


class AddressIn(_Request):
    lines: list[Text200] = Field(min_length=1, max_length=8)
    postcode: Annotated[str, StringConstraints(max_length=10), AfterValidator(_strip)] | None = None


class AddressOut(_Response):
    lines: list[str]
    postcode: str | None = None


class OrganisationCreate(_Request):
    name: Text200
    ods_code: str | None = Field(
        None,
        description="NHS ODS code, 3 to 5 uppercase letters or digits (e.g. RWK, RWK01)",
        json_schema_extra={"pattern": "^[A-Z0-9]{3,5}$"},
    )
    nation: Nation
    invoicing_address: AddressIn
    payables_code: str | None = Field(
        None,
        pattern=r"^[A-Z0-9]{4}$",
        description="NHS Shared Business Services payables code (4 characters)",
    )

    @field_validator("ods_code")
    @classmethod
    def _ods(cls, value: str | None) -> str | None:
        if value is not None and not is_valid_ods_code(value):
            raise ValueError("an ODS code is 3 to 5 uppercase letters or digits")
        return value


class OrganisationOut(_Response):
    id: uuid.UUID
    name: str
    ods_code: str | None
    nation: Nation
    invoicing_address: AddressOut
    payables_code: str | None
    created_at: UtcDateTime


# ------------------------------------------------------------------------------ EOIs / teams


class ContactIn(_Request):
    name: Text200
    email: EmailStr
    job_title: Text200


class ContactOut(_Response):
    name: str
    email: str
    job_title: str


class MemberIn(_Request):
    role: Text200 = Field(description="Role or grade, e.g. 'Band 5 nurse', 'service user'")
    name: Text200 | None = None
    is_service_user: bool = Field(False, strict=True)


class MemberOut(_Response):
    role: str
    name: str | None = None
    is_service_user: bool = False


class EoiCreate(_Request):
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
    purchase_order: (
        Annotated[str, StringConstraints(max_length=100), AfterValidator(_strip)] | None
    ) = None
    late_entry: bool = Field(
        False,
        strict=True,
        description="Coordinators only: accept the EOI after the deadline (recorded on the team)",
    )


class EoiUpdate(_Request):
    """Changes to an EOI before it is confirmed; only the fields given change."""

    team_name: Text200 | None = None
    service_type: Text200 | None = None
    project_lead: ContactIn | None = None
    senior_sponsor: ContactIn | None = None
    project_team: list[MemberIn] | None = Field(None, max_length=50)
    service_user_involvement: Text2000 | None = None
    purchase_order: (
        Annotated[str, StringConstraints(max_length=100), AfterValidator(_strip)] | None
    ) = None


class WithdrawRequest(_Request):
    reason: Text2000
    withdrawn_on: ProgrammeDate | None = Field(None, description="Default: today in the UK")


class DeclineRequest(_Request):
    reason: Text2000 | None = None


class CoachAssignment(_Request):
    coach_id: uuid.UUID


class TeamOut(_Response):
    id: uuid.UUID
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    nation: Nation
    team_name: str
    setting: Setting
    service_type: str
    project_lead: ContactOut
    senior_sponsor: ContactOut
    project_team: list[MemberOut]
    service_user_involvement: str | None
    agreed_to_take_part: bool
    can_meet_commitment: bool
    purchase_order: str | None
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


class CoachCreate(_Request):
    name: Text200
    email: EmailStr
    capacity: int = Field(ge=0, le=1000, strict=True, description="Maximum number of teams")


class CoachOut(_Response):
    id: uuid.UUID
    name: str
    email: str
    capacity: int
    load: int = Field(description="Confirmed teams currently allocated")
    free: int
    created_at: UtcDateTime


# ------------------------------------------------------------------------------ converters


def cohort_out(cohort: Cohort, status: str) -> CohortOut:
    return CohortOut(
        id=cohort.id,
        name=cohort.name,
        status=status,
        eoi_deadline=cohort.eoi_deadline,
        eoi_deadline_uk=to_uk(cohort.eoi_deadline),
        minimum_teams=cohort.minimum_teams,
        terms=CohortTermsOut(
            fee_per_team=money(cohort.fee_per_team),
            multi_team_discount=rate(cohort.multi_team_discount),
            vat_rate=rate(cohort.vat_rate),
            start_date=cohort.start_date,
            lead_in_months=cohort.lead_in_months,
            coaching_months=cohort.coaching_months,
            withdrawal_credit_cutoff=cohort.withdrawal_credit_cutoff,
        ),
        decision_override_reason=cohort.decision_override_reason,
        decision_reason=cohort.decision_reason,
        decided_at=cohort.decided_at,
        viable_at=cohort.viable_at,
        created_at=cohort.created_at,
    )


def team_view_out(row: Mapping[Any, Any]) -> TeamOut:
    """A team from the one-query team read (plain columns, no ORM object)."""
    return TeamOut.model_validate(
        {**row, "awaiting_coach": row["status"] == "confirmed" and row["coach_id"] is None}
    )


def viability_out(viability: Viability) -> ViabilityOut:
    return ViabilityOut.model_validate(dataclasses.asdict(viability))
