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
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import ServiceBase, new_metadata


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
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancellation_reason: Mapped[str | None] = mapped_column(Text)


class BillingOrganisation(Base):
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
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


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


class _Customer:
    customer_name: Mapped[str] = mapped_column(String(300))
    customer_address: Mapped[list[str]] = mapped_column(JSON)
    customer_postcode: Mapped[str | None] = mapped_column(String(12))
    # NHS trusts on Shared Business Services are invoiced by ODS code and payables code.
    customer_ods_code: Mapped[str | None] = mapped_column(String(10))
    customer_payables_code: Mapped[str | None] = mapped_column(String(10))


class _Numbered:
    """A number from a gapless series (``series``, ``sequence``), e.g. EWC-2021-00001."""

    number: Mapped[str] = mapped_column(String(40), unique=True)
    series: Mapped[str] = mapped_column(String(40))
    sequence: Mapped[int] = mapped_column(Integer)


class Proforma(_Priced, _Customer, Base):
    """A pro-forma (not a VAT invoice) for a team confirmed without a purchase order."""

    __tablename__ = "proforma"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)  # one per team
    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    description: Mapped[str] = mapped_column(String(500))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # awaiting_po | invoiced | cancelled
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Invoice(_Numbered, _Priced, _Customer, Base):
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
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_on: Mapped[date] = mapped_column(Date)
    time_of_supply: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    credited: Mapped[Decimal] = mapped_column(Pence)  # gross of its credit notes
    paid: Mapped[Decimal] = mapped_column(Pence)  # sum of its payments
    status: Mapped[str] = mapped_column(String(20), index=True)
    paid_on: Mapped[date | None] = mapped_column(Date)
    overdue_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

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
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_on: Mapped[date] = mapped_column(Date)

    # One credit note per invoice and reason: the business key against double crediting.
    __table_args__ = (
        UniqueConstraint("invoice_id", "reason"),
        UniqueConstraint("series", "sequence"),
    )


class Payment(Base):
    __tablename__ = "payment"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    received_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Pence)
    reference: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(200))
    # A client's Idempotency-Key: a retried request replays this payment instead of adding one.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("invoice_id", "idempotency_key"),)
