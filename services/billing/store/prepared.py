"""The statements of the confirmation → invoice hot path, and the locks and numbers it takes.

Building and cache-keying a statement costs more CPU than running it, so the hot path's
statements are built once per dialect. Each takes its columns from the table definition (every
column, or every column but the ones named as excluded) and its parameters from a row object by
those same columns, so a column added to a table is written without a change here.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Column, Table, bindparam, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from services.billing.models import (
    BillingAccount,
    BillingCohort,
    BillingOrganisation,
    BillingTeam,
    CreditNote,
    DocumentCounter,
    Invoice,
    Proforma,
)

# A confirmation leaves these to the team's withdrawal (which may have come first).
TEAM_COLUMNS_LEFT_TO_WITHDRAWAL = frozenset(
    {"withdrawn_on", "withdrawal_reason", "withdrawn_by", "withdrawal_date_chosen_by"}
)


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _columns(model: type[Any], *, excluded: Iterable[str] = ()) -> list[Column[Any]]:
    leave = frozenset(excluded)
    return [c for c in _table(model).c if c.key not in leave]


def _parameters(columns: Iterable[Column[Any]], row: object) -> dict[str, Any]:
    """The row's values for the columns, by the columns' keys (the statements' parameters)."""
    return {c.key: getattr(row, c.key) for c in columns}


def _dialect_insert(dialect: str) -> Any:
    return pg_insert if dialect == "postgresql" else sqlite_insert


@dataclass(frozen=True)
class HotStatements:
    organisation: Any
    team: Any
    team_columns: tuple[Column[Any], ...]  # the columns a confirmation sets
    account: Any
    counter: Any


# Bounded by the SQL dialects (two: postgresql, sqlite); statements never change, so nothing
# invalidates an entry.
@functools.cache
def hot_statements(dialect: str) -> HotStatements:
    insert = _dialect_insert(dialect)
    organisation_t = _table(BillingOrganisation)
    organisation = insert(organisation_t).values(
        {c.key: bindparam(c.key) for c in organisation_t.c}
    )
    team_t = _table(BillingTeam)
    team_columns = _columns(BillingTeam, excluded=TEAM_COLUMNS_LEFT_TO_WITHDRAWAL)
    team = insert(team_t).values({c.key: bindparam(c.key) for c in team_columns})
    account_t = _table(BillingAccount)
    account = insert(account_t).values({c.key: bindparam(c.key) for c in account_t.c})
    counter_t = _table(DocumentCounter)
    return HotStatements(
        # The customer as the latest event describes it: every other column is set on conflict.
        organisation=organisation.on_conflict_do_update(
            index_elements=["id"],
            set_={c.key: organisation.excluded[c.key] for c in organisation_t.c if c.key != "id"},
        ),
        # The update applies only to a row not yet confirmed (a withdrawal's); RETURNING gives
        # no row when the team was confirmed already.
        team=team.on_conflict_do_update(
            index_elements=["id"],
            set_={c.key: team.excluded[c.key] for c in team_columns if c.key != "id"},
            where=team_t.c.confirmed_at.is_(None),
        ).returning(*team_t.c),
        team_columns=tuple(team_columns),
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


def _hot(session: AsyncSession) -> HotStatements:
    return hot_statements(session.get_bind().dialect.name)


def forget(session: AsyncSession, model: type[Any], key: Any) -> None:
    """Expire ``model``'s instance ``key`` if this session holds it: a Core statement just
    changed its row (an earlier handler in the same transaction may have loaded it)."""
    held = session.identity_map.get(identity_key(model, key))
    if held is not None:
        session.expire(held)


# --- locks -------------------------------------------------------------------------------------

_LOCK_COHORT = (
    select(BillingCohort)
    .where(BillingCohort.id == bindparam("cohort_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


async def lock_cohort(session: AsyncSession, cohort_id: uuid.UUID) -> BillingCohort:
    """Lock the cohort's row for the rest of the transaction, creating it first if needed.

    The row exists after a cohort's first event, so the usual case is one ``SELECT ... FOR
    UPDATE``; only a first event adds the insert-if-missing and a second look."""
    params = {"cohort_id": cohort_id}
    cohort = (await session.execute(_LOCK_COHORT, params)).scalar_one_or_none()
    if cohort is None:
        insert = _dialect_insert(session.get_bind().dialect.name)
        await session.execute(
            insert(BillingCohort).values(id=cohort_id).on_conflict_do_nothing(index_elements=["id"])
        )
        cohort = (await session.execute(_LOCK_COHORT, params)).scalar_one()
    return cohort


async def lock_invoice(session: AsyncSession, invoice_id: uuid.UUID) -> Invoice | None:
    return await _lock(session, Invoice, invoice_id)


async def lock_credit_note(session: AsyncSession, credit_note_id: uuid.UUID) -> CreditNote | None:
    """Lock a credit note (after its cohort) while its unused amount is allocated or refunded."""
    return await _lock(session, CreditNote, credit_note_id)


Locked = TypeVar("Locked", Invoice, CreditNote)


async def _lock(session: AsyncSession, model: type[Locked], id_: uuid.UUID) -> Locked | None:
    found: Locked | None = (
        await session.execute(
            select(model)
            .where(model.id == id_)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    return found


async def next_number(session: AsyncSession, series: str) -> int:
    """The next number of a gapless series, taken in the caller's transaction.

    One upsert: the series' first number inserts its row, later ones bump it. The row stays
    locked until commit, so concurrent issuers queue; a rollback (of the transaction or of a
    savepoint) undoes the bump together with the document, so no number is skipped or repeated.
    """
    forget(session, DocumentCounter, series)
    result = await session.execute(_hot(session).counter, {"series": series})
    return int(result.scalar_one())


# --- a confirmation's rows ---------------------------------------------------------------------


async def save_organisation(session: AsyncSession, organisation: BillingOrganisation) -> None:
    """Upsert the customer to exactly these values (one statement)."""
    forget(session, BillingOrganisation, organisation.id)
    await session.execute(
        _hot(session).organisation, _parameters(_table(BillingOrganisation).c, organisation)
    )


async def save_confirmation(session: AsyncSession, team: BillingTeam) -> BillingTeam | None:
    """Insert the team as confirmed, or confirm the row an earlier withdrawal left; None when
    the team was confirmed already. One upsert (it also locks the row)."""
    forget(session, BillingTeam, team.id)
    hot = _hot(session)
    row = (await session.execute(hot.team, _parameters(hot.team_columns, team))).one_or_none()
    # A detached copy of the row as it now is (what pricing and documents read of the team).
    return None if row is None else BillingTeam(**row._asdict())


async def save_account(session: AsyncSession, account: BillingAccount) -> bool:
    """Record whether the organisation has several teams in the cohort (never cleared: a
    discount given is not clawed back); returns whether it is discounted. One upsert."""
    forget(session, BillingAccount, (account.organisation_id, account.cohort_id))
    result = await session.execute(
        _hot(session).account, _parameters(_table(BillingAccount).c, account)
    )
    return bool(result.scalar_one())


# Bounded by the document tables inserted this way (two: invoice, pro-forma); a table's insert
# never changes, so nothing invalidates an entry.
@functools.cache
def _plain_insert(table: Table) -> Any:
    return table.insert()


async def insert_document(session: AsyncSession, document: Invoice | Proforma) -> None:
    """Insert a new document's row with Core: its object (returned to the caller, not added to
    the session) is never changed in this transaction, so no unit of work is needed. Later
    queries load the row afresh."""
    table = _table(type(document))
    await session.execute(_plain_insert(table), _parameters(table.c, document))
