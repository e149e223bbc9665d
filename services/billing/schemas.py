"""Request and response models of the billing API.

Amounts are GBP ``Decimal`` strings with two places (JSON numbers would invite float). Requests
forbid extra fields: status, organisation and prices are never client-settable.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

from services.billing.invoicing import Customer, effective_status
from services.billing.models import CreditNote, Invoice, Proforma
from services.billing.payments import RecordedPayment
from services.billing.pricing import (
    PAYMENT_TERMS_DAYS,
    InvoiceStatusName,
    ProformaStatusName,
    outstanding,
)
from services.billing.settings import BillingSettings
from services.billing.statements import CohortTotals, OverdueItem, Statement
from shared.fields import IsoDate, Text100

PaymentMethod = Literal["bacs", "chaps", "card", "cheque", "direct_debit", "other"]


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


class CustomerOut(BaseModel):
    organisation_id: uuid.UUID
    name: str
    address: list[str]
    postcode: str | None
    ods_code: str | None
    payables_code: str | None

    @classmethod
    def build(cls, row: Invoice | CreditNote | Proforma) -> Self:
        """The customer as the document states it."""
        return cls(organisation_id=row.organisation_id, **asdict(Customer.of_document(row)))


def _document(
    model: type[Document],
    settings: BillingSettings,
    row: Invoice | CreditNote | Proforma,
    **computed: Any,
) -> Document:
    """A document's response: each field the row has under the same name, the supplier, the
    customer as the row states it, and the ``computed`` fields."""
    stored = {
        name: getattr(row, name)
        for name in model.model_fields
        if name not in computed and hasattr(row, name)
    }
    return model(
        **stored,
        supplier=SupplierOut.build(settings),
        customer=CustomerOut.build(row),
        **computed,
    )


class InvoiceOut(BaseModel):
    """A UK VAT invoice (the JSON download)."""

    id: uuid.UUID
    number: str
    status: InvoiceStatusName
    team_id: uuid.UUID
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    proforma_id: uuid.UUID | None
    supplier: SupplierOut
    customer: CustomerOut
    purchase_order: str
    description: str
    issued_at: datetime
    issued_on: date
    time_of_supply: date
    due_on: date
    payment_terms_days: int = 30
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal
    credited: Decimal
    paid: Decimal
    outstanding: Decimal
    paid_on: date | None

    @classmethod
    def build(cls, settings: BillingSettings, invoice: Invoice, *, today: date) -> Self:
        return _document(
            cls,
            settings,
            invoice,
            status=effective_status(invoice, today=today),
            payment_terms_days=PAYMENT_TERMS_DAYS,
            outstanding=outstanding(
                gross=invoice.gross, credited=invoice.credited, paid=invoice.paid
            ),
        )


class CreditNoteOut(BaseModel):
    id: uuid.UUID
    number: str
    invoice_id: uuid.UUID
    invoice_number: str
    team_id: uuid.UUID
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    supplier: SupplierOut
    customer: CustomerOut
    reason: str
    reason_text: str
    description: str
    issued_at: datetime
    issued_on: date
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal

    @classmethod
    def build(cls, settings: BillingSettings, note: CreditNote, invoice_number: str) -> Self:
        return _document(cls, settings, note, invoice_number=invoice_number)


class ProformaOut(BaseModel):
    """A pro-forma: not a VAT invoice; it waits for the customer's purchase order."""

    id: uuid.UUID
    reference: str
    status: ProformaStatusName
    not_a_vat_invoice: bool = True
    team_id: uuid.UUID
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    invoice_id: uuid.UUID | None
    supplier: SupplierOut
    customer: CustomerOut
    description: str
    issued_at: datetime
    issued_on: date
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal

    @classmethod
    def build(cls, settings: BillingSettings, proforma: Proforma) -> Self:
        return _document(cls, settings, proforma)


class PurchaseOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purchase_order: Text100 = Field(description="The customer's PO number, free text as issued.")


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    received_on: IsoDate
    amount: Decimal = Field(description='GBP, e.g. "2580.00"; partial payments allowed.')
    reference: Text100
    method: PaymentMethod


class PaymentOut(_Read):
    id: uuid.UUID
    invoice_id: uuid.UUID
    received_on: IsoDate
    amount: Decimal
    reference: str
    method: str
    recorded_at: datetime
    recorded_by: str


class PaymentRecordedOut(BaseModel):
    payment: PaymentOut
    invoice: InvoiceOut

    @classmethod
    def build(cls, settings: BillingSettings, recorded: RecordedPayment, *, today: date) -> Self:
        return cls(
            payment=PaymentOut.build(recorded.payment),
            invoice=InvoiceOut.build(settings, recorded.invoice, today=today),
        )


class StatementEntryOut(_Read):
    on: date
    kind: Literal["invoice", "credit_note", "payment"]
    id: uuid.UUID
    reference: str
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


class StatementOut(BaseModel):
    organisation_id: uuid.UUID
    organisation_name: str
    cohort_id: uuid.UUID | None
    entries: list[StatementEntryOut]
    invoiced: Decimal
    credited: Decimal
    paid: Decimal
    balance: Decimal = Field(
        description="Invoiced minus credited minus paid; negative means in credit."
    )
    awaiting_po: list[ProformaOut]

    @classmethod
    def build(cls, settings: BillingSettings, statement: Statement) -> Self:
        return cls(
            organisation_id=statement.organisation_id,
            organisation_name=statement.organisation_name,
            cohort_id=statement.cohort_id,
            entries=[StatementEntryOut.build(e) for e in statement.entries],
            invoiced=statement.invoiced,
            credited=statement.credited,
            paid=statement.paid,
            balance=statement.balance,
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
