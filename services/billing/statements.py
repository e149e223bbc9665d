"""Reading billing: the documents a person may see (listings and single documents), an
organisation's statement of account and a cohort's totals.

Every read for a person goes through the store's readable statements (``store.access``):
another organisation's document answers 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.balances import METHOD_WORDS, balance
from services.billing.invoicing import Customer, outstanding_of, unused_of
from services.billing.models import (
    BillingCohort,
    BillingOrganisation,
    CreditNote,
    Invoice,
    Payment,
    Proforma,
)
from services.billing.pricing import ZERO, format_gbp
from services.billing.store import access, queries
from services.billing.store.access import CreditNoteListing as CreditNoteListing
from services.billing.store.access import InvoiceListing as InvoiceListing
from services.billing.store.access import ProformaListing as ProformaListing
from shared.auth import Principal
from shared.clock import uk_date
from shared.errors import NotFound

Found = TypeVar("Found")


def _found(row: Found | None, what: str) -> Found:
    """The row read through a readable statement; 404 when there is none to read."""
    if row is None:
        raise NotFound(f"no such {what}")
    return row


# --- documents ---------------------------------------------------------------------------------


async def list_invoices(
    session: AsyncSession, *, user: Principal, listing: InvoiceListing, now: datetime
) -> Sequence[Invoice]:
    return await access.invoices(session, user, listing, today=uk_date(now))


async def get_invoice(session: AsyncSession, *, invoice_id: uuid.UUID, user: Principal) -> Invoice:
    return _found(await access.find(session, user, Invoice, invoice_id), "invoice")


async def list_payments(
    session: AsyncSession, *, invoice_id: uuid.UUID, user: Principal
) -> Sequence[Payment]:
    await get_invoice(session, invoice_id=invoice_id, user=user)
    return await access.payments_of(session, invoice_id)


async def list_credit_notes(
    session: AsyncSession, *, user: Principal, listing: CreditNoteListing
) -> list[tuple[CreditNote, str]]:
    """Credit notes with the number of the invoice each corrects."""
    return await access.credit_notes(session, user, listing)


async def get_credit_note(
    session: AsyncSession, *, credit_note_id: uuid.UUID, user: Principal
) -> tuple[CreditNote, str]:
    return _found(await access.credit_note(session, user, credit_note_id), "credit note")


async def list_proformas(
    session: AsyncSession, *, user: Principal, listing: ProformaListing
) -> Sequence[Proforma]:
    return await access.proformas(session, user, listing)


async def get_proforma(
    session: AsyncSession, *, proforma_id: uuid.UUID, user: Principal
) -> Proforma:
    return _found(await access.find(session, user, Proforma, proforma_id), "pro-forma")


async def proforma_revisions(
    session: AsyncSession, *, proforma_id: uuid.UUID, user: Principal
) -> Sequence[Proforma]:
    """Every revision of the pro-forma (the team's), the first first."""
    proforma = await get_proforma(session, proforma_id=proforma_id, user=user)
    return await access.proforma_revisions(session, user, proforma.team_id)


# --- an organisation's statement of account ----------------------------------------------------


@dataclass(frozen=True)
class StatementEntry:
    on: date
    at: datetime
    kind: str  # invoice | credit_note | payment | allocation | refund
    id: uuid.UUID
    reference: str
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal = ZERO


@dataclass(frozen=True)
class OpenItem:
    """An invoice with something outstanding, or a credit note with something unused."""

    kind: str  # invoice | credit_note
    id: uuid.UUID
    reference: str
    on: date
    due_on: date | None
    amount: Decimal


@dataclass(frozen=True)
class Statement:
    """What an organisation was invoiced, credited, paid and refunded, entry by entry, and
    what is open: balance = invoiced - credited - paid + refunded
    = outstanding (its invoices') - unallocated credit (its credit notes' unused)."""

    organisation_id: uuid.UUID
    organisation_name: str
    customer: Customer
    cohort_id: uuid.UUID | None
    cohort_name: str | None
    as_of: date
    entries: list[StatementEntry]
    invoiced: Decimal
    credited: Decimal
    paid: Decimal
    refunded: Decimal
    balance: Decimal
    outstanding: Decimal
    unallocated_credit: Decimal
    open_invoices: list[OpenItem]
    unused_credit_notes: list[OpenItem]
    awaiting_po: Sequence[Proforma]


def _total(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


# The order of entries made at the same moment: documents before the money moved against them.
ENTRY_ORDER = {"invoice": 0, "credit_note": 1, "payment": 2, "allocation": 3, "refund": 4}


def _entries(documents: queries.Documents) -> list[StatementEntry]:
    """Every movement on the account, oldest first, with the running balance. An allocation
    moves credit from one document to another: it is listed, but changes no balance."""
    invoice_numbers = {i.id: i.number for i in documents.invoices}
    note_numbers = {n.id: n.number for n in documents.credit_notes}
    raw = [
        *(
            StatementEntry(
                i.issued_on, i.issued_at, "invoice", i.id, i.number, i.description, i.gross, ZERO
            )
            for i in documents.invoices
        ),
        *(
            StatementEntry(
                n.issued_on,
                n.issued_at,
                "credit_note",
                n.id,
                n.number,
                f"Credit note against invoice {invoice_numbers.get(n.invoice_id, '')}: "
                f"{n.reason_text}",
                ZERO,
                n.gross,
            )
            for n in documents.credit_notes
        ),
        *(
            StatementEntry(
                p.received_on,
                p.recorded_at,
                "payment",
                p.id,
                p.reference,
                f"Payment by {METHOD_WORDS.get(p.method, p.method)} against invoice "
                f"{invoice_numbers.get(p.invoice_id, '')}",
                ZERO,
                p.amount,
            )
            for p in documents.payments
        ),
        *(
            StatementEntry(
                a.allocated_on,
                a.recorded_at,
                "allocation",
                a.id,
                note_numbers.get(a.credit_note_id, ""),
                f"{format_gbp(a.amount)} of credit note {note_numbers.get(a.credit_note_id, '')} "
                f"applied to invoice {invoice_numbers.get(a.invoice_id, '')}",
                ZERO,
                ZERO,
            )
            for a in documents.allocations
        ),
        *(
            StatementEntry(
                r.paid_on,
                r.recorded_at,
                "refund",
                r.id,
                r.reference,
                f"Refund by {METHOD_WORDS.get(r.method, r.method)} of credit note "
                f"{note_numbers.get(r.credit_note_id, '')}",
                r.amount,
                ZERO,
            )
            for r in documents.refunds
        ),
    ]
    raw.sort(key=lambda e: (e.on, e.at, ENTRY_ORDER[e.kind], e.reference))
    running = ZERO
    entries: list[StatementEntry] = []
    for entry in raw:
        running += entry.debit - entry.credit
        entries.append(replace(entry, balance=running))
    return entries


async def statement(
    session: AsyncSession,
    *,
    user: Principal,
    organisation_id: uuid.UUID,
    now: datetime,
    cohort_id: uuid.UUID | None = None,
) -> Statement:
    organisation = _found(
        await access.find(session, user, BillingOrganisation, organisation_id),
        "organisation in billing",
    )
    documents = await queries.organisation_documents(
        session, organisation_id=organisation_id, cohort_id=cohort_id
    )
    open_invoices = [
        OpenItem("invoice", i.id, i.number, i.issued_on, i.due_on, outstanding_of(i))
        for i in sorted(documents.invoices, key=lambda i: (i.series, i.sequence))
        if outstanding_of(i) > 0
    ]
    unused_notes = [
        OpenItem("credit_note", n.id, n.number, n.issued_on, None, unused_of(n))
        for n in sorted(documents.credit_notes, key=lambda n: (n.series, n.sequence))
        if unused_of(n) > 0
    ]
    figures = {
        "invoiced": _total(i.gross for i in documents.invoices),
        "credited": _total(n.gross for n in documents.credit_notes),
        "paid": _total(p.amount for p in documents.payments),
        "refunded": _total(r.amount for r in documents.refunds),
    }
    cohort = await session.get(BillingCohort, cohort_id) if cohort_id is not None else None
    return Statement(
        organisation_id=organisation_id,
        organisation_name=organisation.name,
        customer=Customer.of_organisation(organisation),
        cohort_id=cohort_id,
        cohort_name=cohort.name if cohort is not None else None,
        as_of=uk_date(now),
        entries=_entries(documents),
        **figures,
        balance=balance(**figures),
        outstanding=_total(item.amount for item in open_invoices),
        unallocated_credit=_total(item.amount for item in unused_notes),
        open_invoices=open_invoices,
        unused_credit_notes=unused_notes,
        awaiting_po=documents.awaiting_po,
    )


# --- a cohort's totals -------------------------------------------------------------------------


class CohortTotals(BaseModel):
    """What a cohort was invoiced, credited, paid and refunded (the API answers it as it is).

    ``balance`` = invoiced - credited - paid + refunded = ``receivable`` - ``unallocated_credit``
    = ``outstanding`` - ``credit_owed``: ``outstanding`` is what the cohort's organisations owe
    (each one's statement balance, where positive), ``credit_owed`` what they are owed."""

    model_config = ConfigDict(frozen=True)

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
    refunded: Decimal
    allocated: Decimal
    balance: Decimal
    receivable: Decimal
    unallocated_credit: Decimal
    outstanding: Decimal
    credit_owed: Decimal
    awaiting_po: int
    awaiting_po_gross: Decimal


async def cohort_totals(session: AsyncSession, *, cohort_id: uuid.UUID) -> CohortTotals:
    cohort = await session.get(BillingCohort, cohort_id)
    if cohort is None:
        raise NotFound("no such cohort in billing")
    documents = await queries.cohort_documents(session, cohort_id=cohort_id)
    invoices, notes, proformas = documents.invoices, documents.credit_notes, documents.awaiting_po
    by_organisation: dict[uuid.UUID, Decimal] = defaultdict(lambda: ZERO)
    for i in invoices:
        by_organisation[i.organisation_id] += i.gross - i.paid
    for n in notes:
        by_organisation[n.organisation_id] += n.refunded - n.gross
    figures = {
        "invoiced": _total(i.gross for i in invoices),
        "credited": _total(n.gross for n in notes),
        "paid": _total(i.paid for i in invoices),
        "refunded": _total(n.refunded for n in notes),
    }
    return CohortTotals(
        cohort_id=cohort_id,
        cohort_name=cohort.name,
        invoices=len(invoices),
        invoiced_net=_total(i.net for i in invoices),
        invoiced_vat=_total(i.vat for i in invoices),
        credit_notes=len(notes),
        credited_net=_total(n.net for n in notes),
        credited_vat=_total(n.vat for n in notes),
        **figures,
        allocated=_total(n.allocated for n in notes),
        balance=balance(**figures),
        receivable=_total(outstanding_of(i) for i in invoices),
        unallocated_credit=_total(unused_of(n) for n in notes),
        outstanding=_total(max(owes, ZERO) for owes in by_organisation.values()),
        credit_owed=_total(max(-owes, ZERO) for owes in by_organisation.values()),
        awaiting_po=len(proformas),
        awaiting_po_gross=_total(p.gross for p in proformas),
    )
