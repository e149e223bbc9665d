"""Organisation rows, read through what the principal may read; finding one by its ODS code; and
moving an organisation's expressions of interest to the one it was merged into."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment.models import Organisation, Team
from services.enrolment.rules import TeamStatus
from services.enrolment.store.access import readable_organisations
from shared.auth import Principal


async def organisations(
    session: AsyncSession, principal: Principal, *, verified: bool | None = None
) -> Sequence[Organisation]:
    """The organisations ``principal`` may read, by name (``verified``: only those, or only
    those awaiting verification)."""
    query = readable_organisations(principal).order_by(Organisation.name, Organisation.id)
    if verified is not None:
        query = query.where(Organisation.verified.is_(verified))
    return (await session.scalars(query)).all()


async def organisation(
    session: AsyncSession, principal: Principal, organisation_id: uuid.UUID, *, lock: bool = False
) -> Organisation | None:
    """The organisation, if ``principal`` may read it (``None`` otherwise); ``lock``: its row
    ``FOR UPDATE``, read afresh."""
    query = readable_organisations(principal).where(Organisation.id == organisation_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found: Organisation | None = await session.scalar(query)
    return found


async def organisation_by_id(session: AsyncSession, organisation_id: uuid.UUID) -> Organisation:
    """An organisation known to exist (the one another was merged into)."""
    found: Organisation = await session.get_one(Organisation, organisation_id)
    return found


async def organisation_with_ods_code(session: AsyncSession, ods_code: str) -> Organisation | None:
    """The organisation registered with ``ods_code``, if any."""
    found: Organisation | None = await session.scalar(
        select(Organisation).where(Organisation.ods_code == ods_code)
    )
    return found


async def live_teams_of(
    session: AsyncSession,
    organisation_ids: Collection[uuid.UUID],
    statuses: Collection[TeamStatus],
    *,
    cohort_id: uuid.UUID | None = None,
) -> Sequence[Team]:
    """The organisations' teams in ``statuses``, in one cohort or in every cohort."""
    query = select(Team).where(
        Team.organisation_id.in_(list(organisation_ids)),
        Team.status.in_([s.value for s in statuses]),
    )
    if cohort_id is not None:
        query = query.where(Team.cohort_id == cohort_id)
    return (await session.scalars(query)).all()


async def move_teams(session: AsyncSession, source: uuid.UUID, target: uuid.UUID) -> None:
    """Every team of ``source`` now belongs to ``target`` (a merge)."""
    await session.execute(
        update(Team)
        .where(Team.organisation_id == source)
        .values(organisation_id=target)
        .execution_options(synchronize_session="fetch")
    )
