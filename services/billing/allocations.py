"""What finance does with a credit note's unused amount (what its own invoice could not take,
because that invoice was already paid): allocate it to another open invoice of the same
organisation in the same cohort, or refund it (a payment out, with its date and reference).

Both lock the cohort, then the credit note, then the invoice (the order every writer of a
cohort's documents takes). A retried request with its Idempotency-Key is answered as the first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.balances import allocation_problem, refund_problem
from services.billing.invoicing import outstanding_of, record_from, refresh_status, unused_of
from services.billing.models import CreditAllocation, CreditNote, Invoice, Refund
from services.billing.payments import newly_paid
from services.billing.pricing import money
from services.billing.problems import problem_type
from services.billing.replays import Answer, Answered, date_problem, kept, movement, replayed
from services.billing.store import prepared, queries
from shared.clock import uk_date
from shared.errors import NotFound, Unprocessable
from shared.events.billing import CreditAllocated, InvoicePaid, RefundRecorded


async def _locked_note(session: AsyncSession, credit_note_id: uuid.UUID) -> tuple[CreditNote, str]:
    """The credit note, locked (after its cohort), and the number of the invoice it corrects."""
    found = await queries.credit_note_by_id(session, credit_note_id)
    if found is None:
        raise NotFound("no such credit note")
    await prepared.lock_cohort(session, found.cohort_id)
    note = await prepared.lock_credit_note(session, credit_note_id)
    corrects = await queries.invoice_number(session, found.invoice_id)
    assert note is not None and corrects is not None  # documents are never deleted
    return note, corrects


def _refused(note: CreditNote, problem: str | None, **extra: Any) -> None:
    if problem is not None:
        raise Unprocessable(
            f"credit note {note.number}: {problem}",
            type=problem_type("credit-not-available"),
            unused=str(unused_of(note)),
            **extra,
        )


@dataclass(frozen=True)
class Allocated:
    allocation: CreditAllocation
    credit_note: CreditNote  # as the allocation left them
    invoice: Invoice
    corrects: str  # the number of the invoice the credit note corrects


async def allocate_credit(
    session: AsyncSession,
    *,
    credit_note_id: uuid.UUID,
    invoice_id: uuid.UUID,
    amount: Decimal,
    recorded_by: str,
    now: datetime,
    answer: Answer[Allocated],
    idempotency_key: str | None = None,
) -> Answered[Allocated]:
    """Apply ``amount`` of the credit note's unused amount to another open invoice of the same
    organisation in the same cohort."""
    note, corrects = await _locked_note(session, credit_note_id)
    received = {"invoice_id": invoice_id, "amount": amount}
    invoice = await prepared.lock_invoice(session, invoice_id)
    if invoice is None:
        raise NotFound("no such invoice")
    earlier = await replayed(
        session,
        CreditAllocation,
        scope=credit_note_id,
        idempotency_key=idempotency_key,
        received=received,
        rebuild=lambda row: answer(Allocated(row, note, invoice, corrects)),
    )
    if earlier is not None:
        return earlier
    if (invoice.organisation_id, invoice.cohort_id) != (note.organisation_id, note.cohort_id):
        raise Unprocessable(
            f"invoice {invoice.number} is not one of the same organisation in the same cohort "
            f"as credit note {note.number}",
            type=problem_type("credit-not-available"),
        )
    _refused(
        note,
        allocation_problem(
            amount=amount, unused_credit=unused_of(note), still_owed=outstanding_of(invoice)
        ),
        outstanding=str(outstanding_of(invoice)),
    )
    today = uk_date(now)
    allocation = CreditAllocation(
        id=uuid.uuid4(),
        credit_note_id=note.id,
        **received | {"amount": money(amount)},
        allocated_on=today,
        **movement(note, by=recorded_by, now=now, idempotency_key=idempotency_key),
    )
    note.allocated = note.allocated + allocation.amount
    invoice.credit_applied = invoice.credit_applied + allocation.amount
    refresh_status(invoice, today=today)
    paid = newly_paid(invoice, on=today)
    result = await kept(session, allocation, Allocated(allocation, note, invoice, corrects), answer)
    await record_from(
        session,
        CreditAllocated,
        allocation,
        subject=note.id,
        allocation_id=allocation.id,
        credit_note_number=note.number,
        invoice_number=invoice.number,
        credit_note_unused=unused_of(note),
        outstanding=outstanding_of(invoice),
    )
    if paid:
        await record_from(session, InvoicePaid, invoice, total_paid=invoice.paid)
    return result


@dataclass(frozen=True)
class Refunded:
    refund: Refund
    credit_note: CreditNote  # as the refund left it
    corrects: str  # the number of the invoice the credit note corrects


async def record_refund(
    session: AsyncSession,
    *,
    credit_note_id: uuid.UUID,
    amount: Decimal,
    paid_on: date,
    reference: str,
    method: str,
    recorded_by: str,
    now: datetime,
    answer: Answer[Refunded],
    idempotency_key: str | None = None,
) -> Answered[Refunded]:
    """Record money paid back to the organisation out of the credit note's unused amount."""
    note, corrects = await _locked_note(session, credit_note_id)
    received = {"amount": amount, "paid_on": paid_on, "reference": reference, "method": method}
    earlier = await replayed(
        session,
        Refund,
        scope=credit_note_id,
        idempotency_key=idempotency_key,
        received=received,
        rebuild=lambda row: answer(Refunded(row, note, corrects)),
    )
    if earlier is not None:
        return earlier
    date_problem(
        paid_on, today=uk_date(now), earliest=note.issued_on, what="refund", since="the credit note"
    )
    _refused(note, refund_problem(amount=amount, unused_credit=unused_of(note)))
    refund = Refund(
        id=uuid.uuid4(),
        credit_note_id=note.id,
        **received | {"amount": money(amount)},
        **movement(note, by=recorded_by, now=now, idempotency_key=idempotency_key),
    )
    note.refunded = note.refunded + refund.amount
    result = await kept(session, refund, Refunded(refund, note, corrects), answer)
    await record_from(
        session,
        RefundRecorded,
        refund,
        subject=note.id,
        credit_note_number=note.number,
        credit_note_unused=unused_of(note),
    )
    return result
