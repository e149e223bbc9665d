"""What billing's documents say, built from the stored rows (one place, for the PDF and the
JSON alike), and the downloads: UK VAT invoice, credit note, pro-forma and an organisation's
statement of account.

Customer documents speak the customer's language: no class or field name of the service ever
reaches them (tests/integration/billing/test_document_wording.py reads every kind back).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.invoicing import Customer, previous_reference, price_of
from services.billing.models import CreditNote, Invoice, Proforma
from services.billing.pricing import format_rate
from services.billing.rendering import (
    DocumentKind,
    DocumentView,
    Line,
    Party,
    StatementRow,
    StatementView,
    render_pdf,
    render_statement,
)
from services.billing.settings import BillingSettings
from services.billing.statements import (
    Statement,
    get_credit_note,
    get_invoice,
    get_proforma,
    statement,
)
from services.billing.store import queries
from shared.auth import Principal


def supplier(settings: BillingSettings) -> Party:
    return Party(
        name=settings.supplier_name,
        address_lines=tuple(settings.supplier_address),
        postcode=settings.supplier_postcode,
        vat_registration_number=settings.supplier_vat_number,
        extra=(settings.supplier_email,) if settings.supplier_email else (),
    )


def warnings(settings: BillingSettings) -> tuple[str, ...]:
    """What makes a document printed by this service no real document: only outside
    production, which refuses to start without a real VAT number and remittance details."""
    found: list[str] = []
    if settings.placeholder_vat_number:
        found.append(
            "DEVELOPMENT COPY: the supplier's VAT registration number is a placeholder; "
            "this is not a valid VAT document."
        )
    if settings.remittance_missing:
        found.append("DEVELOPMENT COPY: no bank details are configured to pay into.")
    return tuple(found)


def how_to_pay(settings: BillingSettings, reference: str | None) -> tuple[str, ...]:
    """The remittance details, and the payment reference to quote (an invoice's number)."""
    lines = [
        f"{label}: {value}"
        for label, value in (
            ("Bank", settings.remittance_bank),
            ("Account name", settings.remittance_account_name),
            ("Sort code", settings.remittance_sort_code),
            ("Account number", settings.remittance_account_number),
        )
        if value
    ]
    if reference:
        lines.append(f"Payment reference to quote: {reference}")
    if settings.remittance_email:
        lines.append(f"Remittance advice to: {settings.remittance_email}")
    return (*lines, *settings.payment_details)


def customer_party(customer: Customer) -> Party:
    extra: list[str] = []
    if customer.ods_code:
        extra.append(f"ODS code: {customer.ods_code}")
    if customer.payables_code:
        extra.append(f"Payables code: {customer.payables_code}")
    return Party(customer.name, customer.address, customer.postcode, extra=tuple(extra))


def send_to(customer: Customer) -> tuple[str, ...]:
    """The customer's accounts-payable contact: its mailbox, and its postal address when it
    differs from the invoicing address."""
    if customer.ap_email is None:
        return ()
    lines = [customer.ap_name or "Accounts payable", customer.ap_email]
    if customer.ap_address:
        lines.extend(customer.ap_address)
        if customer.ap_postcode:
            lines.append(customer.ap_postcode)
    return tuple(lines)


def document_lines(row: Invoice | Proforma | CreditNote) -> tuple[Line, ...]:
    """The lines of a document: a membership's list price and multi-team discount on their own
    lines (their net is the document's), a credit note's one line."""
    if isinstance(row, CreditNote):
        return (Line(row.description, row.net, row.vat_rate, row.vat, row.gross),)
    price = price_of(row)
    listed, discount = price.lines()
    if discount is None:
        return (Line(row.description, listed.net, listed.vat_rate, listed.vat, listed.gross),)
    rate = format_rate(price.discount_rate) if price.discount_rate is not None else ""
    return (
        Line(
            f"{row.description} (list price)", listed.net, listed.vat_rate, listed.vat, listed.gross
        ),
        Line(
            f"Multi-team discount {rate}".strip(),
            discount.net,
            discount.vat_rate,
            discount.vat,
            discount.gross,
        ),
    )


def _view(
    settings: BillingSettings,
    row: Invoice | Proforma | CreditNote,
    kind: DocumentKind,
    number: str,
) -> DocumentView:
    """What every document shows: the supplier, the customer as the row states it and where
    its documents go, its lines (each kind's own facts are added to it)."""
    customer = Customer.of_document(row)
    return DocumentView(
        kind=kind,
        number=number,
        issued_on=row.issued_on,
        supplier=supplier(settings),
        customer=customer_party(customer),
        lines=document_lines(row),
        send_to=send_to(customer),
        warnings=warnings(settings),
    )


def customer_references(row: Invoice | Proforma) -> tuple[tuple[str, str], ...]:
    """The references the customer asked to be quoted (as they stood at issue), in order."""
    return tuple((r["label"], r["value"]) for r in row.customer_references or ())


def invoice_view(settings: BillingSettings, invoice: Invoice) -> DocumentView:
    return replace(
        _view(settings, invoice, DocumentKind.INVOICE, invoice.number),
        facts=customer_references(invoice),
        time_of_supply=invoice.time_of_supply,
        purchase_order=invoice.purchase_order,
        due_on=invoice.due_on,
        payment_details=how_to_pay(settings, invoice.number),
    )


def _day(value: date) -> str:
    return value.strftime("%d %B %Y")


def withdrawal_lines(note: CreditNote) -> tuple[str, ...]:
    """A withdrawal's date, who chose it and who recorded it (nothing for other credits)."""
    if note.withdrawn_on is None:
        return ()
    chosen = (
        f"chosen by the programme coordinator {note.withdrawal_date_chosen_by}"
        if note.withdrawal_date_chosen_by
        else "the day the withdrawal was recorded"
    )
    lines = [f"Withdrawal date: {_day(note.withdrawn_on)} ({chosen})"]
    if note.credited_as_of is not None and note.credited_as_of != note.withdrawn_on:
        lines.append(
            f"Credited as of: {_day(note.credited_as_of)} (the day the team was confirmed)"
        )
    if note.withdrawn_by:
        lines.append(f"Withdrawal recorded by: {note.withdrawn_by}")
    return tuple(lines)


def credit_note_view(
    settings: BillingSettings, note: CreditNote, invoice_number: str, purchase_order: str | None
) -> DocumentView:
    return replace(
        _view(settings, note, DocumentKind.CREDIT_NOTE, note.number),
        time_of_supply=note.issued_on,
        purchase_order=purchase_order,
        references_invoice=invoice_number,
        reason=note.reason_text,
        sections=(("Withdrawal", lines),) if (lines := withdrawal_lines(note)) else (),
    )


def proforma_view(settings: BillingSettings, proforma: Proforma) -> DocumentView:
    facts = customer_references(proforma)
    if proforma.revision > 1:
        earlier = previous_reference(proforma.reference, proforma.revision)
        facts += (("Revision", str(proforma.revision)), ("Replaces", earlier))
    return replace(
        _view(settings, proforma, DocumentKind.PROFORMA, proforma.reference), facts=facts
    )


ENTRY_WORDS = {
    "invoice": "Invoice",
    "credit_note": "Credit note",
    "payment": "Payment",
    "allocation": "Allocation",
    "refund": "Refund",
}


def statement_view(settings: BillingSettings, found: Statement) -> StatementView:
    customer = found.customer
    return StatementView(
        supplier=supplier(settings),
        customer=customer_party(customer),
        as_of=found.as_of,
        scope=f"Cohort {found.cohort_name or ''}".strip() if found.cohort_id else "All cohorts",
        rows=tuple(
            StatementRow(
                e.on,
                ENTRY_WORDS[e.kind],
                e.reference,
                e.description,
                e.debit,
                e.credit,
                e.balance,
            )
            for e in found.entries
        ),
        totals=(
            ("Invoiced", found.invoiced),
            ("Credited", found.credited),
            ("Paid", found.paid),
            ("Refunded", found.refunded),
            ("Balance owed" if found.balance >= 0 else "Balance in your favour", found.balance),
        ),
        open_items=(
            *(
                (
                    f"Invoice (due {_day(i.due_on)})" if i.due_on else "Invoice",
                    i.reference,
                    i.amount,
                )
                for i in found.open_invoices
            ),
            *(("Credit note, unused", n.reference, n.amount) for n in found.unused_credit_notes),
        ),
        send_to=send_to(customer),
        payment_details=how_to_pay(settings, None)
        + (("Please quote the numbers of the invoices you pay.",) if found.balance > 0 else ()),
        warnings=warnings(settings),
    )


# --- the downloads -----------------------------------------------------------------------------


async def document_pdf(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    kind: DocumentKind,
    document_id: uuid.UUID,
    user: Principal,
) -> tuple[str, bytes]:
    """(file name, PDF) of an invoice, credit note or pro-forma the principal may read."""
    view: DocumentView
    if kind is DocumentKind.INVOICE:
        invoice = await get_invoice(session, invoice_id=document_id, user=user)
        view = invoice_view(settings, invoice)
    elif kind is DocumentKind.CREDIT_NOTE:
        note, number = await get_credit_note(session, credit_note_id=document_id, user=user)
        purchase_order = await queries.purchase_order_of(session, note.invoice_id)
        view = credit_note_view(settings, note, number, purchase_order)
    else:
        proforma = await get_proforma(session, proforma_id=document_id, user=user)
        view = proforma_view(settings, proforma)
    # Rendering takes a while, so it runs off the event loop.
    return f"{view.number}.pdf", await asyncio.to_thread(render_pdf, view)


async def statement_pdf(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    organisation_id: uuid.UUID,
    user: Principal,
    now: datetime,
    cohort_id: uuid.UUID | None = None,
) -> tuple[str, bytes]:
    found = await statement(
        session, user=user, organisation_id=organisation_id, now=now, cohort_id=cohort_id
    )
    content = await asyncio.to_thread(render_statement, statement_view(settings, found))
    return f"statement-{found.as_of.isoformat()}.pdf", content
