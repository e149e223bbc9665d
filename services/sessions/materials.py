"""Materials of a session: titled links to its slides, its recording and other resources.

Whoever may read a session (its cohort's teams, their coaches, coordinators) sees its
materials. Coordinators and the coaches of the cohort's teams add and remove them (a coach runs
a clinic and shares its slides). Only links are kept, never files: recordings and slides stay
where the college keeps them, with their own access rules. A session has at most
``MAX_MATERIALS`` of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import HttpUrl
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions.models import SessionMaterial
from services.sessions.store import materials as store
from services.sessions.store.access import readable_session
from services.sessions.store.programme import get_session
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.fields import RequestModel, Text200

MAX_MATERIALS = 50
MaterialKind = Literal["slides", "recording", "resource"]


class MaterialAdd(RequestModel):
    kind: MaterialKind = "resource"
    title: Text200
    url: HttpUrl


async def list_materials(
    session: AsyncSession, *, session_id: uuid.UUID, user: Principal
) -> Sequence[SessionMaterial]:
    row = await readable_session(session, user, session_id)
    return await store.session_materials(session, row.id)


async def add_material(
    session: AsyncSession,
    *,
    session_id: uuid.UUID,
    data: MaterialAdd,
    user: Principal,
    now: datetime,
) -> SessionMaterial:
    row = await readable_session(session, user, session_id)
    await get_session(session, row.id, lock=True)  # one add at a time per session: the cap holds
    if len(await store.session_materials(session, row.id)) >= MAX_MATERIALS:
        raise Conflict(f"a session has at most {MAX_MATERIALS} materials; remove one first")
    material = SessionMaterial(
        id=uuid.uuid4(),
        session_id=row.id,
        kind=data.kind,
        title=data.title,
        url=str(data.url),
        added_by=user.subject,
        added_at=now,
    )
    session.add(material)
    await session.flush()
    return material


async def remove_material(
    session: AsyncSession, *, session_id: uuid.UUID, material_id: uuid.UUID, user: Principal
) -> None:
    row = await readable_session(session, user, session_id)
    material = await store.material(session, row.id, material_id)
    if material is None:
        raise NotFound("no such material")
    await session.delete(material)
    await session.flush()
