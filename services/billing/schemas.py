"""Request and response models of the billing API.

Amounts are GBP ``Decimal`` strings with two places (JSON numbers would invite float). Requests
forbid extra fields: status, organisation and prices are never client-settable.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.billing.allocations import Allocated, Refunded
from services.billing.balances import (
    MAX_AMOUNT,
    InvoiceStatusName,
    PaymentMethod,
    ProformaStatusName,
)
from services.billing.documents import document_lines, warnings
from services.billing.invoicing import Customer, effective_status, outstanding_of, unused_of
from services.billing.models import CreditNote, Invoice, Proforma
from services.billing.overdue import OverdueItem
from services.billing.payments import RecordedPayment
from services.billing.pricing import PAYMENT_TERMS_DAYS, money
from services.billing.replays import Answer
from services.billing.settings import BillingSettings
from services.billing.statements import CohortTotals, Statement
from shared.fields import IsoDate, Text100, UtcDateTime

# Every amount a client gives: pounds and pence, with a documented bound (``MAX_AMOUNT``).
Money = Annotated[
    Decimal,
    Field(
        ge=Decimal("0.01"),
        le=MAX_AMOUNT,
        decimal_places=2,
        description=f'GBP, 0.01 to {MAX_AMOUNT:,}, at most 2 decimal places, e.g. "2580.00".',
    ),
    AfterValidator(money),
]


class _Read(BaseModel):
    """A response read from the attributes of the same names (a row, a use case's result)."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def build(cls, source: object) -> Self:
        return cls.model_validate(source)


Document = TypeVar("Document", bound=BaseModel)


class SupplierOut(BaseModel):
    name: str
    address: list[str]
    postcode: str | None
    vat_registration_number: str

    @classmethod
    def build(cls, settings: BillingSettings) -> Self:
        return cls(
            name=settings.supplier_name,
            address=list(settings.supplier_address),
            postcode=settings.supplier_postcode,
            vat_registration_number=settings.supplier_vat_number,
        )


class AccountsPayableOut(BaseModel):
    """Where the customer's documents go: its accounts-payable mailbox, and its postal address
    when it differs from the invoicing address."""

    email: str
    name: str | None
    address: list[str] | None
    postcode: str | None


class CustomerOut(BaseModel):
    organisation_id: uuid.UUID
    name: str
    address: list[str]
    postcode: str | None
    ods_code: str | None
    payables_code: str | None
    accounts_payable: AccountsPayableOut | None

    @classmethod
    def build(cls, row: Invoice | CreditNote | Proforma) -> Self:
        """The customer as the document states it."""
        stated = Customer.of_document(row)
        payable = (
            None
            if stated.ap_email is None
            else AccountsPayableOut(
                email=stated.ap_email,
                name=stated.ap_name,
                address=None if stated.ap_address is None else list(stated.ap_address),
                postcode=stated.ap_postcode,
            )
        )
        return cls(
            organisation_id=row.organisation_id,
            name=stated.name,
            address=list(stated.address),
            postcode=stated.postcode,
            ods_code=stated.ods_code,
            payables_code=stated.payables_code,
            accounts_payable=payable,
        )


class LineOut(_Read):
    """One line of a document (a membership's list price and its discount are two)."""

    description: str
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal


def _document(
    model: type[Document],
    settings: BillingSettings,
    row: Invoice | CreditNote | Proforma,
    **computed: Any,
) -> Document:
    """A document's response: each field the row has under the same name, the supplier, the
    customer as the row states it, its lines, what makes it no real document (development),
    and the ``computed`` fields."""
    stored = {
        name: getattr(row, name)
        for name in model.model_fields
        if name not in computed and hasattr(row, name)
    }
    return model(
        **stored,
        supplier=SupplierOut.build(settings),
        customer=CustomerOut.build(row),
        lines=[LineOut.build(line) for line in document_lines(row)],
        warnings=list(warnings(settings)),
        **computed,
    )


class _DocumentOut(BaseModel):
    supplier: SupplierOut
    customer: CustomerOut
    description: str
    lines: list[LineOut]
    issued_at: UtcDateTime
    issued_on: date
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal
    warnings: list[str] = Field(
        description="What makes the document no real one (development only: a placeholder VAT "
        "number, no bank details); empty in production."
    )


class InvoiceOut(_DocumentOut):
    """A UK VAT invoice (the JSON download)."""

    id: uuid.UUID
    number: str
    status: InvoiceStatusName
    team_id: uuid.UUID
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    proforma_id: uuid.UUID | None
    purchase_order: str
    time_of_supply: date
    due_on: date
    payment_terms_days: int = 30
    credited: Decimal = Field(description="The gross of its credit notes.")
    credit_applied: Decimal = Field(
        description="Credit applied to it: its own credit notes as far as it still owed "
        "anything when each was issued, and other credit notes' amounts allocated to it."
    )
    paid: Decimal
    outstanding: Decimal = Field(description="gross - credit_applied - paid; never negative.")
    paid_on: date | None

    @classmethod
    def build(cls, settings: BillingSettings, invoice: Invoice, *, today: date) -> Self:
        return _document(
            cls,
            settings,
            invoice,
            status=effective_status(invoice, today=today),
            payment_terms_days=PAYMENT_TERMS_DAYS,
            outstanding=outstanding_of(invoice),
        )


class WithdrawalOut(BaseModel):
    """The withdrawal a credit note credits: the date given, the date it was judged on (never
    before the team's confirmation), who recorded it and the coordinator who chose the date
    (None: the day it was recorded)."""

    withdrawn_on: date
    credited_as_of: date
    recorded_by: str | None
    date_chosen_by: str | None

    @classmethod
    def build(cls, note: CreditNote) -> Self | None:
        if note.withdrawn_on is None:
            return None
        return cls(
            withdrawn_on=note.withdrawn_on,
            credited_as_of=note.credited_as_of or note.withdrawn_on,
            recorded_by=note.withdrawn_by,
            date_chosen_by=note.withdrawal_date_chosen_by,
        )


class CreditNoteOut(_DocumentOut):
    id: uuid.UUID
    number: str
    invoice_id: uuid.UUID
    invoice_number: str
    team_id: uuid.UUID
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    reason: str
    reason_text: str
    withdrawal: WithdrawalOut | None
    applied: Decimal = Field(description="What its own invoice took (what that invoice owed).")
    allocated: Decimal = Field(description="Allocated by finance to other invoices.")
    refunded: Decimal
    unused: Decimal = Field(description="Left to allocate or refund.")

    @classmethod
    def build(cls, settings: BillingSettings, note: CreditNote, invoice_number: str) -> Self:
        return _document(
            cls,
            settings,
            note,
            invoice_number=invoice_number,
            withdrawal=WithdrawalOut.build(note),
            unused=unused_of(note),
        )


class ProformaOut(_DocumentOut):
    """A pro-forma: not a VAT invoice; it waits for the customer's purchase order. A repriced
    pro-forma is a new revision (its reference ends -R2, -R3...); earlier ones stay, superseded."""

    id: uuid.UUID
    reference: str
    revision: int
    superseded_by: uuid.UUID | None
    status: ProformaStatusName
    not_a_vat_invoice: bool = True
    team_id: uuid.UUID
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    invoice_id: uuid.UUID | None

    @classmethod
    def build(cls, settings: BillingSettings, proforma: Proforma) -> Self:
        return _document(cls, settings, proforma)


class PurchaseOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purchase_order: Text100 = Field(description="The customer's PO number, free text as issued.")


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    received_on: IsoDate
    amount: Money = Field(description="Partial payments allowed.")
    reference: Text100
    method: PaymentMethod


class PaymentOut(_Read):
    id: uuid.UUID
    invoice_id: uuid.UUID
    received_on: IsoDate
    amount: Decimal
    reference: str
    method: str
    recorded_at: UtcDateTime
    recorded_by: str


Done = TypeVar("Done")


class RecordedOut(BaseModel, Generic[Done]):
    """The answer to a write of money, built from what the use case recorded."""

    @classmethod
    def of(cls, settings: BillingSettings, done: Done, *, today: date) -> Self:
        raise NotImplementedError

    @classmethod
    def answer(cls, settings: BillingSettings, *, today: date) -> Answer[Done]:
        """The answer as JSON text: what the use case keeps to replay a retried request."""
        return lambda done: cls.of(settings, done, today=today).model_dump_json()


class PaymentRecordedOut(RecordedOut[RecordedPayment]):
    payment: PaymentOut
    invoice: InvoiceOut

    @classmethod
    def of(cls, settings: BillingSettings, done: RecordedPayment, *, today: date) -> Self:
        return cls(
            payment=PaymentOut.build(done.payment),
            invoice=InvoiceOut.build(settings, done.invoice, today=today),
        )


class AllocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invoice_id: uuid.UUID = Field(
        description="An open invoice of the same organisation in the same cohort."
    )
    amount: Money


class AllocationOut(_Read):
    id: uuid.UUID
    credit_note_id: uuid.UUID
    invoice_id: uuid.UUID
    amount: Decimal
    allocated_on: date
    recorded_at: UtcDateTime
    recorded_by: str


class AllocationRecordedOut(RecordedOut[Allocated]):
    allocation: AllocationOut
    credit_note: CreditNoteOut
    invoice: InvoiceOut

    @classmethod
    def of(cls, settings: BillingSettings, done: Allocated, *, today: date) -> Self:
        return cls(
            allocation=AllocationOut.build(done.allocation),
            credit_note=CreditNoteOut.build(settings, done.credit_note, done.corrects),
            invoice=InvoiceOut.build(settings, done.invoice, today=today),
        )


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Money
    paid_on: IsoDate
    reference: Text100 = Field(description="The reference the money went out with.")
    method: PaymentMethod


class RefundOut(_Read):
    id: uuid.UUID
    credit_note_id: uuid.UUID
    amount: Decimal
    paid_on: date
    reference: str
    method: str
    recorded_at: UtcDateTime
    recorded_by: str


class RefundRecordedOut(RecordedOut[Refunded]):
    refund: RefundOut
    credit_note: CreditNoteOut

    @classmethod
    def of(cls, settings: BillingSettings, done: Refunded, *, today: date) -> Self:
        return cls(
            refund=RefundOut.build(done.refund),
            credit_note=CreditNoteOut.build(settings, done.credit_note, done.corrects),
        )


class StatementEntryOut(_Read):
    on: date
    kind: Literal["invoice", "credit_note", "payment", "allocation", "refund"]
    id: uuid.UUID
    reference: str
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


class OpenItemOut(_Read):
    kind: Literal["invoice", "credit_note"]
    id: uuid.UUID
    reference: str
    on: date
    due_on: date | None
    amount: Decimal = Field(description="An invoice's outstanding, a credit note's unused.")


class StatementOut(BaseModel):
    organisation_id: uuid.UUID
    organisation_name: str
    cohort_id: uuid.UUID | None
    as_of: date
    entries: list[StatementEntryOut]
    invoiced: Decimal
    credited: Decimal
    paid: Decimal
    refunded: Decimal
    balance: Decimal = Field(
        description="invoiced - credited - paid + refunded = outstanding - unallocated_credit; "
        "negative means in credit."
    )
    outstanding: Decimal = Field(description="What its invoices still owe.")
    unallocated_credit: Decimal = Field(description="What its credit notes have unused.")
    open_invoices: list[OpenItemOut]
    unused_credit_notes: list[OpenItemOut]
    awaiting_po: list[ProformaOut]

    @classmethod
    def build(cls, settings: BillingSettings, statement: Statement) -> Self:
        return cls(
            organisation_id=statement.organisation_id,
            organisation_name=statement.organisation_name,
            cohort_id=statement.cohort_id,
            as_of=statement.as_of,
            entries=[StatementEntryOut.build(e) for e in statement.entries],
            invoiced=statement.invoiced,
            credited=statement.credited,
            paid=statement.paid,
            refunded=statement.refunded,
            balance=statement.balance,
            outstanding=statement.outstanding,
            unallocated_credit=statement.unallocated_credit,
            open_invoices=[OpenItemOut.build(i) for i in statement.open_invoices],
            unused_credit_notes=[OpenItemOut.build(n) for n in statement.unused_credit_notes],
            awaiting_po=[ProformaOut.build(settings, p) for p in statement.awaiting_po],
        )


class OverdueOut(BaseModel):
    invoice_id: uuid.UUID
    number: str
    organisation_id: uuid.UUID
    customer_name: str
    cohort_id: uuid.UUID
    team_id: uuid.UUID
    purchase_order: str
    due_on: date
    days_overdue: int
    outstanding: Decimal
    organisation_credit: Decimal = Field(
        description="Credit the organisation holds unallocated in the cohort."
    )
    to_chase: Decimal = Field(
        description="The outstanding less that credit (taken from the oldest overdue invoice "
        "first): what the organisation's statement says it owes on this invoice."
    )
    project_lead_name: str | None
    project_lead_email: str | None

    @classmethod
    def build(cls, item: OverdueItem) -> Self:
        invoice = item.invoice
        return cls(
            invoice_id=invoice.id,
            number=invoice.number,
            organisation_id=invoice.organisation_id,
            customer_name=invoice.customer_name,
            cohort_id=invoice.cohort_id,
            team_id=invoice.team_id,
            purchase_order=invoice.purchase_order,
            due_on=invoice.due_on,
            days_overdue=item.days_overdue,
            outstanding=item.outstanding,
            organisation_credit=item.organisation_credit,
            to_chase=item.to_chase,
            project_lead_name=item.project_lead_name,
            project_lead_email=item.project_lead_email,
        )


class CohortTotalsOut(CohortTotals, _Read):
    pass


class OverdueCheckOut(BaseModel):
    newly_overdue: list[str]

    @classmethod
    def build(cls, marked: list[Invoice]) -> Self:
        return cls(newly_overdue=[i.number for i in marked])
