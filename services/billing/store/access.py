"""What a principal may read, said once: one readable statement per aggregate, and the reads
people make through them.

Finance and coordinators read all of billing; a project lead reads their own organisation's
documents only; nobody else reads any. Another organisation's document answers 404, as if it did
not exist: a read by id finds nothing outside the readable statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.balances import InvoiceStatusName, ProformaStatusName
from services.billing.models import BillingOrganisation, CreditNote, Invoice, Payment, Proforma
from services.billing.store.queries import status_filter
from shared.auth import Principal, Role

T = TypeVar("T", bound=tuple[Any, ...])

# Finance and coordinators read all of billing; so does another service of the platform (the
# notifications service fetches documents to e-mail them to accounts payable), whose routes are
# its documents' PDFs only.
READS_ALL = frozenset({Role.finance, Role.coordinator, Role.service})


def _readable(query: Select[T], organisation_id: Any, principal: Principal) -> Select[T]:
    """``query`` narrowed to what ``principal`` may read (``organisation_id``: the column that
    says whose a row is)."""
    if principal.role in READS_ALL:
        return query
    if principal.role is Role.team_lead:
        return query.where(organisation_id == principal.organisation_id)
    return query.where(false())


def readable_invoices(principal: Principal) -> Select[tuple[Invoice]]:
    return _readable(select(Invoice), Invoice.organisation_id, principal)


def readable_credit_notes(principal: Principal) -> Select[tuple[CreditNote, str]]:
    """Credit notes with the number of the invoice each corrects."""
    query = select(CreditNote, Invoice.number).join(Invoice, Invoice.id == CreditNote.invoice_id)
    return _readable(query, CreditNote.organisation_id, principal)


def readable_proformas(principal: Principal) -> Select[tuple[Proforma]]:
    return _readable(select(Proforma), Proforma.organisation_id, principal)


def readable_organisations(principal: Principal) -> Select[tuple[BillingOrganisation]]:
    return _readable(select(BillingOrganisation), BillingOrganisation.id, principal)


# --- reads by id --------------------------------------------------------------------------------


Readable = TypeVar("Readable", Invoice, Proforma, BillingOrganisation)
_READABLE: dict[type[Any], Callable[[Principal], Select[Any]]] = {
    Invoice: readable_invoices,
    Proforma: readable_proformas,
    BillingOrganisation: readable_organisations,
}


async def find(
    session: AsyncSession, principal: Principal, model: type[Readable], id_: uuid.UUID
) -> Readable | None:
    """The invoice, pro-forma or organisation of that id, if the principal may read it."""
    query = _READABLE[model](principal).where(model.id == id_)
    found: Readable | None = (await session.execute(query)).scalar_one_or_none()
    return found


async def credit_note(
    session: AsyncSession, principal: Principal, credit_note_id: uuid.UUID
) -> tuple[CreditNote, str] | None:
    """The credit note of that id and its invoice's number, if the principal may read it."""
    query = readable_credit_notes(principal).where(CreditNote.id == credit_note_id)
    row = (await session.execute(query)).one_or_none()
    return None if row is None else (row[0], row[1])


async def payments_of(session: AsyncSession, invoice_id: uuid.UUID) -> Sequence[Payment]:
    """An invoice's payments (read after the invoice itself was found readable)."""
    query = select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.recorded_at)
    return (await session.scalars(query)).all()


# --- listings -----------------------------------------------------------------------------------

Limit = Annotated[int, Field(ge=1, le=1000)]
Offset = Annotated[int, Field(ge=0, le=1_000_000)]


class Listing(BaseModel):
    """What a listing shows: the documents matching each filter given (a filter is named after
    its column), one page of them."""

    model_config = ConfigDict(frozen=True)

    cohort_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None


class InvoiceListing(Listing):
    team_id: uuid.UUID | None = None
    status: InvoiceStatusName | None = None
    limit: Limit = 500
    offset: Offset = 0


class CreditNoteListing(Listing):
    invoice_id: uuid.UUID | None = None
    limit: Limit = 500
    offset: Offset = 0


class ProformaListing(Listing):
    status: ProformaStatusName | None = None
    # Each pro-forma's latest revision only, unless every revision is asked for.
    all_revisions: bool = False
    limit: Limit = 500
    offset: Offset = 0


AnyListing = InvoiceListing | CreditNoteListing | ProformaListing


# Listing fields that are not column filters: the page, and which revisions to show.
_NOT_COLUMNS = frozenset({"limit", "offset", "all_revisions"})


def _page(
    query: Select[T], model: type[Any], listing: AnyListing, *, but: frozenset[str] = frozenset()
) -> Select[T]:
    """``query`` where each filter given equals its column of ``model`` (but the filters named
    in ``but``: the caller applied them), limited to the page."""
    for name, value in listing:
        if value is not None and name not in _NOT_COLUMNS | but:
            query = query.where(getattr(model, name) == value)
    return query.limit(listing.limit).offset(listing.offset)


async def invoices(
    session: AsyncSession, principal: Principal, listing: InvoiceListing, *, today: date
) -> Sequence[Invoice]:
    """Invoices by number; the status as of ``today`` (one falls overdue after its due date)."""
    query = readable_invoices(principal).order_by(Invoice.series, Invoice.sequence)
    if listing.status is not None:
        query = query.where(status_filter(listing.status, today))
    query = _page(query, Invoice, listing, but=frozenset({"status"}))
    return (await session.scalars(query)).all()


async def credit_notes(
    session: AsyncSession, principal: Principal, listing: CreditNoteListing
) -> list[tuple[CreditNote, str]]:
    query = readable_credit_notes(principal).order_by(CreditNote.series, CreditNote.sequence)
    rows = (await session.execute(_page(query, CreditNote, listing))).all()
    return [(row[0], row[1]) for row in rows]


async def proformas(
    session: AsyncSession, principal: Principal, listing: ProformaListing
) -> Sequence[Proforma]:
    query = readable_proformas(principal).order_by(Proforma.issued_at, Proforma.reference)
    if not listing.all_revisions:
        query = query.where(Proforma.superseded_by.is_(None))
    return (await session.scalars(_page(query, Proforma, listing))).all()


async def proforma_revisions(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID
) -> Sequence[Proforma]:
    """Every revision of a team's pro-forma, the first first."""
    query = readable_proformas(principal).where(Proforma.team_id == team_id)
    return (await session.scalars(query.order_by(Proforma.revision))).all()
