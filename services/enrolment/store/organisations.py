"""Organisation rows, read through what the principal may read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment.models import Organisation
from services.enrolment.store.access import readable_organisations
from shared.auth import Principal


async def organisations(session: AsyncSession, principal: Principal) -> Sequence[Organisation]:
    """The organisations ``principal`` may read, by name."""
    query = readable_organisations(principal).order_by(Organisation.name, Organisation.id)
    return (await session.scalars(query)).all()


async def organisation(
    session: AsyncSession, principal: Principal, organisation_id: uuid.UUID
) -> Organisation | None:
    """The organisation, if ``principal`` may read it (``None`` otherwise)."""
    found: Organisation | None = await session.scalar(
        readable_organisations(principal).where(Organisation.id == organisation_id)
    )
    return found


async def holder_of_ods_code(session: AsyncSession, ods_code: str) -> uuid.UUID | None:
    """The organisation registered with ``ods_code``, if any."""
    found: uuid.UUID | None = await session.scalar(
        select(Organisation.id).where(Organisation.ods_code == ods_code)
    )
    return found
