"""What a principal may read, said once: one readable statement per aggregate, and the reads
people make through them.

Finance and coordinators read all of billing; a project lead reads their own organisation's
documents only; nobody else reads any. Another organisation's document answers 404, as if it did
not exist: a read by id finds nothing outside the readable statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.models import BillingOrganisation, CreditNote, Invoice, Payment, Proforma
from services.billing.store.queries import status_filter
from shared.auth import Principal, Role

T = TypeVar("T", bound=tuple[Any, ...])

READS_ALL = frozenset({Role.finance, Role.coordinator})


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


def _matching(query: Select[T], *conditions: tuple[Any, object | None]) -> Select[T]:
    """``query`` where each column equals its value; a ``None`` value filters nothing."""
    for column, value in conditions:
        if value is not None:
            query = query.where(column == value)
    return query


# --- reads by id --------------------------------------------------------------------------------


async def invoice(
    session: AsyncSession, principal: Principal, invoice_id: uuid.UUID
) -> Invoice | None:
    query = readable_invoices(principal).where(Invoice.id == invoice_id)
    return (await session.execute(query)).scalar_one_or_none()


async def credit_note(
    session: AsyncSession, principal: Principal, credit_note_id: uuid.UUID
) -> tuple[CreditNote, str] | None:
    query = readable_credit_notes(principal).where(CreditNote.id == credit_note_id)
    row = (await session.execute(query)).one_or_none()
    return None if row is None else (row[0], row[1])


async def proforma(
    session: AsyncSession, principal: Principal, proforma_id: uuid.UUID
) -> Proforma | None:
    query = readable_proformas(principal).where(Proforma.id == proforma_id)
    return (await session.execute(query)).scalar_one_or_none()


async def organisation(
    session: AsyncSession, principal: Principal, organisation_id: uuid.UUID
) -> BillingOrganisation | None:
    query = readable_organisations(principal).where(BillingOrganisation.id == organisation_id)
    return (await session.execute(query)).scalar_one_or_none()


# --- listings -----------------------------------------------------------------------------------


async def invoices(
    session: AsyncSession,
    principal: Principal,
    *,
    cohort_id: uuid.UUID | None,
    organisation_id: uuid.UUID | None,
    team_id: uuid.UUID | None,
    status: str | None,
    today: date,
    limit: int,
    offset: int,
) -> Sequence[Invoice]:
    query = _matching(
        readable_invoices(principal).order_by(Invoice.series, Invoice.sequence),
        (Invoice.cohort_id, cohort_id),
        (Invoice.organisation_id, organisation_id),
        (Invoice.team_id, team_id),
    )
    if status is not None:
        query = query.where(status_filter(status, today))
    return (await session.scalars(query.limit(limit).offset(offset))).all()


async def credit_notes(
    session: AsyncSession,
    principal: Principal,
    *,
    cohort_id: uuid.UUID | None,
    organisation_id: uuid.UUID | None,
    invoice_id: uuid.UUID | None,
    limit: int,
    offset: int,
) -> list[tuple[CreditNote, str]]:
    query = _matching(
        readable_credit_notes(principal).order_by(CreditNote.series, CreditNote.sequence),
        (CreditNote.cohort_id, cohort_id),
        (CreditNote.organisation_id, organisation_id),
        (CreditNote.invoice_id, invoice_id),
    )
    rows = (await session.execute(query.limit(limit).offset(offset))).all()
    return [(row[0], row[1]) for row in rows]


async def proformas(
    session: AsyncSession,
    principal: Principal,
    *,
    cohort_id: uuid.UUID | None,
    organisation_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    offset: int,
) -> Sequence[Proforma]:
    query = _matching(
        readable_proformas(principal).order_by(Proforma.issued_at, Proforma.reference),
        (Proforma.cohort_id, cohort_id),
        (Proforma.organisation_id, organisation_id),
        (Proforma.status, status),
    )
    return (await session.scalars(query.limit(limit).offset(offset))).all()


async def payments_of(session: AsyncSession, invoice_id: uuid.UUID) -> Sequence[Payment]:
    """An invoice's payments (read after the invoice itself was found readable)."""
    query = select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.recorded_at)
    return (await session.scalars(query)).all()
