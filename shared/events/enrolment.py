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


class AccountsPayable(_Part):
    """Where an organisation's invoices go: its accounts-payable mailbox, and a postal address
    when it differs from the invoicing address."""

    email: str
    name: str | None = None  # e.g. "Accounts Payable" (a mailbox, not a person)
    postal_address: Address | None = None


class OrganisationRef(_Part):
    id: uuid.UUID
    name: str
    ods_code: str | None = None
    nation: Nation
    invoicing_address: Address
    payables_code: str | None = None
    accounts_payable: AccountsPayable | None = None


class InvoiceReference(_Part):
    """A reference the organisation asked to be quoted on its invoices (e.g. its cost centre),
    printed as ``label: value``; billing prints whatever it is given, in order."""

    label: str
    value: str


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
    # Who to acknowledge the expression of interest to (and tell of go or no-go).
    cohort_name: str | None = None
    organisation_name: str | None = None
    project_lead: Contact | None = None
    senior_sponsor: Contact | None = None


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
    # Quoted on the team's invoices and pro-formas besides the purchase order (empty before).
    invoice_references: list[InvoiceReference] = []
    coach_id: uuid.UUID | None = None
    confirmed_at: datetime


class TeamWithdrawn(DomainEvent):
    subject: ClassVar[str] = "enrolment.team.withdrawn"

    cohort_id: uuid.UUID
    team_id: uuid.UUID
    organisation_id: uuid.UUID
    reason: str
    withdrawn_on: date  # UK date the withdrawal takes effect
    # Who recorded the withdrawal (the principal's subject), and the coordinator who chose a
    # withdrawal date other than the day it was recorded (None when it is that day).
    withdrawn_by: str | None = None
    date_chosen_by: str | None = None


class CoachAllocated(DomainEvent):
    subject: ClassVar[str] = "enrolment.coach.allocated"

    cohort_id: uuid.UUID
    team_id: uuid.UUID
    coach_id: uuid.UUID
    coach_name: str
    coach_email: str | None = None
    previous_coach_id: uuid.UUID | None = None


class OrganisationUpdated(DomainEvent):
    """An organisation's details changed (name, addresses, accounts-payable contact, ODS code,
    verification): consumers that keep a copy replace theirs."""

    subject: ClassVar[str] = "enrolment.organisation.updated"

    organisation: OrganisationRef
    verified: bool = True
    # Set when a coordinator merged this (unverified) organisation into another: its teams now
    # belong to ``merged_into_id``, and a consumer holding this id should follow it there.
    merged_into_id: uuid.UUID | None = None


class PersonErased(DomainEvent):
    """A coordinator erased a person on request (UK GDPR right to erasure). Every service removes
    or pseudonymises that person's details the same way (``shared.erasure``), except what the law
    makes billing keep on issued invoices (the organisation, not the person).

    The event names the person only by a digest of their e-mail address, so the erasure itself
    spreads no personal data through the streams."""

    subject: ClassVar[str] = "enrolment.person.erased"

    erasure_id: uuid.UUID
    email_digest: str  # shared.erasure.email_digest(email)
    erased_at: datetime  # UTC


class CohortTermsChanged(DomainEvent):
    """A coordinator changed an opened cohort's terms (with a reason, kept in its history).

    Carries the whole of the terms as they now stand, so a consumer replaces its copy; ``changed``
    names the fields that moved (``minimum_teams``, ``eoi_deadline``, ``withdrawal_credit_cutoff``,
    ``fee_per_team``, ``multi_team_discount``, ``vat_rate``)."""

    subject: ClassVar[str] = "enrolment.cohort.terms_changed"

    cohort_id: uuid.UUID
    name: str
    eoi_deadline: datetime  # UTC
    minimum_teams: int
    terms: CohortTerms
    changed: list[str]
    reason: str
    changed_by: str  # the coordinator (the principal's subject)
    changed_at: datetime  # UTC
