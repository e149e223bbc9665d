"""Purchase orders, payments and overdue invoices: what finance records against documents.

A PO recorded for a pro-forma issues the VAT invoice; an issued invoice is never edited, so a PO
for it is refused. Payments lock their invoice; a retried payment (same Idempotency-Key) is
recorded once. Invoices past their due date with money owed are recorded overdue once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.invoicing import (
    Billed,
    Customer,
    amounts_of,
    issue_invoice,
    record_from,
    refresh_status,
)
from services.billing.models import BillingTeam, Invoice, Payment, Proforma
from services.billing.pricing import InvoiceStatus, ProformaStatus, outstanding, payment_problem
from services.billing.settings import BillingSettings
from services.billing.store import prepared, queries
from shared.clock import uk_date
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events.billing import InvoiceOverdue, InvoicePaid, PaymentRecorded


def _owed(invoice: Invoice) -> Decimal:
    return outstanding(gross=invoice.gross, credited=invoice.credited, paid=invoice.paid)


async def record_purchase_order(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    proforma_id: uuid.UUID,
    purchase_order: str,
    now: datetime,
) -> Invoice:
    """Finance records the PO for a pro-forma: the VAT invoice is issued with its number."""
    found = await session.get(Proforma, proforma_id)
    if found is None:
        raise NotFound("no such pro-forma")
    cohort = await prepared.lock_cohort(session, found.cohort_id)
    proforma = await queries.reload_proforma(session, proforma_id)
    if proforma.status == ProformaStatus.INVOICED.value:
        number = await queries.invoice_number(session, proforma.invoice_id)
        raise Conflict(f"pro-forma {proforma.reference} is already invoiced as {number}")
    if proforma.status == ProformaStatus.CANCELLED.value:
        raise Conflict(
            f"pro-forma {proforma.reference} was cancelled (team withdrawn or cohort cancelled)"
        )
    if cohort.cancelled_at is not None:  # pragma: no cover - cancellation cancels pro-formas
        raise Conflict("the cohort was cancelled")
    team = await session.get(BillingTeam, proforma.team_id)
    assert team is not None
    billed = Billed(
        team, Customer.of_document(proforma), proforma.description, amounts_of(proforma)
    )
    invoice = await issue_invoice(
        session,
        settings=settings,
        billed=billed,
        purchase_order=purchase_order,
        proforma=proforma,
        now=now,
    )
    proforma.status = ProformaStatus.INVOICED.value
    proforma.invoice_id = invoice.id
    team.purchase_order = purchase_order
    await session.flush()
    return invoice


async def refuse_purchase_order_on_invoice(session: AsyncSession, *, invoice_id: uuid.UUID) -> None:
    """An issued invoice is never edited: a PO for it is refused (a credit note and a new
    invoice would be the correction)."""
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("no such invoice")
    if invoice.status == InvoiceStatus.PAID.value:
        raise Conflict(
            f"invoice {invoice.number} is already paid; its purchase order cannot change"
        )
    raise Conflict(
        f"invoice {invoice.number} was issued with purchase order {invoice.purchase_order}; "
        "issued invoices are never edited"
    )


@dataclass(frozen=True)
class RecordedPayment:
    payment: Payment
    invoice: Invoice  # as the payment left it


async def record_payment(
    session: AsyncSession,
    *,
    invoice_id: uuid.UUID,
    received_on: date,
    amount: Decimal,
    reference: str,
    method: str,
    recorded_by: str,
    now: datetime,
    idempotency_key: str | None = None,
) -> RecordedPayment:
    invoice = await prepared.lock_invoice(session, invoice_id)
    if invoice is None:
        raise NotFound("no such invoice")
    received = {
        "received_on": received_on,
        "amount": amount,
        "reference": reference,
        "method": method,
    }
    if idempotency_key is not None:
        earlier = await queries.payment_by_key(session, invoice_id, idempotency_key)
        if earlier is not None:
            if {key: getattr(earlier, key) for key in received} != received:
                raise Unprocessable(
                    "this Idempotency-Key was used for a different payment",
                    title="Idempotency-Key reused",
                )
            return RecordedPayment(earlier, invoice)  # a retried request: recorded once
    today = uk_date(now)
    if received_on > today:
        raise Unprocessable("a payment cannot be received in the future", title="Invalid payment")
    if received_on < invoice.issued_on:
        raise Unprocessable(
            f"the payment date is before the invoice's issue date ({invoice.issued_on})",
            title="Invalid payment",
        )
    problem = payment_problem(
        amount=amount, gross=invoice.gross, credited=invoice.credited, paid=invoice.paid
    )
    if problem is not None:
        raise Unprocessable(
            f"invoice {invoice.number}: {problem}",
            title="Payment refused",
            outstanding=str(_owed(invoice)),
        )
    payment = Payment(
        id=uuid.uuid4(),
        invoice_id=invoice.id,
        organisation_id=invoice.organisation_id,
        cohort_id=invoice.cohort_id,
        **received,
        recorded_at=now,
        recorded_by=recorded_by,
        idempotency_key=idempotency_key,
    )
    session.add(payment)
    invoice.paid = invoice.paid + amount
    refresh_status(invoice, today=today)
    await session.flush()
    owed = _owed(invoice)
    await record_from(
        session,
        PaymentRecorded,
        payment,
        subject=invoice.id,
        outstanding=owed,
        invoice_number=invoice.number,
    )
    if invoice.status == InvoiceStatus.PAID.value:
        invoice.paid_on = received_on
        await record_from(session, InvoicePaid, invoice, total_paid=invoice.paid)
    return RecordedPayment(payment, invoice)


async def record_overdue(session: AsyncSession, *, now: datetime) -> list[Invoice]:
    """Mark invoices past their due date with money owed as overdue; the event is recorded once."""
    today = uk_date(now)
    marked: list[Invoice] = []
    for invoice_id in await queries.open_invoices_past_due(session, today):
        invoice = await prepared.lock_invoice(session, invoice_id)
        if invoice is None:
            continue
        refresh_status(invoice, today=today)
        if invoice.status != InvoiceStatus.OVERDUE.value or invoice.overdue_recorded_at is not None:
            continue
        invoice.overdue_recorded_at = now
        marked.append(invoice)
        await record_from(session, InvoiceOverdue, invoice, outstanding=_owed(invoice))
    return marked
