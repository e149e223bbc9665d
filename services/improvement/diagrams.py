"""Driver diagrams: the cohort's change package (set by the coordinator, seeded with the nine
critical components of the IHI Joy in Work framework) and each team's own diagram, started from
the package and grown with its own drivers. Every change saves a version of the whole diagram.
Change ideas on a diagram: ``change_ideas.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement import store, teams
from services.improvement.drawing import draw
from services.improvement.inputs import Input, Name, Text, apply_changes
from services.improvement.models import ChangeIdea, Diagram, DiagramVersion, Driver
from services.improvement.problems import present, problem
from services.improvement.rules import diagram as tree
from services.improvement.rules.aims import aim_statement
from services.improvement.rules.components import DEFAULT_PACKAGE_AIM, NINE_COMPONENTS
from services.improvement.rules.ramp import idea_outcome
from services.improvement.store import diagrams as diagram_store
from services.improvement.store import programme as programme_store
from services.improvement.store import project as project_store
from shared.auth import Principal, Role
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable


class AimText(Input):
    aim: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class DriverIn(Input):
    name: Name
    description: Text | None = None
    parent_id: uuid.UUID | None = Field(
        default=None, description="A primary driver's id, for a secondary driver"
    )


class DriverUpdate(Input):
    name: Name | None = None
    description: Text | None = None


@dataclass(frozen=True)
class DiagramView:
    diagram: Diagram
    title: str
    document: dict[str, Any]


def driver_row(
    diagram_id: uuid.UUID, *, origin_id: uuid.UUID | None = None, **fields: Any
) -> Driver:
    """A new driver; without an origin it is its own (a driver first drawn here)."""
    row_id = uuid.uuid4()
    return Driver(id=row_id, diagram_id=diagram_id, origin_id=origin_id or row_id, **fields)


def idea_row(
    diagram_id: uuid.UUID, *, now: datetime, origin_id: uuid.UUID | None = None, **fields: Any
) -> ChangeIdea:
    """A new change idea; without an origin it is its own (an idea first written here)."""
    row_id = uuid.uuid4()
    return ChangeIdea(
        id=row_id, diagram_id=diagram_id, origin_id=origin_id or row_id, created_at=now, **fields
    )


def idea_copy(
    source: ChangeIdea, diagram_id: uuid.UUID, driver_id: uuid.UUID, now: datetime
) -> ChangeIdea:
    """A copy of an idea on another diagram, keeping its origin (the library groups by it)."""
    fields = {"name": source.name, "description": source.description}
    return idea_row(diagram_id, now=now, origin_id=source.origin_id, driver_id=driver_id, **fields)


def _not_found() -> NotFound:
    return NotFound("no such driver diagram", type=problem("unknown-diagram"))


async def current_document(session: AsyncSession, diagram: Diagram) -> dict[str, Any]:
    drivers = await diagram_store.drivers(session, diagram.id)
    ideas = await diagram_store.change_ideas(session, diagram.id)
    outcomes = (
        await diagram_store.cycle_states(session, [i.id for i in ideas])
        if diagram.team_id is not None
        else {}
    )
    return tree.document(
        diagram.aim,
        [
            tree.DriverNode(
                d.id, d.parent_id, d.name, d.description, d.component, d.origin_id, d.position
            )
            for d in drivers
        ],
        [
            tree.IdeaNode(
                i.id,
                i.driver_id,
                i.name,
                i.description,
                i.origin_id,
                idea_outcome(outcomes.get(i.id, [])) if diagram.team_id is not None else None,
            )
            for i in ideas
        ],
    )


async def saved(session: AsyncSession, diagram: Diagram, *, change: str, now: datetime) -> None:
    """Record the diagram as it now stands as its next version."""
    diagram.version += 1
    diagram.updated_at = now
    await store.save(session, diagram)
    document = await current_document(session, diagram)
    await store.save(
        session,
        DiagramVersion(
            diagram_id=diagram.id,
            version=diagram.version,
            change=change[:400],
            document=document,
            saved_at=now,
        ),
    )


async def _title(session: AsyncSession, diagram: Diagram) -> str:
    if diagram.team_id is None:
        cohort = await programme_store.cohort(session, diagram.cohort_id)
        return f"Change package: {cohort.name if cohort else diagram.cohort_id}"
    team = await programme_store.team(session, diagram.team_id)
    return f"Driver diagram: {team.name if team else diagram.team_id}"


async def _view(session: AsyncSession, diagram: Diagram) -> DiagramView:
    return DiagramView(
        diagram, await _title(session, diagram), await current_document(session, diagram)
    )


async def seed_package(session: AsyncSession, *, cohort_id: uuid.UUID, now: datetime) -> Diagram:
    """The cohort's change package, created with the nine components the first time."""
    found = await diagram_store.diagram_of(session, diagram_store.package_key(cohort_id))
    if found is not None:
        return found
    package = Diagram(
        owner_key=diagram_store.package_key(cohort_id),
        cohort_id=cohort_id,
        aim=DEFAULT_PACKAGE_AIM,
        version=0,
        updated_at=now,
    )
    await store.save(session, package)
    await store.save_all(
        session,
        (
            driver_row(package.id, name=c.name, description=c.text, component=c.key, position=n)
            for n, c in enumerate(NINE_COMPONENTS, 1)
        ),
    )
    await saved(
        session,
        package,
        change="seeded with the nine critical components of the IHI Joy in Work framework",
        now=now,
    )
    return package


async def package(session: AsyncSession, *, user: Principal, cohort_id: uuid.UUID) -> DiagramView:
    cohort = await teams.readable_cohort(session, user, cohort_id)
    found = await diagram_store.diagram_of(session, diagram_store.package_key(cohort.id))
    if found is None:
        raise _not_found()
    return await _view(session, found)


async def start_team_diagram(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, now: datetime
) -> DiagramView:
    """The team's own diagram, copied from the cohort's change package as it stands now."""
    team = await teams.writable_team(session, user, team_id)
    if await diagram_store.diagram_of(session, diagram_store.team_key(team.id)) is not None:
        raise Conflict("the team already has its driver diagram", type=problem("diagram-exists"))
    source = await seed_package(session, cohort_id=team.cohort_id, now=now)
    aim = await project_store.aim(session, team.id)
    own = Diagram(
        owner_key=diagram_store.team_key(team.id),
        cohort_id=team.cohort_id,
        team_id=team.id,
        aim=aim_statement(
            what=aim.what, how_much=aim.how_much, by_when=aim.by_when, for_whom=aim.for_whom
        )
        if aim
        else source.aim,
        version=0,
        updated_at=now,
    )
    await store.save(session, own)
    copies: dict[uuid.UUID, Driver] = {}
    for d in sorted(
        await diagram_store.drivers(session, source.id), key=lambda d: bool(d.parent_id)
    ):
        parent = copies[d.parent_id].id if d.parent_id else None
        copies[d.id] = driver_row(
            own.id,
            name=d.name,
            description=d.description,
            position=d.position,
            parent_id=parent,
            component=d.component,
            origin_id=d.origin_id,
        )
        await store.save(session, copies[d.id])
    ideas = await diagram_store.change_ideas(session, source.id)
    await store.save_all(
        session, (idea_copy(i, own.id, copies[i.driver_id].id, now) for i in ideas)
    )
    await saved(
        session, own, change=f"started from the change package (v{source.version})", now=now
    )
    return await _view(session, own)


async def team_diagram(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID
) -> DiagramView:
    team = await teams.readable_team(session, user, team_id)
    found = await diagram_store.diagram_of(session, diagram_store.team_key(team.id))
    started = present(found, "the team has not started its driver diagram yet", "unknown-diagram")
    return await _view(session, started)


async def readable_diagram(
    session: AsyncSession, *, user: Principal, diagram_id: uuid.UUID
) -> Diagram:
    found = await diagram_store.readable_diagram(session, user, diagram_id)
    if found is None:
        raise _not_found()
    return found


async def writable_diagram(
    session: AsyncSession, *, user: Principal, diagram_id: uuid.UUID
) -> Diagram:
    """A diagram the person may change, locked: a team's by its people (team lock first), the
    package by the coordinator only."""
    found = await readable_diagram(session, user=user, diagram_id=diagram_id)
    if found.team_id is None:
        if user.role is not Role.coordinator:
            raise Forbidden("only the coordinator changes the cohort's change package")
    else:
        await teams.writable_team(session, user, found.team_id)
    locked = await diagram_store.readable_diagram(session, user, diagram_id, lock=True)
    if locked is None:
        raise _not_found()
    return locked


async def diagram(session: AsyncSession, *, user: Principal, diagram_id: uuid.UUID) -> DiagramView:
    return await _view(session, await readable_diagram(session, user=user, diagram_id=diagram_id))


async def picture(session: AsyncSession, *, user: Principal, diagram_id: uuid.UUID) -> str:
    """The diagram drawn as SVG."""
    view = await diagram(session, user=user, diagram_id=diagram_id)
    return draw(view.document, title=view.title)


async def versions(
    session: AsyncSession, *, user: Principal, diagram_id: uuid.UUID
) -> Sequence[DiagramVersion]:
    found = await readable_diagram(session, user=user, diagram_id=diagram_id)
    return await diagram_store.versions(session, found.id)


async def version(
    session: AsyncSession, *, user: Principal, diagram_id: uuid.UUID, number: int
) -> DiagramVersion:
    found = await readable_diagram(session, user=user, diagram_id=diagram_id)
    kept = await diagram_store.version(session, found.id, number)
    return present(kept, "no such version of the diagram", "unknown-version")


async def set_aim(
    session: AsyncSession, *, user: Principal, diagram_id: uuid.UUID, data: AimText, now: datetime
) -> DiagramView:
    """Change the aim at the head of the diagram (a team's own, or the package's)."""
    found = await writable_diagram(session, user=user, diagram_id=diagram_id)
    found.aim = data.aim
    await saved(session, found, change="changed the aim", now=now)
    return await _view(session, found)


async def driver_on(session: AsyncSession, diagram: Diagram, driver_id: uuid.UUID) -> Driver:
    found = await diagram_store.driver(session, driver_id)
    if found is None or found.diagram_id != diagram.id:
        raise NotFound("no such driver on this diagram", type=problem("unknown-driver"))
    return found


async def _writable_driver(
    session: AsyncSession, user: Principal, diagram_id: uuid.UUID, driver_id: uuid.UUID
) -> tuple[Diagram, Driver]:
    found = await writable_diagram(session, user=user, diagram_id=diagram_id)
    return found, await driver_on(session, found, driver_id)


async def add_driver(
    session: AsyncSession, *, user: Principal, diagram_id: uuid.UUID, data: DriverIn, now: datetime
) -> DiagramView:
    found = await writable_diagram(session, user=user, diagram_id=diagram_id)
    if data.parent_id is not None:
        parent = await diagram_store.driver(session, data.parent_id)
        if parent is None or parent.diagram_id != found.id or parent.parent_id is not None:
            raise Unprocessable(
                "parent_id names no primary driver of this diagram",
                type=problem("unknown-reference"),
            )
    position = await diagram_store.next_position(session, found.id)
    await store.save(session, driver_row(found.id, **data.model_dump(), position=position))
    kind = "secondary" if data.parent_id else "primary"
    await saved(session, found, change=f"added {kind} driver {data.name}", now=now)
    return await _view(session, found)


async def update_driver(
    session: AsyncSession,
    *,
    user: Principal,
    diagram_id: uuid.UUID,
    driver_id: uuid.UUID,
    data: DriverUpdate,
    now: datetime,
) -> DiagramView:
    """Rename a driver or change its description."""
    found, driver = await _writable_driver(session, user, diagram_id, driver_id)
    apply_changes(driver, data, clearable=("description",))
    await store.save(session, driver)
    await saved(session, found, change=f"changed driver {driver.name}", now=now)
    return await _view(session, found)


async def remove_driver(
    session: AsyncSession,
    *,
    user: Principal,
    diagram_id: uuid.UUID,
    driver_id: uuid.UUID,
    now: datetime,
) -> DiagramView:
    """Remove a driver nothing hangs on (move or remove its drivers and ideas first)."""
    found, driver = await _writable_driver(session, user, diagram_id, driver_id)
    if await diagram_store.hangs_on_driver(session, driver.id):
        raise Conflict(
            "drivers and change ideas hang on this driver: move or remove them first",
            type=problem("driver-in-use"),
        )
    await diagram_store.delete(session, driver)
    await saved(session, found, change=f"removed driver {driver.name}", now=now)
    return await _view(session, found)
