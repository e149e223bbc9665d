"""Documents as the API answers them: invoices, credit notes and pro-formas, each with its
supplier, its customer (and accounts-payable contact) and its lines, built in one place from
the stored row."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from services.billing.balances import InvoiceStatusName, ProformaStatusName
from services.billing.documents import document_lines, warnings
from services.billing.invoicing import Customer, effective_status, outstanding_of, unused_of
from services.billing.models import CreditNote, Invoice, Proforma
from services.billing.pricing import PAYMENT_TERMS_DAYS
from services.billing.settings import BillingSettings
from shared.fields import Text100, UtcDateTime


class FromAttributes(BaseModel):
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


class LineOut(FromAttributes):
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
