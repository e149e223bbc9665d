"""The queries billing's use cases run beside the hot path's and the people's reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.balances import InvoiceStatus, ProformaStatus
from services.billing.models import (
    BillingTeam,
    CreditAllocation,
    CreditNote,
    Invoice,
    Payment,
    Pence,
    Proforma,
    Refund,
)
from services.billing.pricing import ZERO, Amounts

OPEN = (InvoiceStatus.ISSUED.value, InvoiceStatus.PART_PAID.value)
AWAITING_PO = ProformaStatus.AWAITING_PO.value


def status_filter(status: str, today: date) -> ColumnElement[bool]:
    """The SQL twin of ``invoicing.effective_status``, for listing by status."""
    recorded_overdue = Invoice.status == InvoiceStatus.OVERDUE.value
    if status == InvoiceStatus.OVERDUE.value:
        return or_(recorded_overdue, and_(Invoice.status.in_(OPEN), Invoice.due_on < today))
    if status in OPEN:
        return and_(Invoice.status == status, Invoice.due_on >= today)
    return Invoice.status == status


# --- credit notes ------------------------------------------------------------------------------


async def credits_of(session: AsyncSession, invoice: Invoice) -> tuple[Amounts, set[str]]:
    """What the invoice's credit notes add up to, and their reasons (one note per reason)."""
    rows = (
        await session.execute(
            select(CreditNote.net, CreditNote.vat, CreditNote.reason).where(
                CreditNote.invoice_id == invoice.id
            )
        )
    ).all()
    net = sum((r[0] for r in rows), ZERO)
    vat = sum((r[1] for r in rows), ZERO)
    credited = Amounts(net=net, vat_rate=invoice.vat_rate, vat=vat, gross=net + vat)
    return credited, {r[2] for r in rows}


# Documents of an organisation in a cohort that may still need the discount: full-fee invoices
# without their discount credit (tag 0, by sequence) and full-fee pro-formas awaiting a PO (tag 1).
_DISCOUNT_CANDIDATES = union_all(
    select(literal(0, Integer), Invoice.id, Invoice.sequence).where(
        Invoice.cohort_id == bindparam("cohort_id"),
        Invoice.organisation_id == bindparam("organisation_id"),
        Invoice.net > bindparam("net"),
        ~exists().where(
            CreditNote.invoice_id == Invoice.id, CreditNote.reason == "multi_team_discount"
        ),
    ),
    select(literal(1, Integer), Proforma.id, literal(0, Integer)).where(
        Proforma.cohort_id == bindparam("cohort_id"),
        Proforma.organisation_id == bindparam("organisation_id"),
        Proforma.status == AWAITING_PO,
        Proforma.net > bindparam("net"),
    ),
)


async def discount_candidates(
    session: AsyncSession, *, cohort_id: uuid.UUID, organisation_id: uuid.UUID, net: Any
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """The invoices (by sequence) and pro-formas of the organisation in the cohort priced above
    ``net`` that may still need the discount: one statement, usually finding none."""
    rows = (
        await session.execute(
            _DISCOUNT_CANDIDATES,
            {"cohort_id": cohort_id, "organisation_id": organisation_id, "net": net},
        )
    ).all()
    invoice_ids = [row[1] for row in sorted((r for r in rows if r[0] == 0), key=lambda r: r[2])]
    return invoice_ids, [row[1] for row in rows if row[0] == 1]


# --- pro-formas, invoices, payments --------------------------------------------------------------


async def proformas_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[Proforma]:
    return (await session.scalars(select(Proforma).where(Proforma.id.in_(ids)))).all()


async def proforma_by_id(session: AsyncSession, proforma_id: uuid.UUID) -> Proforma | None:
    found: Proforma | None = await session.get(Proforma, proforma_id)
    return found


def _current_proforma(team_id: uuid.UUID) -> Any:
    return select(Proforma).where(Proforma.team_id == team_id, Proforma.superseded_by.is_(None))


async def proforma_of_team(session: AsyncSession, team_id: uuid.UUID) -> Proforma | None:
    """The team's pro-forma as it now stands (its latest revision), if it has one."""
    found: Proforma | None = await session.scalar(_current_proforma(team_id))
    return found


async def current_proforma(session: AsyncSession, team_id: uuid.UUID) -> Proforma:
    """The team's latest pro-forma revision as committed now (after the cohort lock), not as
    first read."""
    query = _current_proforma(team_id).execution_options(populate_existing=True)
    found: Proforma = (await session.execute(query)).scalar_one()
    return found


async def invoice_id_of_team(session: AsyncSession, team_id: uuid.UUID) -> uuid.UUID | None:
    found: uuid.UUID | None = await session.scalar(
        select(Invoice.id).where(Invoice.team_id == team_id)
    )
    return found


async def invoice_number(session: AsyncSession, invoice_id: uuid.UUID | None) -> str | None:
    found: str | None = await session.scalar(select(Invoice.number).where(Invoice.id == invoice_id))
    return found


async def purchase_order_of(session: AsyncSession, invoice_id: uuid.UUID) -> str | None:
    found: str | None = await session.scalar(
        select(Invoice.purchase_order).where(Invoice.id == invoice_id)
    )
    return found


async def invoices_of_cohort(session: AsyncSession, cohort_id: uuid.UUID) -> Sequence[Invoice]:
    query = select(Invoice).where(Invoice.cohort_id == cohort_id).order_by(Invoice.sequence)
    return (await session.scalars(query)).all()


Keyed = TypeVar("Keyed", Payment, CreditAllocation, Refund)


def _scope_of_keys(model: type[Any]) -> Any:
    """The document an Idempotency-Key is scoped to: a payment's invoice, an allocation's or a
    refund's credit note."""
    return model.invoice_id if model is Payment else model.credit_note_id


async def by_key(
    session: AsyncSession, model: type[Keyed], scope: uuid.UUID, idempotency_key: str
) -> Keyed | None:
    """The row a request with this Idempotency-Key recorded against the document, if any."""
    found: Keyed | None = await session.scalar(
        select(model).where(
            _scope_of_keys(model) == scope, model.idempotency_key == idempotency_key
        )
    )
    return found


async def credit_note_by_id(session: AsyncSession, credit_note_id: uuid.UUID) -> CreditNote | None:
    found: CreditNote | None = await session.get(CreditNote, credit_note_id)
    return found


async def overdue_to_record(session: AsyncSession, today: date) -> Sequence[uuid.UUID]:
    """Invoices that may have fallen overdue, or fell overdue without being chased yet (their
    organisation's credit covered them)."""
    query = select(Invoice.id).where(
        or_(
            and_(Invoice.status.in_(OPEN), Invoice.due_on < today),
            and_(
                Invoice.status == InvoiceStatus.OVERDUE.value,
                Invoice.overdue_recorded_at.is_(None),
            ),
        )
    )
    return (await session.scalars(query)).all()


# A credit note's unused amount, in SQL (the twin of ``balances.unused``).
_UNUSED = type_coerce(
    CreditNote.gross - CreditNote.applied - CreditNote.allocated - CreditNote.refunded, Pence
)


async def unused_credit(
    session: AsyncSession, *, organisation_ids: set[uuid.UUID]
) -> dict[tuple[uuid.UUID, uuid.UUID], Decimal]:
    """The credit each organisation holds unallocated, by (organisation, cohort)."""
    if not organisation_ids:
        return {}
    rows = await session.execute(
        select(
            CreditNote.organisation_id,
            CreditNote.cohort_id,
            type_coerce(func.sum(_UNUSED), Pence),
        )
        .where(CreditNote.organisation_id.in_(organisation_ids))
        .group_by(CreditNote.organisation_id, CreditNote.cohort_id)
    )
    return {(row[0], row[1]): row[2] for row in rows}


async def overdue_invoices(
    session: AsyncSession, as_of: date
) -> list[tuple[Invoice, str | None, str | None]]:
    """Invoices overdue as of the day, with their team's project lead (name, email)."""
    rows = (
        await session.execute(
            select(Invoice, BillingTeam.project_lead_name, BillingTeam.project_lead_email)
            .join(BillingTeam, BillingTeam.id == Invoice.team_id, isouter=True)
            .where(status_filter(InvoiceStatus.OVERDUE.value, as_of))
            .order_by(Invoice.due_on, Invoice.series, Invoice.sequence)
        )
    ).all()
    return [(row[0], row[1], row[2]) for row in rows]


# --- what an organisation or a cohort was billed -----------------------------------------------


@dataclass(frozen=True)
class Documents:
    """The invoices, credit notes, payments, allocations and refunds of an organisation or a
    cohort, and its pro-formas still awaiting a purchase order."""

    invoices: Sequence[Invoice]
    credit_notes: Sequence[CreditNote]
    payments: Sequence[Payment]
    awaiting_po: Sequence[Proforma]
    allocations: Sequence[CreditAllocation] = ()
    refunds: Sequence[Refund] = ()


async def proformas_awaiting_po(
    session: AsyncSession, *, cohort_id: uuid.UUID
) -> Sequence[Proforma]:
    query = select(Proforma).where(Proforma.cohort_id == cohort_id, Proforma.status == AWAITING_PO)
    return (await session.scalars(query)).all()


async def organisation_documents(
    session: AsyncSession, *, organisation_id: uuid.UUID, cohort_id: uuid.UUID | None
) -> Documents:
    def scoped(model: Any) -> Any:
        clause = model.organisation_id == organisation_id
        if cohort_id is not None:
            clause = and_(clause, model.cohort_id == cohort_id)
        return clause

    def rows(model: Any, *also: Any) -> Any:
        return session.scalars(select(model).where(scoped(model), *also))

    return Documents(
        invoices=(await rows(Invoice)).all(),
        credit_notes=(await rows(CreditNote)).all(),
        payments=(await rows(Payment)).all(),
        awaiting_po=(await rows(Proforma, Proforma.status == AWAITING_PO)).all(),
        allocations=(await rows(CreditAllocation)).all(),
        refunds=(await rows(Refund)).all(),
    )


async def cohort_documents(session: AsyncSession, *, cohort_id: uuid.UUID) -> Documents:
    """A cohort's invoices, credit notes and pro-formas awaiting a PO (its payments are summed on
    the invoices, so they are not read)."""
    invoices = (await session.scalars(select(Invoice).where(Invoice.cohort_id == cohort_id))).all()
    notes = (
        await session.scalars(select(CreditNote).where(CreditNote.cohort_id == cohort_id))
    ).all()
    awaiting = await proformas_awaiting_po(session, cohort_id=cohort_id)
    return Documents(invoices, notes, (), awaiting)


# --- the ledger of a date range ----------------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    """What happened from one day to another (each by its own date), and every invoice and
    credit note those rows refer to."""

    invoices: Sequence[Invoice]
    credit_notes: Sequence[CreditNote]
    payments: Sequence[Payment]
    allocations: Sequence[CreditAllocation]
    refunds: Sequence[Refund]
    invoices_by_id: dict[uuid.UUID, Invoice]
    credit_notes_by_id: dict[uuid.UUID, CreditNote]


async def ledger(session: AsyncSession, *, start: date, end: date) -> Ledger:
    def between(model: Any, column: Any) -> Any:
        return session.scalars(select(model).where(column >= start, column <= end))

    invoices = (await between(Invoice, Invoice.issued_on)).all()
    notes = (await between(CreditNote, CreditNote.issued_on)).all()
    payments = (await between(Payment, Payment.received_on)).all()
    allocations = (await between(CreditAllocation, CreditAllocation.allocated_on)).all()
    refunds = (await between(Refund, Refund.paid_on)).all()
    notes_by_id = {n.id: n for n in notes}
    wanted_notes = {a.credit_note_id for a in allocations} | {r.credit_note_id for r in refunds}
    if wanted_notes - notes_by_id.keys():
        more = select(CreditNote).where(CreditNote.id.in_(wanted_notes - notes_by_id.keys()))
        notes_by_id |= {n.id: n for n in (await session.scalars(more)).all()}
    invoices_by_id = {i.id: i for i in invoices}
    wanted = (
        {n.invoice_id for n in notes_by_id.values()}
        | {p.invoice_id for p in payments}
        | {a.invoice_id for a in allocations}
    ) - invoices_by_id.keys()
    if wanted:
        query = select(Invoice).where(Invoice.id.in_(wanted))
        invoices_by_id |= {i.id: i for i in (await session.scalars(query)).all()}
    return Ledger(invoices, notes, payments, allocations, refunds, invoices_by_id, notes_by_id)
