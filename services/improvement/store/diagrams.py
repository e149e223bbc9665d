"""Driver diagrams (change packages and teams' own), their drivers, change ideas and versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement.models import (
    ChangeIdea,
    Diagram,
    DiagramVersion,
    Driver,
    PdsaCycle,
    Team,
)
from services.improvement.rules.ramp import CycleState
from services.improvement.store import every
from services.improvement.store.access import readable_diagrams
from shared.auth import Principal


def package_key(cohort_id: uuid.UUID) -> str:
    return f"package:{cohort_id}"


def team_key(team_id: uuid.UUID) -> str:
    return f"team:{team_id}"


async def diagram_of(
    session: AsyncSession, owner_key: str, *, lock: bool = False
) -> Diagram | None:
    query = select(Diagram).where(Diagram.owner_key == owner_key)
    found: Diagram | None = await session.scalar(query.with_for_update() if lock else query)
    return found


async def readable_diagram(
    session: AsyncSession, user: Principal, diagram_id: uuid.UUID, *, lock: bool = False
) -> Diagram | None:
    query = select(Diagram).where(Diagram.id == diagram_id, readable_diagrams(user))
    found: Diagram | None = await session.scalar(
        query.with_for_update(of=Diagram) if lock else query
    )
    return found


async def readable_change_idea(
    session: AsyncSession, user: Principal, change_idea_id: uuid.UUID
) -> tuple[ChangeIdea, Diagram] | None:
    row = (
        await session.execute(
            select(ChangeIdea, Diagram)
            .join(Diagram, Diagram.id == ChangeIdea.diagram_id)
            .where(ChangeIdea.id == change_idea_id, readable_diagrams(user))
        )
    ).first()
    return (row[0], row[1]) if row else None


async def drivers(session: AsyncSession, diagram_id: uuid.UUID) -> Sequence[Driver]:
    return await every(
        session,
        select(Driver).where(Driver.diagram_id == diagram_id).order_by(Driver.position),
    )


async def driver(session: AsyncSession, driver_id: uuid.UUID) -> Driver | None:
    return await session.get(Driver, driver_id)


async def change_ideas(session: AsyncSession, diagram_id: uuid.UUID) -> Sequence[ChangeIdea]:
    query = select(ChangeIdea).where(ChangeIdea.diagram_id == diagram_id)
    return await every(session, query.order_by(ChangeIdea.created_at, ChangeIdea.id))


async def change_idea(session: AsyncSession, change_idea_id: uuid.UUID) -> ChangeIdea | None:
    return await session.get(ChangeIdea, change_idea_id)


async def next_position(session: AsyncSession, diagram_id: uuid.UUID) -> int:
    last = await session.scalar(
        select(func.max(Driver.position)).where(Driver.diagram_id == diagram_id)
    )
    return int(last or 0) + 1


async def hangs_on_driver(session: AsyncSession, driver_id: uuid.UUID) -> int:
    """How many drivers and change ideas hang on a driver."""
    below = await session.scalar(select(func.count()).where(Driver.parent_id == driver_id))
    ideas = await session.scalar(select(func.count()).where(ChangeIdea.driver_id == driver_id))
    return int(below or 0) + int(ideas or 0)


async def cycles_on(session: AsyncSession, change_idea_id: uuid.UUID) -> int:
    found = await session.scalar(
        select(func.count()).where(PdsaCycle.change_idea_id == change_idea_id)
    )
    return int(found or 0)


async def cycle_states(
    session: AsyncSession, change_idea_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CycleState]]:
    """Each idea's cycles in ramp order (status and decision: enough for its outcome)."""
    rows = await session.execute(
        select(PdsaCycle.change_idea_id, PdsaCycle.status, PdsaCycle.decision)
        .where(PdsaCycle.change_idea_id.in_(change_idea_ids))
        .order_by(PdsaCycle.change_idea_id, PdsaCycle.ramp_step)
    )
    found: dict[uuid.UUID, list[CycleState]] = {}
    for idea_id, status, decision in rows:
        found.setdefault(idea_id, []).append(CycleState(status, decision))
    return found


async def delete(session: AsyncSession, row: Driver | ChangeIdea) -> None:
    await session.delete(row)
    await session.flush()


async def versions(session: AsyncSession, diagram_id: uuid.UUID) -> Sequence[DiagramVersion]:
    query = select(DiagramVersion).where(DiagramVersion.diagram_id == diagram_id)
    return await every(session, query.order_by(DiagramVersion.version.desc()))


async def version(
    session: AsyncSession, diagram_id: uuid.UUID, number: int
) -> DiagramVersion | None:
    return await session.get(DiagramVersion, (diagram_id, number))


async def team_change_ideas(
    session: AsyncSession, team_id: uuid.UUID
) -> Sequence[tuple[ChangeIdea, Driver]]:
    rows = await session.execute(
        select(ChangeIdea, Driver)
        .join(Diagram, Diagram.id == ChangeIdea.diagram_id)
        .join(Driver, Driver.id == ChangeIdea.driver_id)
        .where(Diagram.owner_key == team_key(team_id))
        .order_by(ChangeIdea.created_at, ChangeIdea.id)
    )
    return [(idea, drv) for idea, drv in rows]


async def library_rows(
    session: AsyncSession, cohort_id: uuid.UUID
) -> Sequence[tuple[ChangeIdea, Driver, Team, PdsaCycle]]:
    """Every started cycle on a team's change idea in the cohort, with its idea, driver, team."""
    rows = await session.execute(
        select(ChangeIdea, Driver, Team, PdsaCycle)
        .join(Driver, Driver.id == ChangeIdea.driver_id)
        .join(PdsaCycle, PdsaCycle.change_idea_id == ChangeIdea.id)
        .join(Team, Team.id == PdsaCycle.team_id)
        .where(Team.cohort_id == cohort_id, PdsaCycle.status != "planned")
        .order_by(Team.name, Team.id, PdsaCycle.ramp_step)
    )
    return [(idea, drv, team, cycle) for idea, drv, team, cycle in rows]


async def ideas_of_origin(
    session: AsyncSession, cohort_id: uuid.UUID, origin_id: uuid.UUID
) -> Sequence[tuple[ChangeIdea, Driver]]:
    """The change ideas of one origin in the cohort (the package's and the teams'), oldest first."""
    rows = await session.execute(
        select(ChangeIdea, Driver)
        .join(Diagram, Diagram.id == ChangeIdea.diagram_id)
        .join(Driver, Driver.id == ChangeIdea.driver_id)
        .where(Diagram.cohort_id == cohort_id, ChangeIdea.origin_id == origin_id)
        .order_by(ChangeIdea.created_at, ChangeIdea.id)
    )
    return [(idea, drv) for idea, drv in rows]
