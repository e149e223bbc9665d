"""Purchase orders and payments: what finance records against documents.

A PO recorded for a pro-forma (any revision of it) issues the VAT invoice at the pro-forma's
current price; an issued invoice is never edited, so a PO for it is refused. Payments lock their
invoice; a retried payment (same Idempotency-Key) is recorded once and answered as the first time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.balances import InvoiceStatus, ProformaStatus, payment_problem
from services.billing.invoicing import (
    Billed,
    Customer,
    amounts_of,
    issue_invoice,
    outstanding_of,
    price_of,
    record_from,
    refresh_status,
)
from services.billing.models import BillingTeam, Invoice, Payment
from services.billing.pricing import money
from services.billing.problems import problem_type
from services.billing.replays import Answer, Answered, date_problem, kept, movement, replayed
from services.billing.settings import BillingSettings
from services.billing.store import prepared, queries
from shared.clock import uk_date
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events.billing import InvoicePaid, PaymentRecorded


async def record_purchase_order(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    proforma_id: uuid.UUID,
    purchase_order: str,
    now: datetime,
) -> Invoice:
    """Finance records the PO for a pro-forma: the VAT invoice is issued with its number.

    A PO raised against an earlier revision is recorded for the current one: a pro-forma is only
    ever repriced downwards (the multi-team discount), so the PO covers it."""
    found = await queries.proforma_by_id(session, proforma_id)
    if found is None:
        raise NotFound("no such pro-forma")
    cohort = await prepared.lock_cohort(session, found.cohort_id)
    proforma = await queries.current_proforma(session, found.team_id)
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
        team,
        Customer.of_document(proforma),
        proforma.description,
        amounts_of(proforma),
        price_of(proforma),
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


def newly_paid(invoice: Invoice, *, on: date) -> bool:
    """Whether a payment or an allocation just left nothing to pay (then ``paid_on`` is set)."""
    if invoice.status == InvoiceStatus.PAID.value and invoice.paid_on is None:
        invoice.paid_on = on
        return True
    return False


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
    answer: Answer[RecordedPayment],
    idempotency_key: str | None = None,
) -> Answered[RecordedPayment]:
    invoice = await prepared.lock_invoice(session, invoice_id)
    if invoice is None:
        raise NotFound("no such invoice")
    received = {
        "received_on": received_on,
        "amount": amount,
        "reference": reference,
        "method": method,
    }
    earlier = await replayed(
        session,
        Payment,
        scope=invoice_id,
        idempotency_key=idempotency_key,
        received=received,
        rebuild=lambda row: answer(RecordedPayment(row, invoice)),
    )
    if earlier is not None:  # a retried request: recorded once, answered as the first time
        return earlier
    today = uk_date(now)
    date_problem(
        received_on, today=today, earliest=invoice.issued_on, what="payment", since="the invoice"
    )
    problem = payment_problem(amount=amount, still_owed=outstanding_of(invoice))
    if problem is not None:
        raise Unprocessable(
            f"invoice {invoice.number}: {problem}",
            type=problem_type("payment-refused"),
            outstanding=str(outstanding_of(invoice)),
        )
    payment = Payment(
        id=uuid.uuid4(),
        invoice_id=invoice.id,
        **received | {"amount": money(amount)},
        **movement(invoice, by=recorded_by, now=now, idempotency_key=idempotency_key),
    )
    invoice.paid = invoice.paid + payment.amount
    refresh_status(invoice, today=today)
    paid = newly_paid(invoice, on=received_on)
    result = await kept(session, payment, RecordedPayment(payment, invoice), answer)
    await record_from(
        session,
        PaymentRecorded,
        payment,
        subject=invoice.id,
        outstanding=outstanding_of(invoice),
        invoice_number=invoice.number,
    )
    if paid:
        await record_from(session, InvoicePaid, invoice, total_paid=invoice.paid)
    return result
