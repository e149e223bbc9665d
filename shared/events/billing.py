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
    # Where the document goes (the organisation's accounts-payable mailbox, as on the document)
    # and the customer's name: for the notifications service, which e-mails it. None on events
    # recorded before they were carried.
    accounts_payable_email: str | None = None
    accounts_payable_name: str | None = None
    customer_name: str | None = None


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
    # A repriced pro-forma is a new revision (its reference ends -R2, -R3...) that supersedes
    # the earlier one, which stays retrievable.
    revision: int = 1
    supersedes: uuid.UUID | None = None
    # Where the document goes (the organisation's accounts-payable mailbox, as on the document)
    # and the customer's name: for the notifications service, which e-mails it. None on events
    # recorded before they were carried.
    accounts_payable_email: str | None = None
    accounts_payable_name: str | None = None
    customer_name: str | None = None


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
    # How much of the gross its invoice took (what that invoice still owed); the rest is unused
    # credit, for finance to allocate to another invoice or refund.
    applied: Decimal | None = None
    # A withdrawal's credit: the date given, and the date it was judged on (never before the
    # team's confirmation).
    withdrawn_on: date | None = None
    credited_as_of: date | None = None
    # Where the document goes (the organisation's accounts-payable mailbox, as on the document)
    # and the customer's name: for the notifications service, which e-mails it. None on events
    # recorded before they were carried.
    accounts_payable_email: str | None = None
    accounts_payable_name: str | None = None
    customer_name: str | None = None


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
    # What to chase: the outstanding less the credit the organisation holds unallocated in the
    # cohort (recorded only when something is left to chase).
    to_chase: Decimal | None = None
    # Where the document goes (the organisation's accounts-payable mailbox, as on the document)
    # and the customer's name: for the notifications service, which e-mails it. None on events
    # recorded before they were carried.
    accounts_payable_email: str | None = None
    accounts_payable_name: str | None = None
    customer_name: str | None = None


class CreditAllocated(DomainEvent):
    """Finance applied part of a credit note's unused amount to another open invoice of the
    same organisation."""

    subject: ClassVar[str] = "billing.credit.allocated"

    allocation_id: uuid.UUID
    credit_note_id: uuid.UUID
    credit_note_number: str
    invoice_id: uuid.UUID
    invoice_number: str
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    amount: Decimal
    allocated_on: date
    credit_note_unused: Decimal  # what is left of the credit note
    outstanding: Decimal  # what is left owing on the invoice


class RefundRecorded(DomainEvent):
    """Money paid back to an organisation out of a credit note's unused amount."""

    subject: ClassVar[str] = "billing.refund.recorded"

    refund_id: uuid.UUID
    credit_note_id: uuid.UUID
    credit_note_number: str
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    amount: Decimal
    paid_on: date
    method: str
    reference: str
    credit_note_unused: Decimal
