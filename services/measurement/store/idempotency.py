"""Idempotency-Key records of batch posts, per organisation (the rules: ``idempotency``)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.models import IdempotencyRecord
from shared.db import Database


def _new(
    organisation_id: uuid.UUID, key: str, fingerprint: str, now: datetime
) -> IdempotencyRecord:
    """A claim on a key: in flight (no answer yet) since ``now``."""
    return IdempotencyRecord(
        organisation_id=organisation_id,
        key=key,
        request_hash=fingerprint,
        status_code=None,
        response_body=None,
        created_at=now,
    )


def _this(organisation_id: uuid.UUID, key: str) -> Any:
    return (IdempotencyRecord.organisation_id == organisation_id) & (IdempotencyRecord.key == key)


async def claim(
    database: Database, *, organisation_id: uuid.UUID, key: str, fingerprint: str, now: datetime
) -> bool:
    """Claim a key unused so far, committed at once so that a concurrent request sees it; False
    when the key already has a record."""
    try:
        async with database.transaction() as session:
            session.add(_new(organisation_id, key, fingerprint, now))
        return True
    except IntegrityError:
        return False


async def record(
    session: AsyncSession, *, organisation_id: uuid.UUID, key: str
) -> IdempotencyRecord | None:
    found: IdempotencyRecord | None = (
        await session.execute(select(IdempotencyRecord).where(_this(organisation_id, key)))
    ).scalar_one_or_none()
    return found


def add_claim(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    key: str,
    fingerprint: str,
    now: datetime,
) -> None:
    """Claim a key in the session's transaction (its earlier record was freed meanwhile)."""
    session.add(_new(organisation_id, key, fingerprint, now))


async def answer(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    key: str,
    status: int,
    body: dict[str, Any],
) -> None:
    """Store the answer, in the batch's own transaction."""
    await session.execute(
        update(IdempotencyRecord)
        .where(_this(organisation_id, key))
        .values(status_code=status, response_body=json.dumps(body))
    )


def stored_answer(record: IdempotencyRecord) -> tuple[int, dict[str, Any]] | None:
    if record.status_code is None or record.response_body is None:
        return None
    return record.status_code, json.loads(record.response_body)


async def free(database: Database, *, organisation_id: uuid.UUID, key: str) -> None:
    """Free a key whose request failed (nothing was written), in a transaction of its own."""
    async with database.transaction() as session:
        await session.execute(
            delete(IdempotencyRecord).where(
                _this(organisation_id, key), IdempotencyRecord.status_code.is_(None)
            )
        )
