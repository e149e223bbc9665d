"""The only personal data measurement keeps: who did something, as their sign-in subject (which
an identity provider may make their e-mail address): who defined a measure version, created an API
key, wrote a note on a chart, or uploaded a team's data. Survey responses name no one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.models import ApiKey, Batch, ChartAnnotation, MeasureDefinitionRow

# Every column that names a person.
PEOPLE_COLUMNS: tuple[Any, ...] = (
    MeasureDefinitionRow.created_by,
    ApiKey.created_by,
    ChartAnnotation.created_by,
    Batch.uploaded_by,
)


async def named(session: AsyncSession) -> set[str]:
    """Every distinct person named in those columns."""
    rows = await session.execute(
        union(*(select(column).where(column.is_not(None)) for column in PEOPLE_COLUMNS))
    )
    return {value for (value,) in rows}


async def rename(session: AsyncSession, *, old: str, new: str) -> None:
    """Name ``new`` wherever ``old`` was named (the rows themselves stay)."""
    for column in PEOPLE_COLUMNS:
        await session.execute(update(column.class_).where(column == old).values({column.key: new}))
