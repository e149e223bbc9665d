"""All persistence of the improvement service: the only place that builds SQL.

``access`` holds the readable statement (what a person may read); the other modules hold the
queries and locks of one area each. Use cases create rows and hand them to :func:`save`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement.models import Base

T = TypeVar("T")
Row = TypeVar("Row", bound=Base)


async def save(session: AsyncSession, row: Row, *more: Base) -> Row:
    """Add new or changed rows to the unit of work and flush them (the caller's transaction
    commits); returns the first."""
    session.add_all((row, *more))
    await session.flush()
    return row


async def save_all(session: AsyncSession, rows: Iterable[Base]) -> None:
    """Add any number of rows (none, too) and flush them."""
    session.add_all(rows)
    await session.flush()


async def every(session: AsyncSession, query: Select[tuple[T]]) -> Sequence[T]:
    """Every row a one-entity query finds."""
    return (await session.scalars(query)).all()


async def locked(session: AsyncSession, model: type[Row], row_id: object) -> Row | None:
    """The row, read afresh and locked for the change (``FOR UPDATE`` on PostgreSQL)."""
    return await session.get(model, row_id, with_for_update=True, populate_existing=True)
