"""``Idempotency-Key`` on batch posts (IETF draft): keys are scoped per organisation.

- first use: a record is committed at once as "in flight", so a concurrent duplicate sees it;
- same key, same body, answered: the stored answer is replayed;
- same key, different body: 422;
- same key while the first request is still in flight: 409 (an in-flight record older than
  ``STALE_AFTER`` is taken to belong to a crashed request and is taken over).
The answer is stored in the batch's own transaction; a failed batch deletes its record (nothing
was written, so the client may correct the batch and retry with the same key).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.models import IdempotencyRecord
from shared.db import Database
from shared.errors import Conflict, Unprocessable

STALE_AFTER = timedelta(minutes=5)
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Replay:
    status: int
    body: dict[str, Any]


def fingerprint(kind: str, content_type: str, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(
        kind.encode() + b"\0" + content_type.split(";")[0].strip().lower().encode() + b"\0"
    )
    digest.update(body)
    return digest.hexdigest()


async def begin(
    database: Database, *, organisation_id: uuid.UUID, key: str, fingerprint: str
) -> Replay | None:
    """Claim the key (None: go ahead) or answer from the first request with it."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Unprocessable(f"the Idempotency-Key header must be 1-{MAX_KEY_LENGTH} characters")
    now = datetime.now(UTC)
    try:
        async with database.transaction() as session:
            session.add(
                IdempotencyRecord(
                    organisation_id=organisation_id,
                    key=key,
                    request_hash=fingerprint,
                    status_code=None,
                    response_body=None,
                    created_at=now,
                )
            )
        return None
    except IntegrityError:
        pass
    async with database.transaction() as session:
        record = (
            await session.execute(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.organisation_id == organisation_id,
                    IdempotencyRecord.key == key,
                )
            )
        ).scalar_one_or_none()
        if record is None:  # the other request failed and freed the key meanwhile
            session.add(
                IdempotencyRecord(
                    organisation_id=organisation_id,
                    key=key,
                    request_hash=fingerprint,
                    status_code=None,
                    response_body=None,
                    created_at=now,
                )
            )
            return None
        if record.request_hash != fingerprint:
            raise Unprocessable("this Idempotency-Key was already used with a different body")
        if record.status_code is not None and record.response_body is not None:
            return Replay(status=record.status_code, body=json.loads(record.response_body))
        created = record.created_at
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        if now - created < STALE_AFTER:
            raise Conflict("a request with this Idempotency-Key is still being processed")
        record.created_at = now  # a crashed request's claim: take it over
        return None


async def finish(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    key: str,
    status: int,
    body: dict[str, Any],
) -> None:
    """Store the answer in the batch's own transaction."""
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.organisation_id == organisation_id, IdempotencyRecord.key == key)
        .values(status_code=status, response_body=json.dumps(body))
    )


async def abandon(database: Database, *, organisation_id: uuid.UUID, key: str) -> None:
    async with database.transaction() as session:
        await session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.organisation_id == organisation_id,
                IdempotencyRecord.key == key,
                IdempotencyRecord.status_code.is_(None),
            )
        )
