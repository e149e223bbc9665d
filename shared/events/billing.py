"""Events recorded by the billing service (stream BILLING, subjects ``billing.>``).

Amounts are GBP ``Decimal`` to the penny (serialised as strings); dates are UK calendar dates.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from shared.events.base import DomainEvent

CreditReason = Literal["multi_team_discount", "withdrawal", "cohort_cancelled"]


class InvoiceIssued(DomainEvent):
    """A VAT invoice got its number from the gapless series (a tax point)."""

    subject: ClassVar[str] = "billing.invoice.issued"

    invoice_id: uuid.UUID
    number: str
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    team_id: uuid.UUID
    purchase_order: str
    issued_on: date
    due_on: date
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal
    proforma_id: uuid.UUID | None = None


class ProformaIssued(DomainEvent):
    """A team was confirmed without a purchase order: a pro-forma (not a VAT invoice) awaits one."""

    subject: ClassVar[str] = "billing.proforma.issued"

    proforma_id: uuid.UUID
    reference: str
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    team_id: uuid.UUID
    issued_on: date
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal


class CreditNoteIssued(DomainEvent):
    """A correction to an issued invoice, at the invoice's VAT rate, with its own gapless number."""

    subject: ClassVar[str] = "billing.credit_note.issued"

    credit_note_id: uuid.UUID
    number: str
    invoice_id: uuid.UUID
    invoice_number: str
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    team_id: uuid.UUID
    reason: CreditReason
    issued_on: date
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal


class PaymentRecorded(DomainEvent):
    subject: ClassVar[str] = "billing.payment.recorded"

    payment_id: uuid.UUID
    invoice_id: uuid.UUID
    invoice_number: str
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    amount: Decimal
    received_on: date
    method: str
    reference: str
    outstanding: Decimal


class InvoicePaid(DomainEvent):
    """Nothing is left to pay on the invoice."""

    subject: ClassVar[str] = "billing.invoice.paid"

    invoice_id: uuid.UUID
    number: str
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    paid_on: date
    total_paid: Decimal


class InvoiceOverdue(DomainEvent):
    """Past its due date with money still owed (feeds reminders); recorded once per invoice."""

    subject: ClassVar[str] = "billing.invoice.overdue"

    invoice_id: uuid.UUID
    number: str
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    due_on: date
    outstanding: Decimal
