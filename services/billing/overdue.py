"""Chasing: the invoices overdue as of a day, what to chase on each, and the periodic check
that records ``billing.invoice.overdue`` once per invoice.

What to chase on an organisation's overdue invoices is their outstanding less the credit the
organisation holds unallocated in the cohort (``balances.to_chase``), so nothing is chased that
its statement says it does not owe.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.balances import InvoiceStatus, to_chase
from services.billing.invoicing import outstanding_of, record_from, refresh_status
from services.billing.models import Invoice
from services.billing.pricing import ZERO
from services.billing.store import prepared, queries
from shared.clock import uk_date
from shared.events.billing import InvoiceOverdue


@dataclass(frozen=True)
class OverdueItem:
    invoice: Invoice
    outstanding: Decimal
    organisation_credit: Decimal  # unallocated credit its organisation holds in the cohort
    to_chase: Decimal
    days_overdue: int
    project_lead_name: str | None
    project_lead_email: str | None


Account = tuple[uuid.UUID, uuid.UUID]  # (organisation, cohort)


@dataclass(frozen=True)
class _Chase:
    amounts: dict[uuid.UUID, Decimal]  # by invoice
    credit: dict[Account, Decimal]  # unallocated, by account


async def _chase(session: AsyncSession, invoices: Sequence[Invoice]) -> _Chase:
    """What to chase on each overdue invoice (``invoices``: oldest due first): the credit its
    organisation holds in the cohort is netted from the oldest first."""
    accounts: dict[Account, list[Invoice]] = defaultdict(list)
    for invoice in invoices:
        accounts[(invoice.organisation_id, invoice.cohort_id)].append(invoice)
    credit = await queries.unused_credit(session, organisation_ids={k[0] for k in accounts})
    amounts: dict[uuid.UUID, Decimal] = {}
    for account, overdue_invoices in accounts.items():
        chased = to_chase(
            (outstanding_of(i) for i in overdue_invoices), unused_credit=credit.get(account, ZERO)
        )
        amounts.update(zip((i.id for i in overdue_invoices), chased, strict=True))
    return _Chase(amounts, credit)


async def overdue(session: AsyncSession, *, as_of: date | None, now: datetime) -> list[OverdueItem]:
    """Invoices overdue as of a day (by default today)."""
    day = as_of or uk_date(now)
    rows = await queries.overdue_invoices(session, day)
    chase = await _chase(session, [invoice for invoice, _name, _email in rows])
    return [
        OverdueItem(
            invoice=invoice,
            outstanding=outstanding_of(invoice),
            organisation_credit=chase.credit.get(
                (invoice.organisation_id, invoice.cohort_id), ZERO
            ),
            to_chase=chase.amounts[invoice.id],
            days_overdue=(day - invoice.due_on).days,
            project_lead_name=lead_name,
            project_lead_email=lead_email,
        )
        for invoice, lead_name, lead_email in rows
    ]


async def record_overdue(session: AsyncSession, *, now: datetime) -> list[Invoice]:
    """Mark invoices past their due date with money owed as overdue, and record the event once
    for each with something to chase (one whose organisation holds credit enough is recorded
    later, if that credit is refunded instead of allocated)."""
    today = uk_date(now)
    falling: list[Invoice] = []
    for invoice_id in await queries.overdue_to_record(session, today):
        invoice = await prepared.lock_invoice(session, invoice_id)
        if invoice is None:
            continue
        refresh_status(invoice, today=today)
        if invoice.status == InvoiceStatus.OVERDUE.value and invoice.overdue_recorded_at is None:
            falling.append(invoice)
    if not falling:
        return []
    rows = await queries.overdue_invoices(session, today)
    chase = await _chase(session, [invoice for invoice, _name, _email in rows])
    marked: list[Invoice] = []
    for invoice in falling:
        amount = chase.amounts.get(invoice.id, ZERO)
        if amount <= 0:
            continue
        invoice.overdue_recorded_at = now
        marked.append(invoice)
        await record_from(
            session, InvoiceOverdue, invoice, outstanding=outstanding_of(invoice), to_chase=amount
        )
    return marked
