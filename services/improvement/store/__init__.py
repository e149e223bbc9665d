"""All persistence of the improvement service: the only place that builds SQL.

``access`` holds the readable statement (what a person may read); the other modules hold the
queries and locks of one area each. Use cases create rows and hand them to :func:`save`.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement.models import Base


async def save(session: AsyncSession, *rows: Base) -> None:
    """Add new rows to the unit of work and flush them (the caller's transaction commits)."""
    session.add_all(rows)
    await session.flush()
