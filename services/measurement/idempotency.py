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
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.measurement.store import idempotency as records
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
    database: Database, *, organisation_id: uuid.UUID, key: str, fingerprint: str, now: datetime
) -> Replay | None:
    """Claim the key (None: go ahead) or answer from the first request with it."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Unprocessable(f"the Idempotency-Key header must be 1-{MAX_KEY_LENGTH} characters")
    if await records.claim(
        database, organisation_id=organisation_id, key=key, fingerprint=fingerprint, now=now
    ):
        return None
    async with database.transaction() as session:
        record = await records.record(session, organisation_id=organisation_id, key=key)
        if record is None:  # the other request failed and freed the key meanwhile
            records.add_claim(
                session, organisation_id=organisation_id, key=key, fingerprint=fingerprint, now=now
            )
            return None
        if record.request_hash != fingerprint:
            raise Unprocessable("this Idempotency-Key was already used with a different body")
        answered = records.stored_answer(record)
        if answered is not None:
            return Replay(status=answered[0], body=answered[1])
        created = record.created_at
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        if now - created < STALE_AFTER:
            raise Conflict("a request with this Idempotency-Key is still being processed")
        record.created_at = now  # a crashed request's claim: take it over
        return None
