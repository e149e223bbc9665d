"""Request and response models of the billing API.

Amounts are GBP ``Decimal`` strings with two places (JSON numbers would invite float). Requests
forbid extra fields: status, organisation and prices are never client-settable.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from services.billing.models import CreditNote, Invoice, Proforma
from services.billing.pricing import PAYMENT_TERMS_DAYS, outstanding
from services.billing.service import OverdueItem, Statement, effective_status
from services.billing.settings import BillingSettings


def _iso_text(pattern: re.Pattern[str], example: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        # ISO 8601 text only: pydantic would otherwise read numbers as Unix timestamps.
        if isinstance(value, int | float) or (isinstance(value, str) and not pattern.match(value)):
            raise ValueError(f"must be ISO 8601, e.g. {example}")
        return value

    return check


_iso_date = _iso_text(re.compile(r"\d{4}-\d{2}-\d{2}\Z"), "2021-01-04")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def _strip_non_blank(value: str) -> str:
    # Lengths are judged on the text as sent (as documented), then surrounding spaces go.
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Text100 = Annotated[
    str, StringConstraints(min_length=1, max_length=100), AfterValidator(_strip_non_blank)
]
InvoiceStatusName = Literal["issued", "part_paid", "paid", "overdue", "credited"]
ProformaStatusName = Literal["awaiting_po", "invoiced", "cancelled"]
PaymentMethod = Literal["bacs", "chaps", "card", "cheque", "direct_debit", "other"]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SupplierOut(BaseModel):
    name: str
    address: list[str]
    postcode: str | None
    vat_registration_number: str


class CustomerOut(BaseModel):
    organisation_id: uuid.UUID
    name: str
    address: list[str]
    postcode: str | None
    ods_code: str | None
    payables_code: str | None


class InvoiceOut(_Out):
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


class CreditNoteOut(_Out):
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


class ProformaOut(_Out):
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


class PurchaseOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purchase_order: Text100 = Field(description="The customer's PO number, free text as issued.")


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    received_on: IsoDate
    amount: Decimal = Field(description='GBP, e.g. "2580.00"; partial payments allowed.')
    reference: Text100
    method: PaymentMethod


class PaymentOut(_Out):
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


class StatementEntryOut(_Out):
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


class CohortTotalsOut(_Out):
    cohort_id: uuid.UUID
    cohort_name: str | None
    invoices: int
    invoiced_net: Decimal
    invoiced_vat: Decimal
    invoiced: Decimal
    credit_notes: int
    credited_net: Decimal
    credited_vat: Decimal
    credited: Decimal
    paid: Decimal
    outstanding: Decimal
    awaiting_po: int
    awaiting_po_gross: Decimal


class OverdueCheckOut(BaseModel):
    newly_overdue: list[str]


# --- presenters: stored rows → responses ------------------------------------------------------


def supplier_out(settings: BillingSettings) -> SupplierOut:
    return SupplierOut(
        name=settings.supplier_name,
        address=list(settings.supplier_address),
        postcode=settings.supplier_postcode,
        vat_registration_number=settings.supplier_vat_number,
    )


def _customer(row: Invoice | CreditNote | Proforma) -> CustomerOut:
    return CustomerOut(
        organisation_id=row.organisation_id,
        name=row.customer_name,
        address=list(row.customer_address),
        postcode=row.customer_postcode,
        ods_code=row.customer_ods_code,
        payables_code=row.customer_payables_code,
    )


def invoice_out(settings: BillingSettings, invoice: Invoice, *, today: date) -> InvoiceOut:
    return InvoiceOut(
        id=invoice.id,
        number=invoice.number,
        status=effective_status(invoice, today=today),
        team_id=invoice.team_id,
        cohort_id=invoice.cohort_id,
        organisation_id=invoice.organisation_id,
        proforma_id=invoice.proforma_id,
        supplier=supplier_out(settings),
        customer=_customer(invoice),
        purchase_order=invoice.purchase_order,
        description=invoice.description,
        issued_at=invoice.issued_at,
        issued_on=invoice.issued_on,
        time_of_supply=invoice.time_of_supply,
        due_on=invoice.due_on,
        payment_terms_days=PAYMENT_TERMS_DAYS,
        net=invoice.net,
        vat_rate=invoice.vat_rate,
        vat=invoice.vat,
        gross=invoice.gross,
        credited=invoice.credited,
        paid=invoice.paid,
        outstanding=outstanding(gross=invoice.gross, credited=invoice.credited, paid=invoice.paid),
        paid_on=invoice.paid_on,
    )


def credit_note_out(
    settings: BillingSettings, note: CreditNote, invoice_number: str
) -> CreditNoteOut:
    return CreditNoteOut(
        id=note.id,
        number=note.number,
        invoice_id=note.invoice_id,
        invoice_number=invoice_number,
        team_id=note.team_id,
        cohort_id=note.cohort_id,
        organisation_id=note.organisation_id,
        supplier=supplier_out(settings),
        customer=_customer(note),
        reason=note.reason,
        reason_text=note.reason_text,
        description=note.description,
        issued_at=note.issued_at,
        issued_on=note.issued_on,
        net=note.net,
        vat_rate=note.vat_rate,
        vat=note.vat,
        gross=note.gross,
    )


def proforma_out(settings: BillingSettings, proforma: Proforma) -> ProformaOut:
    return ProformaOut(
        id=proforma.id,
        reference=proforma.reference,
        status=proforma.status,
        team_id=proforma.team_id,
        cohort_id=proforma.cohort_id,
        organisation_id=proforma.organisation_id,
        invoice_id=proforma.invoice_id,
        supplier=supplier_out(settings),
        customer=_customer(proforma),
        description=proforma.description,
        issued_at=proforma.issued_at,
        issued_on=proforma.issued_on,
        net=proforma.net,
        vat_rate=proforma.vat_rate,
        vat=proforma.vat,
        gross=proforma.gross,
    )


def statement_out(settings: BillingSettings, statement: Statement) -> StatementOut:
    return StatementOut(
        organisation_id=statement.organisation_id,
        organisation_name=statement.organisation_name,
        cohort_id=statement.cohort_id,
        entries=[StatementEntryOut.model_validate(e) for e in statement.entries],
        invoiced=statement.invoiced,
        credited=statement.credited,
        paid=statement.paid,
        balance=statement.balance,
        awaiting_po=[proforma_out(settings, p) for p in statement.awaiting_po],
    )


def overdue_out(item: OverdueItem) -> OverdueOut:
    invoice = item.invoice
    return OverdueOut(
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
