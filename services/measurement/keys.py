"""Organisations' API keys for trust systems: coordinators create, list and revoke them; every
request carrying one is resolved to the organisation's principal (see ``app``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.models import ApiKey
from services.measurement.store import keys as store
from shared.auth import Principal, api_key_matches, api_key_prefix, generate_api_key
from shared.errors import NotFound, Unauthorized


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    secret: str  # the whole key: given once, only its hash is stored


async def create_api_key(
    session: AsyncSession, *, organisation_id: uuid.UUID, label: str, by: str, now: datetime
) -> CreatedKey:
    """A new key; the secret is returned here once and only its hash is stored."""
    new = generate_api_key()
    key = ApiKey(
        id=uuid.uuid4(),
        prefix=new.prefix,
        key_hash=new.hash,
        organisation_id=organisation_id,
        label=label,
        created_at=now,
        created_by=by,
        revoked_at=None,
    )
    await store.add_key(session, key)
    return CreatedKey(key, new.secret)


async def list_api_keys(
    session: AsyncSession, *, organisation_id: uuid.UUID | None = None
) -> list[ApiKey]:
    return await store.keys(session, organisation_id=organisation_id)


async def revoke_api_key(session: AsyncSession, *, key_id: uuid.UUID, now: datetime) -> ApiKey:
    key = await store.key(session, key_id)
    if key is None:
        raise NotFound("no such API key")
    if key.revoked_at is None:
        key.revoked_at = now
    return key


async def resolve_api_key(session: AsyncSession, *, token: str) -> Principal:
    """The organisation's principal for a valid, unrevoked key (401 otherwise)."""
    prefix = api_key_prefix(token)
    key = None if prefix is None else await store.key_by_prefix(session, prefix)
    if key is None or not api_key_matches(token, key.key_hash):
        raise Unauthorized("unknown API key")
    if key.revoked_at is not None:
        raise Unauthorized("the API key has been revoked")
    return Principal(
        subject=f"api-key:{key.prefix}",
        role=None,
        organisation_id=key.organisation_id,
        api_key_id=str(key.id),
    )
