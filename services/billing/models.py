"""Tables of the billing service.

Money is stored as integer pence (exact on every backend, summable in SQL) and read back as
``Decimal`` pounds; VAT rates are stored as their exact decimal text. BillingOrganisation, cohort and team
rows are billing's own snapshots of what the enrolment events said (never enrolment's tables).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Dialect,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from shared.db import ServiceBase, UTCDateTime, new_metadata


class Pence(TypeDecorator[Decimal]):
    """GBP as ``Decimal`` pounds in Python, integer pence in the database (never float)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        pence = Decimal(value) * 100
        if pence != pence.to_integral_value():
            raise ValueError(f"{value} is not a whole number of pence")
        return int(pence)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


class ExactDecimal(TypeDecorator[Decimal]):
    """A rate or fraction kept as its exact decimal text (e.g. "0.20", "0.175")."""

    impl = String(20)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class Base(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


class BillingCohort(Base):
    """A cohort's terms as the latest enrolment event carried them; cancelled when no-go."""

    __tablename__ = "billing_cohort"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    fee_per_team: Mapped[Decimal | None] = mapped_column(Pence)
    multi_team_discount: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    vat_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    start_date: Mapped[date | None] = mapped_column(Date)
    lead_in_months: Mapped[int | None] = mapped_column(Integer)
    coaching_months: Mapped[int | None] = mapped_column(Integer)
    withdrawal_credit_cutoff: Mapped[date | None] = mapped_column(Date)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)


class _AccountsPayable:
    """Where an organisation's documents go: its accounts-payable mailbox (an organisation's
    address, not a person's), and its postal address when it differs from the invoicing one.
    Documents keep the contact as it stood when they were issued."""

    accounts_payable_email: Mapped[str | None] = mapped_column(String(320))
    accounts_payable_name: Mapped[str | None] = mapped_column(String(200))
    accounts_payable_address: Mapped[list[str] | None] = mapped_column(JSON)
    accounts_payable_postcode: Mapped[str | None] = mapped_column(String(12))


class BillingOrganisation(_AccountsPayable, Base):
    __tablename__ = "billing_organisation"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    ods_code: Mapped[str | None] = mapped_column(String(10))
    nation: Mapped[str] = mapped_column(String(20))
    address_lines: Mapped[list[str]] = mapped_column(JSON)
    postcode: Mapped[str | None] = mapped_column(String(12))
    payables_code: Mapped[str | None] = mapped_column(String(10))


class BillingAccount(Base):
    """One organisation in one cohort: the row that serialises its pricing decisions."""

    __tablename__ = "billing_account"

    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # Once any confirmation said the organisation had 2+ teams, every team of it is discounted;
    # never cleared (a discount already given is not clawed back when a team withdraws).
    discounted: Mapped[bool] = mapped_column(Boolean, default=False)


class BillingTeam(Base):
    """A team as billing knows it. A withdrawal may arrive before the confirmation."""

    __tablename__ = "billing_team"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    setting: Mapped[str | None] = mapped_column(String(20))
    project_lead_name: Mapped[str | None] = mapped_column(String(200))
    project_lead_email: Mapped[str | None] = mapped_column(String(320))
    organisation_team_count: Mapped[int | None] = mapped_column(Integer)
    purchase_order: Mapped[str | None] = mapped_column(String(100))
    # [{"label", "value"}]: what the organisation asked to be quoted on its invoices.
    invoice_references: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    # Who recorded the withdrawal, and the coordinator who chose a date other than that day.
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawal_date_chosen_by: Mapped[str | None] = mapped_column(String(200))


class DocumentCounter(Base):
    """The last number used per series: bumped in the issuing transaction, so never a gap."""

    __tablename__ = "document_counter"

    series: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class _Priced:
    net: Mapped[Decimal] = mapped_column(Pence)
    vat_rate: Mapped[Decimal] = mapped_column(ExactDecimal)
    vat: Mapped[Decimal] = mapped_column(Pence)
    gross: Mapped[Decimal] = mapped_column(Pence)


class _Customer(_AccountsPayable):
    customer_name: Mapped[str] = mapped_column(String(300))
    customer_address: Mapped[list[str]] = mapped_column(JSON)
    customer_postcode: Mapped[str | None] = mapped_column(String(12))
    # NHS trusts on Shared Business Services are invoiced by ODS code and payables code.
    customer_ods_code: Mapped[str | None] = mapped_column(String(10))
    customer_payables_code: Mapped[str | None] = mapped_column(String(10))


class _Listed:
    """A membership's list price and multi-team discount (net of VAT), printed as their own
    lines above the net; None on documents issued before they were kept (one line)."""

    list_price: Mapped[Decimal | None] = mapped_column(Pence)
    discount: Mapped[Decimal | None] = mapped_column(Pence)
    discount_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    # The customer's references as they stood at issue ([{"label", "value"}], printed in order).
    customer_references: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)


class _Numbered:
    """A number from a gapless series (``series``, ``sequence``), e.g. EWC-2021-00001."""

    number: Mapped[str] = mapped_column(String(40), unique=True)
    series: Mapped[str] = mapped_column(String(40))
    sequence: Mapped[int] = mapped_column(Integer)


class Proforma(_Listed, _Priced, _Customer, Base):
    """A pro-forma (not a VAT invoice) for a team confirmed without a purchase order.

    Never edited once issued: a repriced pro-forma is a new revision of the team's pro-forma
    (reference ``EWC-PF-2021-00001-R2``), and the earlier one stays, superseded, because a
    trust may have raised its purchase order against it."""

    __tablename__ = "proforma"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    revision: Mapped[int] = mapped_column(Integer)
    superseded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    description: Mapped[str] = mapped_column(String(500))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_on: Mapped[date] = mapped_column(Date)
    # awaiting_po | invoiced | cancelled | superseded
    status: Mapped[str] = mapped_column(String(20))
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    # One pro-forma per team and revision: the business key against issuing one twice.
    __table_args__ = (UniqueConstraint("team_id", "revision"),)


class Invoice(_Numbered, _Listed, _Priced, _Customer, Base):
    """A UK VAT invoice. Never edited after issue except its running totals and status."""

    __tablename__ = "invoice"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # One invoice per team: the business key behind the inbox's event-id de-duplication.
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    proforma_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    purchase_order: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_on: Mapped[date] = mapped_column(Date)
    time_of_supply: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    credited: Mapped[Decimal] = mapped_column(Pence)  # gross of its credit notes
    # Credit applied to it: its own credit notes as far as they found something owed, and other
    # credit notes' unused amounts allocated to it by finance. Owed: gross - credit_applied - paid.
    credit_applied: Mapped[Decimal] = mapped_column(Pence)
    paid: Mapped[Decimal] = mapped_column(Pence)  # sum of its payments
    status: Mapped[str] = mapped_column(String(20), index=True)
    paid_on: Mapped[date | None] = mapped_column(Date)
    overdue_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("series", "sequence"),)


class CreditNote(_Numbered, _Priced, _Customer, Base):
    __tablename__ = "credit_note"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"), index=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[str] = mapped_column(String(30))  # multi_team_discount | withdrawal | ...
    reason_text: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(String(500))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_on: Mapped[date] = mapped_column(Date)
    # How its gross was used: applied to its own invoice when issued (as far as that invoice
    # still owed anything), allocated later to other invoices, refunded; the rest is unused.
    applied: Mapped[Decimal] = mapped_column(Pence)
    allocated: Mapped[Decimal] = mapped_column(Pence)
    refunded: Mapped[Decimal] = mapped_column(Pence)
    # A withdrawal's credit: the date given, the date it was judged on (never before the
    # team's confirmation), who recorded it and the coordinator who chose the date.
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    credited_as_of: Mapped[date | None] = mapped_column(Date)
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawal_date_chosen_by: Mapped[str | None] = mapped_column(String(200))

    # One credit note per invoice and reason: the business key against double crediting.
    __table_args__ = (
        UniqueConstraint("invoice_id", "reason"),
        UniqueConstraint("series", "sequence"),
    )


class _Movement:
    """Money moved against a document (a payment, an allocation, a refund): whose, how much, who
    recorded it and when; and a client's Idempotency-Key with the answer first given to it, so
    that a retried request is answered with exactly these bytes instead of recording twice."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    amount: Mapped[Decimal] = mapped_column(Pence)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    answer: Mapped[str | None] = mapped_column(Text)


class Payment(_Movement, Base):
    __tablename__ = "payment"

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(20))

    __table_args__ = (UniqueConstraint("invoice_id", "idempotency_key"),)


class _FromCreditNote(_Movement):
    """Money moved out of a credit note's unused amount; a retry's key is scoped to the note."""

    credit_note_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_note.id"), index=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[UniqueConstraint]:
        return (UniqueConstraint("credit_note_id", "idempotency_key"),)


class CreditAllocation(_FromCreditNote, Base):
    """Finance applied part of a credit note's unused amount to another open invoice of the
    same organisation in the same cohort."""

    __tablename__ = "credit_allocation"

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"), index=True)
    allocated_on: Mapped[date] = mapped_column(Date)


class Refund(_FromCreditNote, Base):
    """Money paid back to the organisation out of a credit note's unused amount."""

    __tablename__ = "refund"

    paid_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(20))


# What the use cases pass around: the documents, and the money moved against them.
Document = Invoice | Proforma | CreditNote
Movement = Payment | CreditAllocation | Refund
