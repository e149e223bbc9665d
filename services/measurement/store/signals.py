"""Signals already recorded as ``measurement.signal.detected``, per team and measure."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.models import FiredSignal


async def remembered(
    session: AsyncSession, *, team_ids: Sequence[uuid.UUID], measure_key: str
) -> dict[uuid.UUID, set[str]]:
    """Team id -> the keys of the signals already recorded on its measure."""
    keys: dict[uuid.UUID, set[str]] = defaultdict(set)
    for team_id, signal_key in await session.execute(
        select(FiredSignal.team_id, FiredSignal.signal_key).where(
            FiredSignal.team_id.in_(team_ids), FiredSignal.measure_key == measure_key
        )
    ):
        keys[team_id].add(signal_key)
    return keys


async def claim(
    session: AsyncSession, *, team_id: uuid.UUID, measure_key: str, key: str, now: datetime
) -> bool:
    """Remember a fired signal; False when it was already remembered (by anyone, even by a
    concurrent batch still in flight: the primary key makes that one wait, then skip)."""
    values = {"team_id": team_id, "measure_key": measure_key, "signal_key": key, "fired_at": now}
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(FiredSignal).values(**values).on_conflict_do_nothing().returning(FiredSignal.team_id)
    )
    return (await session.execute(statement)).first() is not None
