"""Reading billing: the documents a person may see (listings and single documents), an
organisation's statement of account, the overdue invoices and a cohort's totals.

Every read for a person goes through the store's readable statements (``store.access``):
another organisation's document answers 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.models import (
    BillingCohort,
    BillingOrganisation,
    CreditNote,
    Invoice,
    Payment,
    Proforma,
)
from services.billing.pricing import ZERO, outstanding
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


# --- an organisation's statement of account ----------------------------------------------------


@dataclass(frozen=True)
class StatementEntry:
    on: date
    at: datetime
    kind: str  # invoice | credit_note | payment
    id: uuid.UUID
    reference: str
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal = ZERO


@dataclass(frozen=True)
class Statement:
    organisation_id: uuid.UUID
    organisation_name: str
    cohort_id: uuid.UUID | None
    entries: list[StatementEntry]
    invoiced: Decimal
    credited: Decimal
    paid: Decimal
    balance: Decimal
    awaiting_po: Sequence[Proforma]


async def statement(
    session: AsyncSession,
    *,
    user: Principal,
    organisation_id: uuid.UUID,
    cohort_id: uuid.UUID | None = None,
) -> Statement:
    organisation = _found(
        await access.find(session, user, BillingOrganisation, organisation_id),
        "organisation in billing",
    )
    documents = await queries.organisation_documents(
        session, organisation_id=organisation_id, cohort_id=cohort_id
    )
    numbers = {i.id: i.number for i in documents.invoices}
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
                f"Credit note against {numbers.get(n.invoice_id, '')}: {n.reason_text}",
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
                f"Payment ({p.method}) against {numbers.get(p.invoice_id, '')}",
                ZERO,
                p.amount,
            )
            for p in documents.payments
        ),
    ]
    raw.sort(key=lambda e: (e.on, e.at, e.reference))
    balance = ZERO
    entries: list[StatementEntry] = []
    for entry in raw:
        balance += entry.debit - entry.credit
        entries.append(replace(entry, balance=balance))
    invoiced = sum((i.gross for i in documents.invoices), ZERO)
    credited = sum((n.gross for n in documents.credit_notes), ZERO)
    paid = sum((p.amount for p in documents.payments), ZERO)
    return Statement(
        organisation_id=organisation_id,
        organisation_name=organisation.name,
        cohort_id=cohort_id,
        entries=entries,
        invoiced=invoiced,
        credited=credited,
        paid=paid,
        balance=invoiced - credited - paid,
        awaiting_po=documents.awaiting_po,
    )


# --- overdue invoices and a cohort's totals ----------------------------------------------------


@dataclass(frozen=True)
class OverdueItem:
    invoice: Invoice
    outstanding: Decimal
    days_overdue: int
    project_lead_name: str | None
    project_lead_email: str | None


async def overdue(session: AsyncSession, *, as_of: date | None, now: datetime) -> list[OverdueItem]:
    """Invoices overdue as of a day (by default today)."""
    day = as_of or uk_date(now)
    return [
        OverdueItem(
            invoice=invoice,
            outstanding=outstanding(
                gross=invoice.gross, credited=invoice.credited, paid=invoice.paid
            ),
            days_overdue=(day - invoice.due_on).days,
            project_lead_name=lead_name,
            project_lead_email=lead_email,
        )
        for invoice, lead_name, lead_email in await queries.overdue_invoices(session, day)
    ]


class CohortTotals(BaseModel):
    """What a cohort was invoiced, credited and paid (the API answers it as it is)."""

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
    outstanding: Decimal
    awaiting_po: int
    awaiting_po_gross: Decimal


async def cohort_totals(session: AsyncSession, *, cohort_id: uuid.UUID) -> CohortTotals:
    cohort = await session.get(BillingCohort, cohort_id)
    if cohort is None:
        raise NotFound("no such cohort in billing")
    documents = await queries.cohort_documents(session, cohort_id=cohort_id)
    invoices, notes, proformas = documents.invoices, documents.credit_notes, documents.awaiting_po
    return CohortTotals(
        cohort_id=cohort_id,
        cohort_name=cohort.name,
        invoices=len(invoices),
        invoiced_net=sum((i.net for i in invoices), ZERO),
        invoiced_vat=sum((i.vat for i in invoices), ZERO),
        invoiced=sum((i.gross for i in invoices), ZERO),
        credit_notes=len(notes),
        credited_net=sum((n.net for n in notes), ZERO),
        credited_vat=sum((n.vat for n in notes), ZERO),
        credited=sum((n.gross for n in notes), ZERO),
        paid=sum((i.paid for i in invoices), ZERO),
        outstanding=sum(
            (outstanding(gross=i.gross, credited=i.credited, paid=i.paid) for i in invoices), ZERO
        ),
        awaiting_po=len(proformas),
        awaiting_po_gross=sum((p.gross for p in proformas), ZERO),
    )
