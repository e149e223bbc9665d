"""Billing use cases. Functions take the session explicitly, never commit, and record their events
in the outbox in the caller's transaction.

Concurrency: every change that concerns a cohort first locks that cohort's row (``FOR UPDATE`` on
PostgreSQL; SQLite has one writer at a time anyway), so confirmations, withdrawals, cancellation
and purchase orders of one cohort are decided one after another and see each other's effects.
Payments lock their invoice row; credit notes lock it too (cohort first, then invoice).
Document numbers come from a counter row bumped in the issuing transaction: a rolled-back
transaction leaves no gap, and concurrent issuers queue on the row.
"""

from __future__ import annotations

import asyncio
import calendar
import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    and_,
    bindparam,
    exists,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from services.billing.documents import DocumentKind, DocumentView, Line, Party, render_pdf
from services.billing.models import (
    BillingAccount,
    BillingCohort,
    BillingOrganisation,
    BillingTeam,
    CreditNote,
    DocumentCounter,
    Invoice,
    Payment,
    Proforma,
)
from services.billing.pricing import (
    ZERO,
    Amounts,
    InvoiceStatus,
    discount_correction,
    document_number,
    due_date,
    format_gbp,
    full_credit,
    invoice_status,
    outstanding,
    payment_problem,
    team_net_fee,
    team_price,
    withdrawal_is_credited,
)
from services.billing.settings import BillingSettings
from shared.auth import Principal, Role
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events.billing import (
    CreditNoteIssued,
    CreditReason,
    InvoiceIssued,
    InvoiceOverdue,
    InvoicePaid,
    PaymentRecorded,
    ProformaIssued,
)
from shared.events.enrolment import CohortCancelled, TeamConfirmed, TeamWithdrawn
from shared.outbox import record_event

LONDON = ZoneInfo("Europe/London")

PROFORMA_AWAITING_PO = "awaiting_po"
PROFORMA_INVOICED = "invoiced"
PROFORMA_CANCELLED = "cancelled"


def now_utc() -> datetime:
    return datetime.now(UTC)


def uk_date(moment: datetime) -> date:
    """The calendar date in the UK of a UTC instant (documents are dated in UK time)."""
    return moment.astimezone(LONDON).date()


# --- low-level helpers -------------------------------------------------------------------------


def _insert(session: AsyncSession, model: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)


def _upsert(insert: Any, table: Table, key: list[str]) -> Any:
    """INSERT every column from same-named parameters; on a key conflict, set the others."""
    stmt = insert(table).values({c.key: bindparam(c.key) for c in table.c})
    return stmt.on_conflict_do_update(
        index_elements=key,
        set_={c.key: stmt.excluded[c.key] for c in table.c if c.key not in key},
    )


@dataclass(frozen=True)
class _HotStatements:
    """The statements of an invoice's hot path, built once per dialect (building and cache-keying
    a statement costs more CPU than running it)."""

    organisation: Any
    team: Any
    account: Any
    counter: Any


@functools.cache
def _hot_statements(dialect: str) -> _HotStatements:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    team_t: Table = BillingTeam.__table__  # type: ignore[assignment]
    team_values = [c for c in team_t.c if c.key not in ("withdrawn_on", "withdrawal_reason")]
    team = insert(team_t).values({c.key: bindparam(c.key) for c in team_values})
    account_t: Table = BillingAccount.__table__  # type: ignore[assignment]
    account = insert(account_t).values(
        organisation_id=bindparam("organisation_id"),
        cohort_id=bindparam("cohort_id"),
        discounted=bindparam("discounted"),
    )
    counter_t: Table = DocumentCounter.__table__  # type: ignore[assignment]
    return _HotStatements(
        organisation=_upsert(insert, BillingOrganisation.__table__, ["id"]),  # type: ignore[arg-type]
        # The update applies only to a row not yet confirmed (a withdrawal's); RETURNING gives
        # no row when the team was confirmed already.
        team=team.on_conflict_do_update(
            index_elements=["id"],
            set_={c.key: team.excluded[c.key] for c in team_values if c.key != "id"},
            where=team_t.c.confirmed_at.is_(None),
        ).returning(*team_t.c),
        account=account.on_conflict_do_update(
            index_elements=["organisation_id", "cohort_id"],
            set_={"discounted": or_(account_t.c.discounted, account.excluded.discounted)},
        ).returning(account_t.c.discounted),
        counter=insert(counter_t)
        .values(series=bindparam("series"), last_number=1)
        .on_conflict_do_update(
            index_elements=["series"], set_={"last_number": counter_t.c.last_number + 1}
        )
        .returning(counter_t.c.last_number),
    )


def _hot(session: AsyncSession) -> _HotStatements:
    return _hot_statements(session.get_bind().dialect.name)


def _forget(session: AsyncSession, model: Any, key: Any) -> None:
    """Expire ``model``'s instance ``key`` if this session holds it: a Core statement just
    changed its row (an earlier handler in the same transaction may have loaded it)."""
    held = session.identity_map.get(identity_key(model, key))
    if held is not None:
        session.expire(held)


@functools.cache
def _plain_insert(table: Table) -> Any:
    return table.insert()


async def _insert_document(session: AsyncSession, document: Invoice | Proforma) -> None:
    """Insert a new document's row with Core: its object (returned to the caller, not added to
    the session) is never changed in this transaction, so no unit of work is needed. Later
    queries load the row afresh."""
    table: Table = document.__table__  # type: ignore[assignment]
    await session.execute(_plain_insert(table), {c.key: getattr(document, c.key) for c in table.c})


_LOCK_COHORT = (
    select(BillingCohort)
    .where(BillingCohort.id == bindparam("cohort_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


async def _lock_cohort(session: AsyncSession, cohort_id: uuid.UUID) -> BillingCohort:
    """Lock the cohort's row for the rest of the transaction, creating it first if needed.

    The row exists after a cohort's first event, so the usual case is one ``SELECT ... FOR
    UPDATE``; only a first event adds the insert-if-missing and a second look."""
    params = {"cohort_id": cohort_id}
    cohort = (await session.execute(_LOCK_COHORT, params)).scalar_one_or_none()
    if cohort is None:
        await session.execute(
            _insert(session, BillingCohort)
            .values(id=cohort_id)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        cohort = (await session.execute(_LOCK_COHORT, params)).scalar_one()
    return cohort


async def _lock_invoice(session: AsyncSession, invoice_id: uuid.UUID) -> Invoice | None:
    return (
        await session.execute(
            select(Invoice)
            .where(Invoice.id == invoice_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def next_number(session: AsyncSession, series: str) -> int:
    """The next number of a gapless series, taken in the caller's transaction.

    One upsert: the series' first number inserts its row, later ones bump it. The row stays
    locked until commit, so concurrent issuers queue; a rollback (of the transaction or of a
    savepoint) undoes the bump together with the document, so no number is skipped or repeated.
    """
    _forget(session, DocumentCounter, series)
    result = await session.execute(_hot(session).counter, {"series": series})
    return int(result.scalar_one())


def _amounts(row: Invoice | Proforma | CreditNote) -> Amounts:
    return Amounts(net=row.net, vat_rate=row.vat_rate, vat=row.vat, gross=row.gross)


async def _credits_of(session: AsyncSession, invoice: Invoice) -> tuple[Amounts, set[str]]:
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


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def programme_period(cohort: BillingCohort) -> tuple[date, date] | None:
    if cohort.start_date is None:
        return None
    months = (cohort.lead_in_months or 0) + (cohort.coaching_months or 0)
    return cohort.start_date, _add_months(cohort.start_date, months) - timedelta(days=1)


def describe_membership(settings: BillingSettings, team: BillingTeam, cohort: BillingCohort) -> str:
    period = programme_period(cohort)
    text = f"{settings.programme_name} membership: team {team.name}, {cohort.name}"
    if period is not None:
        text += f", programme {period[0]:%d %B %Y} to {period[1]:%d %B %Y}"
    return text


# --- incoming events ---------------------------------------------------------------------------


async def on_team_confirmed(
    session: AsyncSession, *, settings: BillingSettings, event: TeamConfirmed
) -> None:
    """Price a confirmed team and issue its invoice (with a PO) or pro-forma (without), once."""
    cohort = await _lock_cohort(session, event.cohort_id)
    terms = event.terms
    # The latest event's terms (unchanged values write nothing: the ORM skips equal values).
    cohort.name = event.cohort_name
    cohort.fee_per_team = terms.fee_per_team
    cohort.multi_team_discount = terms.multi_team_discount
    cohort.vat_rate = terms.vat_rate
    cohort.start_date = terms.start_date
    cohort.lead_in_months = terms.lead_in_months
    cohort.coaching_months = terms.coaching_months
    cohort.withdrawal_credit_cutoff = terms.withdrawal_credit_cutoff

    org = event.organisation
    # The customer as this event describes it: the row is upserted to exactly these values.
    customer = BillingOrganisation(
        id=org.id,
        name=org.name,
        ods_code=org.ods_code,
        nation=org.nation,
        address_lines=list(org.invoicing_address.lines),
        postcode=org.invoicing_address.postcode,
        payables_code=org.payables_code,
    )
    _forget(session, BillingOrganisation, org.id)
    await session.execute(
        _hot(session).organisation,
        {
            "id": org.id,
            "name": customer.name,
            "ods_code": customer.ods_code,
            "nation": customer.nation,
            "address_lines": customer.address_lines,
            "postcode": customer.postcode,
            "payables_code": customer.payables_code,
        },
    )
    team = await _record_confirmation(session, event)
    if team is None:
        return  # the same confirmation again (another event id): one invoice per team
    if cohort.cancelled_at is not None:
        return  # the cohort will not run: nothing to bill
    discounted = await _note_team_count(
        session,
        organisation_id=org.id,
        cohort_id=event.cohort_id,
        several=event.organisation_team_count >= 2,
    )

    price = team_price(
        fee_per_team=terms.fee_per_team,
        multi_team_discount=terms.multi_team_discount,
        vat_rate=terms.vat_rate,
        organisation_team_count=event.organisation_team_count,
    )
    description = describe_membership(settings, team, cohort)
    purchase_order = (event.purchase_order or "").strip()
    if purchase_order:
        await _issue_invoice(
            session,
            settings=settings,
            team=team,
            customer=customer,
            amounts=price,
            description=description,
            purchase_order=purchase_order,
            proforma=None,
        )
    else:
        await _issue_proforma(
            session,
            settings=settings,
            team=team,
            customer=customer,
            amounts=price,
            description=description,
        )
    # An organisation already known to have several teams: this team's full fee is corrected
    # exactly as if the events had come in order (full-fee invoice, then the discount credit).
    if discounted:
        await _apply_discount(
            session,
            settings=settings,
            cohort=cohort,
            organisation_id=org.id,
            organisation_name=customer.name,
        )
    if team.withdrawn_on is not None:  # the withdrawal came first
        await _apply_withdrawal(session, settings=settings, cohort=cohort, team=team)


async def _record_confirmation(session: AsyncSession, event: TeamConfirmed) -> BillingTeam | None:
    """Insert the team as confirmed, or confirm the row an earlier withdrawal left; None when
    the team was confirmed already. One upsert (it also locks the row)."""
    _forget(session, BillingTeam, event.team_id)
    row = (
        await session.execute(
            _hot(session).team,
            {
                "id": event.team_id,
                "cohort_id": event.cohort_id,
                "organisation_id": event.organisation.id,
                "name": event.team_name,
                "setting": event.setting,
                "project_lead_name": event.project_lead.name,
                "project_lead_email": event.project_lead.email,
                "organisation_team_count": event.organisation_team_count,
                "purchase_order": event.purchase_order,
                "confirmed_at": event.confirmed_at,
            },
        )
    ).one_or_none()
    # A detached copy of the row as it now is (what pricing and documents read of the team).
    return None if row is None else BillingTeam(**row._asdict())


async def _note_team_count(
    session: AsyncSession, *, organisation_id: uuid.UUID, cohort_id: uuid.UUID, several: bool
) -> bool:
    """Record that the organisation has several teams in the cohort (never cleared: a discount
    given is not clawed back); returns whether it is discounted. One upsert."""
    _forget(session, BillingAccount, (organisation_id, cohort_id))
    result = await session.execute(
        _hot(session).account,
        {"organisation_id": organisation_id, "cohort_id": cohort_id, "discounted": several},
    )
    return bool(result.scalar_one())


async def on_team_withdrawn(
    session: AsyncSession, *, settings: BillingSettings, event: TeamWithdrawn
) -> None:
    cohort = await _lock_cohort(session, event.cohort_id)
    team = await session.get(BillingTeam, event.team_id)
    if team is None:
        # Out of order: remember the withdrawal; the confirmation will apply it when it comes.
        team = BillingTeam(
            id=event.team_id, cohort_id=event.cohort_id, organisation_id=event.organisation_id
        )
        session.add(team)
    elif team.withdrawn_on is not None:
        return
    team.withdrawn_on = event.withdrawn_on
    team.withdrawal_reason = event.reason
    await session.flush()
    if team.confirmed_at is not None and cohort.cancelled_at is None:
        await _apply_withdrawal(session, settings=settings, cohort=cohort, team=team)


async def on_cohort_cancelled(
    session: AsyncSession, *, settings: BillingSettings, event: CohortCancelled
) -> None:
    cohort = await _lock_cohort(session, event.cohort_id)
    if cohort.cancelled_at is not None:
        return
    cohort.cancelled_at = now_utc()
    cohort.cancellation_reason = event.reason
    proformas = (
        await session.scalars(
            select(Proforma).where(
                Proforma.cohort_id == cohort.id, Proforma.status == PROFORMA_AWAITING_PO
            )
        )
    ).all()
    for proforma in proformas:
        proforma.status = PROFORMA_CANCELLED
    invoices = (
        await session.scalars(
            select(Invoice).where(Invoice.cohort_id == cohort.id).order_by(Invoice.sequence)
        )
    ).all()
    reason = f"The cohort {cohort.name or ''} was cancelled and will not run"
    reason += f" ({event.reason})." if event.reason else "."
    for invoice in invoices:
        await _credit_in_full(
            session,
            settings=settings,
            invoice_id=invoice.id,
            reason="cohort_cancelled",
            reason_text=reason + " Credited in full.",
        )


# --- issuing documents -------------------------------------------------------------------------


async def _issue_proforma(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    team: BillingTeam,
    customer: BillingOrganisation,
    amounts: Amounts,
    description: str,
) -> Proforma:
    issued_at = now_utc()
    issued_on = uk_date(issued_at)
    sequence = await next_number(session, f"proforma:{issued_on.year}")
    proforma = Proforma(
        id=uuid.uuid4(),
        reference=document_number(f"{settings.document_prefix}-PF", issued_on.year, sequence),
        team_id=team.id,
        cohort_id=team.cohort_id,
        organisation_id=team.organisation_id,
        customer_name=customer.name,
        customer_address=list(customer.address_lines),
        customer_postcode=customer.postcode,
        customer_ods_code=customer.ods_code,
        customer_payables_code=customer.payables_code,
        description=description,
        net=amounts.net,
        vat_rate=amounts.vat_rate,
        vat=amounts.vat,
        gross=amounts.gross,
        issued_at=issued_at,
        issued_on=issued_on,
        status=PROFORMA_AWAITING_PO,
    )
    await _insert_document(session, proforma)
    await record_event(
        session,
        ProformaIssued(
            proforma_id=proforma.id,
            reference=proforma.reference,
            cohort_id=proforma.cohort_id,
            organisation_id=proforma.organisation_id,
            team_id=proforma.team_id,
            issued_on=issued_on,
            net=proforma.net,
            vat_rate=proforma.vat_rate,
            vat=proforma.vat,
            gross=proforma.gross,
        ),
        subject=str(proforma.id),
    )
    return proforma


async def _issue_invoice(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    team: BillingTeam,
    customer: BillingOrganisation | None,
    amounts: Amounts,
    description: str,
    purchase_order: str,
    proforma: Proforma | None,
) -> Invoice:
    issued_at = now_utc()
    issued_on = uk_date(issued_at)
    series = f"invoice:{issued_on.year}"
    sequence = await next_number(session, series)
    if customer is not None:
        name, address, postcode = customer.name, list(customer.address_lines), customer.postcode
        ods_code, payables_code = customer.ods_code, customer.payables_code
    else:
        assert proforma is not None
        name, address = proforma.customer_name, list(proforma.customer_address)
        postcode = proforma.customer_postcode
        ods_code, payables_code = proforma.customer_ods_code, proforma.customer_payables_code
    invoice = Invoice(
        id=uuid.uuid4(),
        number=document_number(settings.document_prefix, issued_on.year, sequence),
        series=series,
        sequence=sequence,
        team_id=team.id,
        cohort_id=team.cohort_id,
        organisation_id=team.organisation_id,
        proforma_id=proforma.id if proforma else None,
        purchase_order=purchase_order,
        customer_name=name,
        customer_address=address,
        customer_postcode=postcode,
        customer_ods_code=ods_code,
        customer_payables_code=payables_code,
        description=description,
        net=amounts.net,
        vat_rate=amounts.vat_rate,
        vat=amounts.vat,
        gross=amounts.gross,
        issued_at=issued_at,
        issued_on=issued_on,
        time_of_supply=issued_on,
        due_on=due_date(issued_on),
        credited=ZERO,
        paid=ZERO,
        status=InvoiceStatus.ISSUED.value,
    )
    await _insert_document(session, invoice)
    await record_event(
        session,
        InvoiceIssued(
            invoice_id=invoice.id,
            number=invoice.number,
            cohort_id=invoice.cohort_id,
            organisation_id=invoice.organisation_id,
            team_id=invoice.team_id,
            purchase_order=purchase_order,
            issued_on=issued_on,
            due_on=invoice.due_on,
            net=invoice.net,
            vat_rate=invoice.vat_rate,
            vat=invoice.vat,
            gross=invoice.gross,
            proforma_id=invoice.proforma_id,
        ),
        subject=str(invoice.id),
    )
    return invoice


async def _issue_credit_note(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    invoice: Invoice,
    amounts: Amounts,
    reason: CreditReason,
    reason_text: str,
    existing_reasons: set[str] | None = None,
) -> CreditNote | None:
    """One credit note per invoice and reason (the business key); None if it already exists.
    ``existing_reasons``: the invoice's notes' reasons, when the caller (holding the invoice's
    lock) has just read them."""
    if existing_reasons is None:
        existing = await session.scalar(
            select(CreditNote.id).where(
                CreditNote.invoice_id == invoice.id, CreditNote.reason == reason
            )
        )
        if existing is not None:
            return None
    elif reason in existing_reasons:
        return None
    issued_at = now_utc()
    issued_on = uk_date(issued_at)
    series = f"credit_note:{issued_on.year}"
    sequence = await next_number(session, series)
    note = CreditNote(
        id=uuid.uuid4(),
        number=document_number(f"{settings.document_prefix}-CN", issued_on.year, sequence),
        series=series,
        sequence=sequence,
        invoice_id=invoice.id,
        cohort_id=invoice.cohort_id,
        organisation_id=invoice.organisation_id,
        team_id=invoice.team_id,
        reason=reason,
        reason_text=reason_text,
        description=f"Credit against invoice {invoice.number}: {invoice.description}",
        customer_name=invoice.customer_name,
        customer_address=list(invoice.customer_address),
        customer_postcode=invoice.customer_postcode,
        customer_ods_code=invoice.customer_ods_code,
        customer_payables_code=invoice.customer_payables_code,
        net=amounts.net,
        vat_rate=invoice.vat_rate,  # always the invoice's own rate
        vat=amounts.vat,
        gross=amounts.gross,
        issued_at=issued_at,
        issued_on=issued_on,
    )
    session.add(note)
    invoice.credited = invoice.credited + amounts.gross
    _refresh_status(invoice, today=issued_on)
    await session.flush()
    await record_event(
        session,
        CreditNoteIssued(
            credit_note_id=note.id,
            number=note.number,
            invoice_id=invoice.id,
            invoice_number=invoice.number,
            cohort_id=note.cohort_id,
            organisation_id=note.organisation_id,
            team_id=note.team_id,
            reason=reason,
            issued_on=issued_on,
            net=note.net,
            vat_rate=note.vat_rate,
            vat=note.vat,
            gross=note.gross,
        ),
        subject=str(note.id),
    )
    return note


async def _credit_in_full(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    invoice_id: uuid.UUID,
    reason: CreditReason,
    reason_text: str,
) -> CreditNote | None:
    invoice = await _lock_invoice(session, invoice_id)
    assert invoice is not None
    credited, reasons = await _credits_of(session, invoice)
    credit = full_credit(invoiced=_amounts(invoice), already_credited=credited)
    if credit is None:
        return None
    return await _issue_credit_note(
        session,
        settings=settings,
        invoice=invoice,
        amounts=credit,
        reason=reason,
        reason_text=reason_text,
        existing_reasons=reasons,
    )


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
        Proforma.status == PROFORMA_AWAITING_PO,
        Proforma.net > bindparam("net"),
    ),
)


async def _apply_discount(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    cohort: BillingCohort,
    organisation_id: uuid.UUID,
    organisation_name: str | None,
) -> None:
    """Bring every full-fee document of an organisation with several teams down to the discount."""
    assert cohort.fee_per_team is not None and cohort.multi_team_discount is not None
    fee, discount = cohort.fee_per_team, cohort.multi_team_discount
    discounted_net = team_net_fee(
        fee_per_team=fee, multi_team_discount=discount, organisation_team_count=2
    )
    # Usually nothing is left to correct: one statement finds the documents that may still be
    # (full-fee invoices without their discount credit, full-fee pro-formas awaiting a PO).
    candidates = (
        await session.execute(
            _DISCOUNT_CANDIDATES,
            {"cohort_id": cohort.id, "organisation_id": organisation_id, "net": discounted_net},
        )
    ).all()
    invoice_ids = [
        row[1] for row in sorted((r for r in candidates if r[0] == 0), key=lambda r: r[2])
    ]
    for invoice_id in invoice_ids:
        invoice = await _lock_invoice(session, invoice_id)
        assert invoice is not None
        credited, reasons = await _credits_of(session, invoice)
        credit = discount_correction(
            invoiced=_amounts(invoice),
            already_credited=credited,
            fee_per_team=fee,
            multi_team_discount=discount,
        )
        if credit is None:
            continue
        who = organisation_name or "The organisation"
        await _issue_credit_note(
            session,
            settings=settings,
            invoice=invoice,
            amounts=credit,
            reason="multi_team_discount",
            reason_text=(
                f"{who} has two or more teams confirmed in {cohort.name}, so each team's fee is "
                f"{format_gbp(discounted_net)} instead of {format_gbp(invoice.net)} "
                f"({discount * 100:.0f}% multi-team discount). This credits the difference."
            ),
            existing_reasons=reasons,
        )
    # Pro-formas are not VAT invoices: one awaiting its PO is simply repriced before the invoice.
    proforma_ids = [row[1] for row in candidates if row[0] == 1]
    if proforma_ids:
        proformas = (
            await session.scalars(select(Proforma).where(Proforma.id.in_(proforma_ids)))
        ).all()
        for proforma in proformas:
            repriced = Amounts.of_net(discounted_net, proforma.vat_rate)
            proforma.net, proforma.vat, proforma.gross = repriced.net, repriced.vat, repriced.gross


async def _apply_withdrawal(
    session: AsyncSession, *, settings: BillingSettings, cohort: BillingCohort, team: BillingTeam
) -> None:
    assert team.withdrawn_on is not None and cohort.start_date is not None
    if not withdrawal_is_credited(
        withdrawn_on=team.withdrawn_on,
        start_date=cohort.start_date,
        withdrawal_credit_cutoff=cohort.withdrawal_credit_cutoff,
    ):
        return  # on or after the cutoff: the fee stands (a pro-forma still awaits its PO)
    cutoff = cohort.withdrawal_credit_cutoff or cohort.start_date
    proforma = await session.scalar(select(Proforma).where(Proforma.team_id == team.id))
    if proforma is not None and proforma.status == PROFORMA_AWAITING_PO:
        proforma.status = PROFORMA_CANCELLED
    invoice_id = await session.scalar(select(Invoice.id).where(Invoice.team_id == team.id))
    if invoice_id is not None:
        await _credit_in_full(
            session,
            settings=settings,
            invoice_id=invoice_id,
            reason="withdrawal",
            reason_text=(
                f"BillingTeam {team.name} withdrew on {team.withdrawn_on:%d %B %Y}, before the cohort's "
                f"cutoff of {cutoff:%d %B %Y}: the membership is credited in full."
                + (f" Reason given: {team.withdrawal_reason}" if team.withdrawal_reason else "")
            ),
        )


# --- purchase orders, payments, overdue --------------------------------------------------------


def _refresh_status(invoice: Invoice, *, today: date) -> None:
    invoice.status = effective_status(invoice, today=today)


async def record_purchase_order(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    proforma_id: uuid.UUID,
    purchase_order: str,
) -> Invoice:
    """Finance records the PO for a pro-forma: the VAT invoice is issued with its number."""
    found = await session.get(Proforma, proforma_id)
    if found is None:
        raise NotFound("no such pro-forma")
    cohort = await _lock_cohort(session, found.cohort_id)
    proforma = (
        await session.execute(
            select(Proforma)
            .where(Proforma.id == proforma_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    if proforma.status == PROFORMA_INVOICED:
        number = await session.scalar(
            select(Invoice.number).where(Invoice.id == proforma.invoice_id)
        )
        raise Conflict(f"pro-forma {proforma.reference} is already invoiced as {number}")
    if proforma.status == PROFORMA_CANCELLED:
        raise Conflict(
            f"pro-forma {proforma.reference} was cancelled (team withdrawn or cohort cancelled)"
        )
    if cohort.cancelled_at is not None:  # pragma: no cover - cancellation cancels pro-formas
        raise Conflict("the cohort was cancelled")
    team = await session.get(BillingTeam, proforma.team_id)
    assert team is not None
    invoice = await _issue_invoice(
        session,
        settings=settings,
        team=team,
        customer=None,
        amounts=_amounts(proforma),
        description=proforma.description,
        purchase_order=purchase_order,
        proforma=proforma,
    )
    proforma.status = PROFORMA_INVOICED
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


async def record_payment(
    session: AsyncSession,
    *,
    invoice_id: uuid.UUID,
    received_on: date,
    amount: Decimal,
    reference: str,
    method: str,
    recorded_by: str,
    idempotency_key: str | None = None,
) -> Payment:
    invoice = await _lock_invoice(session, invoice_id)
    if invoice is None:
        raise NotFound("no such invoice")
    if idempotency_key is not None:
        earlier = await session.scalar(
            select(Payment).where(
                Payment.invoice_id == invoice_id, Payment.idempotency_key == idempotency_key
            )
        )
        if earlier is not None:
            same = (earlier.received_on, earlier.amount, earlier.reference, earlier.method) == (
                received_on,
                amount,
                reference,
                method,
            )
            if not same:
                raise Unprocessable(
                    "this Idempotency-Key was used for a different payment",
                    title="Idempotency-Key reused",
                )
            return earlier  # a retried request: the payment is recorded once
    recorded_at = now_utc()
    today = uk_date(recorded_at)
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
            outstanding=str(
                outstanding(gross=invoice.gross, credited=invoice.credited, paid=invoice.paid)
            ),
        )
    payment = Payment(
        id=uuid.uuid4(),
        invoice_id=invoice.id,
        organisation_id=invoice.organisation_id,
        cohort_id=invoice.cohort_id,
        received_on=received_on,
        amount=amount,
        reference=reference,
        method=method,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
        idempotency_key=idempotency_key,
    )
    session.add(payment)
    invoice.paid = invoice.paid + amount
    _refresh_status(invoice, today=today)
    left = outstanding(gross=invoice.gross, credited=invoice.credited, paid=invoice.paid)
    await session.flush()
    await record_event(
        session,
        PaymentRecorded(
            payment_id=payment.id,
            invoice_id=invoice.id,
            invoice_number=invoice.number,
            cohort_id=invoice.cohort_id,
            organisation_id=invoice.organisation_id,
            amount=amount,
            received_on=received_on,
            method=method,
            reference=reference,
            outstanding=left,
        ),
        subject=str(invoice.id),
    )
    if invoice.status == InvoiceStatus.PAID.value:
        invoice.paid_on = received_on
        await record_event(
            session,
            InvoicePaid(
                invoice_id=invoice.id,
                number=invoice.number,
                cohort_id=invoice.cohort_id,
                organisation_id=invoice.organisation_id,
                paid_on=received_on,
                total_paid=invoice.paid,
            ),
            subject=str(invoice.id),
        )
    return payment


async def record_overdue(session: AsyncSession, *, today: date) -> list[Invoice]:
    """Mark invoices past their due date with money owed as overdue; the event is recorded once."""
    candidates = (
        await session.scalars(
            select(Invoice.id).where(
                Invoice.status.in_([InvoiceStatus.ISSUED.value, InvoiceStatus.PART_PAID.value]),
                Invoice.due_on < today,
            )
        )
    ).all()
    marked: list[Invoice] = []
    for invoice_id in candidates:
        invoice = await _lock_invoice(session, invoice_id)
        if invoice is None:
            continue
        _refresh_status(invoice, today=today)
        if invoice.status != InvoiceStatus.OVERDUE.value or invoice.overdue_recorded_at is not None:
            continue
        invoice.overdue_recorded_at = now_utc()
        marked.append(invoice)
        await record_event(
            session,
            InvoiceOverdue(
                invoice_id=invoice.id,
                number=invoice.number,
                cohort_id=invoice.cohort_id,
                organisation_id=invoice.organisation_id,
                due_on=invoice.due_on,
                outstanding=outstanding(
                    gross=invoice.gross, credited=invoice.credited, paid=invoice.paid
                ),
            ),
            subject=str(invoice.id),
        )
    return marked


# --- reading -----------------------------------------------------------------------------------


def _sees_all(user: Principal) -> bool:
    return user.role in (Role.finance, Role.coordinator)


def _visible(user: Principal, organisation_id: uuid.UUID) -> bool:
    return _sees_all(user) or (
        user.role is Role.team_lead and user.organisation_id == organisation_id
    )


def effective_status(invoice: Invoice, *, today: date) -> str:
    """The status as of today: an issued invoice falls overdue on the day after its due date
    (before the periodic check has run), and once recorded overdue it stays so until settled."""
    computed = invoice_status(
        gross=invoice.gross,
        credited=invoice.credited,
        paid=invoice.paid,
        due_on=invoice.due_on,
        today=today,
    )
    if invoice.status == InvoiceStatus.OVERDUE.value and computed in (
        InvoiceStatus.ISSUED,
        InvoiceStatus.PART_PAID,
    ):
        return InvoiceStatus.OVERDUE.value
    return computed.value


def _status_filter(status: str, today: date) -> ColumnElement[bool]:
    """The SQL twin of :func:`effective_status`, for listing by status."""
    recorded_overdue = Invoice.status == InvoiceStatus.OVERDUE.value
    if status == InvoiceStatus.OVERDUE.value:
        open_ = Invoice.status.in_([InvoiceStatus.ISSUED.value, InvoiceStatus.PART_PAID.value])
        return or_(recorded_overdue, and_(open_, Invoice.due_on < today))
    if status in (InvoiceStatus.ISSUED.value, InvoiceStatus.PART_PAID.value):
        return and_(Invoice.status == status, Invoice.due_on >= today)
    return Invoice.status == status


async def list_invoices(
    session: AsyncSession,
    *,
    user: Principal,
    cohort_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[Invoice]:
    query = select(Invoice).order_by(Invoice.series, Invoice.sequence)
    if not _sees_all(user):
        query = query.where(Invoice.organisation_id == user.organisation_id)
    if cohort_id is not None:
        query = query.where(Invoice.cohort_id == cohort_id)
    if organisation_id is not None:
        query = query.where(Invoice.organisation_id == organisation_id)
    if team_id is not None:
        query = query.where(Invoice.team_id == team_id)
    if status is not None:
        query = query.where(_status_filter(status, uk_date(now_utc())))
    return list((await session.scalars(query.limit(limit).offset(offset))).all())


async def get_invoice(session: AsyncSession, *, invoice_id: uuid.UUID, user: Principal) -> Invoice:
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None or not _visible(user, invoice.organisation_id):
        raise NotFound("no such invoice")
    return invoice


async def list_payments(
    session: AsyncSession, *, invoice_id: uuid.UUID, user: Principal
) -> list[Payment]:
    await get_invoice(session, invoice_id=invoice_id, user=user)
    query = select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.recorded_at)
    return list((await session.scalars(query)).all())


async def list_credit_notes(
    session: AsyncSession,
    *,
    user: Principal,
    cohort_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    invoice_id: uuid.UUID | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[tuple[CreditNote, str]]:
    query = (
        select(CreditNote, Invoice.number)
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .order_by(CreditNote.series, CreditNote.sequence)
    )
    if not _sees_all(user):
        query = query.where(CreditNote.organisation_id == user.organisation_id)
    if cohort_id is not None:
        query = query.where(CreditNote.cohort_id == cohort_id)
    if organisation_id is not None:
        query = query.where(CreditNote.organisation_id == organisation_id)
    if invoice_id is not None:
        query = query.where(CreditNote.invoice_id == invoice_id)
    rows = (await session.execute(query.limit(limit).offset(offset))).all()
    return [(row[0], row[1]) for row in rows]


async def get_credit_note(
    session: AsyncSession, *, credit_note_id: uuid.UUID, user: Principal
) -> tuple[CreditNote, str]:
    row = (
        await session.execute(
            select(CreditNote, Invoice.number)
            .join(Invoice, Invoice.id == CreditNote.invoice_id)
            .where(CreditNote.id == credit_note_id)
        )
    ).one_or_none()
    if row is None or not _visible(user, row[0].organisation_id):
        raise NotFound("no such credit note")
    return row[0], row[1]


async def list_proformas(
    session: AsyncSession,
    *,
    user: Principal,
    cohort_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[Proforma]:
    query = select(Proforma).order_by(Proforma.issued_at, Proforma.reference)
    if not _sees_all(user):
        query = query.where(Proforma.organisation_id == user.organisation_id)
    if cohort_id is not None:
        query = query.where(Proforma.cohort_id == cohort_id)
    if organisation_id is not None:
        query = query.where(Proforma.organisation_id == organisation_id)
    if status is not None:
        query = query.where(Proforma.status == status)
    return list((await session.scalars(query.limit(limit).offset(offset))).all())


async def get_proforma(
    session: AsyncSession, *, proforma_id: uuid.UUID, user: Principal
) -> Proforma:
    proforma = await session.get(Proforma, proforma_id)
    if proforma is None or not _visible(user, proforma.organisation_id):
        raise NotFound("no such pro-forma")
    return proforma


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
    awaiting_po: list[Proforma]


async def statement(
    session: AsyncSession,
    *,
    user: Principal,
    organisation_id: uuid.UUID,
    cohort_id: uuid.UUID | None = None,
) -> Statement:
    organisation = await session.get(BillingOrganisation, organisation_id)
    if organisation is None or not _visible(user, organisation_id):
        raise NotFound("no such organisation in billing")

    def scoped(model: Any) -> Any:
        clause = model.organisation_id == organisation_id
        if cohort_id is not None:
            clause = and_(clause, model.cohort_id == cohort_id)
        return clause

    invoices = (await session.scalars(select(Invoice).where(scoped(Invoice)))).all()
    numbers = {i.id: i.number for i in invoices}
    notes = (await session.scalars(select(CreditNote).where(scoped(CreditNote)))).all()
    payments = (await session.scalars(select(Payment).where(scoped(Payment)))).all()
    raw: list[StatementEntry] = []
    for i in invoices:
        raw.append(
            StatementEntry(
                i.issued_on, i.issued_at, "invoice", i.id, i.number, i.description, i.gross, ZERO
            )
        )
    for n in notes:
        raw.append(
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
        )
    for p in payments:
        raw.append(
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
        )
    raw.sort(key=lambda e: (e.on, e.at, e.reference))
    balance = ZERO
    entries: list[StatementEntry] = []
    for e in raw:
        balance += e.debit - e.credit
        entries.append(
            StatementEntry(
                e.on, e.at, e.kind, e.id, e.reference, e.description, e.debit, e.credit, balance
            )
        )
    proformas = (
        await session.scalars(
            select(Proforma).where(scoped(Proforma), Proforma.status == PROFORMA_AWAITING_PO)
        )
    ).all()
    invoiced = sum((i.gross for i in invoices), ZERO)
    credited = sum((n.gross for n in notes), ZERO)
    paid = sum((p.amount for p in payments), ZERO)
    return Statement(
        organisation_id=organisation_id,
        organisation_name=organisation.name,
        cohort_id=cohort_id,
        entries=entries,
        invoiced=invoiced,
        credited=credited,
        paid=paid,
        balance=invoiced - credited - paid,
        awaiting_po=list(proformas),
    )


@dataclass(frozen=True)
class OverdueItem:
    invoice: Invoice
    outstanding: Decimal
    days_overdue: int
    project_lead_name: str | None
    project_lead_email: str | None


async def overdue(session: AsyncSession, *, as_of: date) -> list[OverdueItem]:
    rows = (
        await session.execute(
            select(Invoice, BillingTeam.project_lead_name, BillingTeam.project_lead_email)
            .join(BillingTeam, BillingTeam.id == Invoice.team_id, isouter=True)
            .where(_status_filter(InvoiceStatus.OVERDUE.value, as_of))
            .order_by(Invoice.due_on, Invoice.series, Invoice.sequence)
        )
    ).all()
    return [
        OverdueItem(
            invoice=row[0],
            outstanding=outstanding(gross=row[0].gross, credited=row[0].credited, paid=row[0].paid),
            days_overdue=(as_of - row[0].due_on).days,
            project_lead_name=row[1],
            project_lead_email=row[2],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class CohortTotals:
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
    invoices = (await session.scalars(select(Invoice).where(Invoice.cohort_id == cohort_id))).all()
    notes = (
        await session.scalars(select(CreditNote).where(CreditNote.cohort_id == cohort_id))
    ).all()
    proformas = (
        await session.scalars(
            select(Proforma).where(
                Proforma.cohort_id == cohort_id, Proforma.status == PROFORMA_AWAITING_PO
            )
        )
    ).all()
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


# --- documents ---------------------------------------------------------------------------------


def supplier(settings: BillingSettings) -> Party:
    return Party(
        name=settings.supplier_name,
        address_lines=tuple(settings.supplier_address),
        postcode=settings.supplier_postcode,
        vat_registration_number=settings.supplier_vat_number,
        extra=(settings.supplier_email,) if settings.supplier_email else (),
    )


def _customer(row: Invoice | Proforma | CreditNote) -> Party:
    extra: list[str] = []
    if row.customer_ods_code:
        extra.append(f"ODS code: {row.customer_ods_code}")
    if row.customer_payables_code:
        extra.append(f"Payables code: {row.customer_payables_code}")
    return Party(
        name=row.customer_name,
        address_lines=tuple(row.customer_address),
        postcode=row.customer_postcode,
        extra=tuple(extra),
    )


def _line(row: Invoice | Proforma | CreditNote) -> tuple[Line, ...]:
    return (Line(row.description, row.net, row.vat_rate, row.vat, row.gross),)


def invoice_view(settings: BillingSettings, invoice: Invoice) -> DocumentView:
    return DocumentView(
        kind=DocumentKind.INVOICE,
        number=invoice.number,
        issued_on=invoice.issued_on,
        time_of_supply=invoice.time_of_supply,
        supplier=supplier(settings),
        customer=_customer(invoice),
        lines=_line(invoice),
        purchase_order=invoice.purchase_order,
        due_on=invoice.due_on,
        payment_details=tuple(settings.payment_details),
    )


def credit_note_view(
    settings: BillingSettings, note: CreditNote, invoice_number: str, purchase_order: str | None
) -> DocumentView:
    return DocumentView(
        kind=DocumentKind.CREDIT_NOTE,
        number=note.number,
        issued_on=note.issued_on,
        time_of_supply=note.issued_on,
        supplier=supplier(settings),
        customer=_customer(note),
        lines=_line(note),
        purchase_order=purchase_order,
        references_invoice=invoice_number,
        reason=note.reason_text,
    )


def proforma_view(settings: BillingSettings, proforma: Proforma) -> DocumentView:
    return DocumentView(
        kind=DocumentKind.PROFORMA,
        number=proforma.reference,
        issued_on=proforma.issued_on,
        supplier=supplier(settings),
        customer=_customer(proforma),
        lines=_line(proforma),
        purchase_order=None,
        payment_details=(),
    )


async def purchase_order_of(session: AsyncSession, invoice_id: uuid.UUID) -> str | None:
    result: str | None = await session.scalar(
        select(Invoice.purchase_order).where(Invoice.id == invoice_id)
    )
    return result


async def invoice_pdf(
    session: AsyncSession, *, settings: BillingSettings, invoice_id: uuid.UUID, user: Principal
) -> tuple[str, bytes]:
    invoice = await get_invoice(session, invoice_id=invoice_id, user=user)
    pdf = await asyncio.to_thread(render_pdf, invoice_view(settings, invoice))
    return f"{invoice.number}.pdf", pdf


async def credit_note_pdf(
    session: AsyncSession, *, settings: BillingSettings, credit_note_id: uuid.UUID, user: Principal
) -> tuple[str, bytes]:
    note, invoice_number = await get_credit_note(session, credit_note_id=credit_note_id, user=user)
    view = credit_note_view(
        settings, note, invoice_number, await purchase_order_of(session, note.invoice_id)
    )
    return f"{note.number}.pdf", await asyncio.to_thread(render_pdf, view)


async def proforma_pdf(
    session: AsyncSession, *, settings: BillingSettings, proforma_id: uuid.UUID, user: Principal
) -> tuple[str, bytes]:
    proforma = await get_proforma(session, proforma_id=proforma_id, user=user)
    pdf = await asyncio.to_thread(render_pdf, proforma_view(settings, proforma))
    return f"{proforma.reference}.pdf", pdf
