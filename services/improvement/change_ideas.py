"""Change ideas on a driver diagram: added by the team (or the coordinator, on the package),
copied from the cohort's library, moved between drivers, removed while untested. A team's
change ideas carry their outcome so far, from the PDSA cycles on them (``pdsa.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement import diagrams, store, teams
from services.improvement.diagrams import DiagramView
from services.improvement.inputs import Input, Name, Text, apply_changes
from services.improvement.models import ChangeIdea, Diagram, Driver, PdsaCycle
from services.improvement.problems import problem
from services.improvement.rules.ramp import Outcome, idea_outcome
from services.improvement.store import cycles as cycle_store
from services.improvement.store import diagrams as diagram_store
from shared.auth import Principal
from shared.errors import Conflict, NotFound, Unprocessable


class ChangeIdeaIn(Input):
    driver_id: uuid.UUID = Field(description="The primary or secondary driver it hangs on")
    name: Name
    description: Text | None = None


class ChangeIdeaUpdate(Input):
    driver_id: uuid.UUID | None = Field(default=None, description="Move it to another driver")
    name: Name | None = None
    description: Text | None = None


class IdeaCopy(Input):
    library_idea_id: uuid.UUID = Field(description="An idea of the cohort's library")
    driver_id: uuid.UUID | None = Field(
        default=None,
        description="Where it hangs on your diagram; by default on your driver started from "
        "the same package driver as the library idea's",
    )


@dataclass(frozen=True)
class IdeaSummary:
    idea: ChangeIdea
    driver: Driver
    outcome: Outcome
    cycles: int


@dataclass(frozen=True)
class IdeaRamp:
    idea: ChangeIdea
    diagram: Diagram
    driver: Driver
    outcome: Outcome
    cycles: Sequence[PdsaCycle]


def _not_found() -> NotFound:
    return NotFound("no such change idea", type=problem("unknown-change-idea"))


async def readable_idea(
    session: AsyncSession, *, user: Principal, change_idea_id: uuid.UUID
) -> tuple[ChangeIdea, Diagram]:
    found = await diagram_store.readable_change_idea(session, user, change_idea_id)
    if found is None:
        raise _not_found()
    return found


async def add_change_idea(
    session: AsyncSession,
    *,
    user: Principal,
    diagram_id: uuid.UUID,
    data: ChangeIdeaIn,
    now: datetime,
) -> DiagramView:
    found = await diagrams.writable_diagram(session, user=user, diagram_id=diagram_id)
    await diagrams.driver_on(session, found, data.driver_id)  # on this diagram, or 404
    idea = diagrams.idea_row(found.id, now=now, **data.model_dump())
    await store.save(session, idea)
    await diagrams.saved(session, found, change=f"added change idea {data.name}", now=now)
    return await diagrams.diagram(session, user=user, diagram_id=found.id)


async def copy_change_idea(
    session: AsyncSession,
    *,
    user: Principal,
    diagram_id: uuid.UUID,
    data: IdeaCopy,
    now: datetime,
) -> DiagramView:
    """Copy an idea other teams of the cohort tested into the team's own diagram."""
    found = await diagrams.writable_diagram(session, user=user, diagram_id=diagram_id)
    if found.team_id is None:
        raise Conflict("ideas are copied into a team's diagram", type=problem("not-a-team-diagram"))
    sources = await diagram_store.ideas_of_origin(session, found.cohort_id, data.library_idea_id)
    if not sources or not await cycle_store.origin_tested(
        session, found.cohort_id, data.library_idea_id
    ):
        raise NotFound("no such idea in the cohort's library", type=problem("unknown-idea"))
    if any(idea.diagram_id == found.id for idea, _driver in sources):
        raise Conflict("the idea is already on this diagram", type=problem("idea-exists"))
    source, source_driver = sources[0]
    if data.driver_id is not None:
        driver = await diagrams.driver_on(session, found, data.driver_id)
    else:
        matching = [
            d
            for d in await diagram_store.drivers(session, found.id)
            if d.origin_id == source_driver.origin_id
        ]
        if not matching:
            raise Unprocessable(
                "your diagram has no driver like the idea's: name one (driver_id)",
                type=problem("name-a-driver"),
            )
        driver = matching[0]
    copy = diagrams.idea_copy(source, found.id, driver.id, now)
    await store.save(session, copy)
    await diagrams.saved(session, found, change=f"copied change idea {source.name}", now=now)
    return await diagrams.diagram(session, user=user, diagram_id=found.id)


async def _writable_idea(
    session: AsyncSession, user: Principal, change_idea_id: uuid.UUID
) -> tuple[ChangeIdea, Diagram]:
    idea, diagram = await readable_idea(session, user=user, change_idea_id=change_idea_id)
    return idea, await diagrams.writable_diagram(session, user=user, diagram_id=diagram.id)


async def update_change_idea(
    session: AsyncSession,
    *,
    user: Principal,
    change_idea_id: uuid.UUID,
    data: ChangeIdeaUpdate,
    now: datetime,
) -> DiagramView:
    idea, found = await _writable_idea(session, user, change_idea_id)
    if data.driver_id is not None:
        await diagrams.driver_on(session, found, data.driver_id)
    apply_changes(idea, data, clearable=("description",))
    await store.save(session, idea)
    await diagrams.saved(session, found, change=f"changed change idea {idea.name}", now=now)
    return await diagrams.diagram(session, user=user, diagram_id=found.id)


async def remove_change_idea(
    session: AsyncSession, *, user: Principal, change_idea_id: uuid.UUID, now: datetime
) -> DiagramView:
    idea, found = await _writable_idea(session, user, change_idea_id)
    if await diagram_store.cycles_on(session, idea.id):
        raise Conflict(
            "the idea has PDSA cycles: it stays, with its learning",
            type=problem("idea-tested"),
        )
    await diagram_store.delete(session, idea)
    await diagrams.saved(session, found, change=f"removed change idea {idea.name}", now=now)
    return await diagrams.diagram(session, user=user, diagram_id=found.id)


async def team_change_ideas(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID
) -> list[IdeaSummary]:
    team = await teams.readable_team(session, user, team_id)
    rows = await diagram_store.team_change_ideas(session, team.id)
    states = await diagram_store.cycle_states(session, [idea.id for idea, _ in rows])
    return [
        IdeaSummary(
            idea, driver, idea_outcome(states.get(idea.id, [])), len(states.get(idea.id, []))
        )
        for idea, driver in rows
    ]


async def idea_ramp(
    session: AsyncSession, *, user: Principal, change_idea_id: uuid.UUID
) -> IdeaRamp:
    """A change idea with its PDSA cycles in ramp order."""
    idea, found = await readable_idea(session, user=user, change_idea_id=change_idea_id)
    cycles = await cycle_store.cycles_of_idea(session, idea.id)
    driver = await diagrams.driver_on(session, found, idea.driver_id)
    states = await diagram_store.cycle_states(session, [idea.id])
    return IdeaRamp(idea, found, driver, idea_outcome(states.get(idea.id, [])), cycles)
