"""Events recorded by the enrolment service (stream ENROLMENT, subjects ``enrolment.>``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from shared.events.base import DomainEvent

Nation = Literal["england", "scotland", "wales", "northern_ireland"]
Setting = Literal["clinical", "non_clinical"]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CohortTerms(_Part):
    """The commercial and calendar terms of one cohort; they travel with the cohort's events."""

    fee_per_team: Decimal  # GBP, excluding VAT, e.g. Decimal("4300.00")
    multi_team_discount: Decimal  # fraction, e.g. Decimal("0.10")
    vat_rate: Decimal  # fraction, e.g. Decimal("0.20")
    start_date: date
    lead_in_months: int
    coaching_months: int
    # Withdrawals before this date are credited in full (billing); defaults to the start date.
    withdrawal_credit_cutoff: date | None = None


class Address(_Part):
    lines: list[str]
    postcode: str | None = None


class OrganisationRef(_Part):
    id: uuid.UUID
    name: str
    ods_code: str | None = None
    nation: Nation
    invoicing_address: Address
    payables_code: str | None = None


class Contact(_Part):
    name: str
    email: str
    job_title: str


class CohortOpened(DomainEvent):
    subject: ClassVar[str] = "enrolment.cohort.opened"

    cohort_id: uuid.UUID
    name: str
    eoi_deadline: datetime  # UTC
    minimum_teams: int
    terms: CohortTerms


class EoiSubmitted(DomainEvent):
    subject: ClassVar[str] = "enrolment.eoi.submitted"

    cohort_id: uuid.UUID
    team_id: uuid.UUID
    organisation_id: uuid.UUID
    team_name: str
    setting: Setting
    late_entry: bool = False


class CohortViable(DomainEvent):
    """The first time accepted teams reach the cohort's minimum."""

    subject: ClassVar[str] = "enrolment.cohort.viable"

    cohort_id: uuid.UUID
    accepted_teams: int
    minimum_teams: int


class CohortConfirmed(DomainEvent):
    """The coordinator decided "go": the cohort will run."""

    subject: ClassVar[str] = "enrolment.cohort.confirmed"

    cohort_id: uuid.UUID
    name: str
    terms: CohortTerms
    team_ids: list[uuid.UUID]
    override_reason: str | None = None


class CohortCancelled(DomainEvent):
    """The coordinator decided "no-go": every team is released."""

    subject: ClassVar[str] = "enrolment.cohort.cancelled"

    cohort_id: uuid.UUID
    reason: str | None = None
    team_ids: list[uuid.UUID]


class TeamConfirmed(DomainEvent):
    """A team is on the collaborative. Carries all that billing, sessions and measurement need."""

    subject: ClassVar[str] = "enrolment.team.confirmed"

    cohort_id: uuid.UUID
    cohort_name: str
    terms: CohortTerms
    organisation: OrganisationRef
    # Confirmed teams of this organisation in this cohort, this one included (drives the discount).
    organisation_team_count: int
    team_id: uuid.UUID
    team_name: str
    setting: Setting
    project_lead: Contact
    senior_sponsor: Contact | None = None
    purchase_order: str | None = None
    coach_id: uuid.UUID | None = None
    confirmed_at: datetime


class TeamWithdrawn(DomainEvent):
    subject: ClassVar[str] = "enrolment.team.withdrawn"

    cohort_id: uuid.UUID
    team_id: uuid.UUID
    organisation_id: uuid.UUID
    reason: str
    withdrawn_on: date


class CoachAllocated(DomainEvent):
    subject: ClassVar[str] = "enrolment.coach.allocated"

    cohort_id: uuid.UUID
    team_id: uuid.UUID
    coach_id: uuid.UUID
    coach_name: str
    previous_coach_id: uuid.UUID | None = None
