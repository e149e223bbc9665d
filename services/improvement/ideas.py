"""What matters to staff, and the pebbles in the shoe: ideas and impediments gathered
anonymously (no name, email or account is accepted or stored with them; the day gathered, no
time of day), grouped into themes, each with a status and a response the team shows back
("you said, we did"). Multi-voting on them: ``voting.py``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement import store, teams
from services.improvement.inputs import Input, Name, Text, Words, apply_changes
from services.improvement.models import Idea, Team, Theme
from services.improvement.problems import present, problem
from services.improvement.store import voice as voice_store
from services.improvement.store.access import readable_row
from shared.auth import Principal
from shared.clock import uk_date
from shared.errors import Conflict, Unprocessable

IdeaKind = Literal["what_matters", "impediment"]
IdeaStatus = Literal["heard", "planned", "in_progress", "done", "not_taken_forward"]
CLOSED_STATUSES = ("done", "not_taken_forward")


class ThemeIn(Input):
    name: Name
    description: Text | None = None


class IdeaIn(Input):
    kind: IdeaKind = Field(description="What matters to staff, or an impediment (a pebble)")
    text: Words = Field(description="In the staff member's words, without names")
    theme_id: uuid.UUID | None = None


class IdeaUpdate(Input):
    theme_id: uuid.UUID | None = None
    status: IdeaStatus | None = None
    response: Text | None = Field(default=None, description="What the team did: 'we did'")


async def list_themes(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID
) -> Sequence[Theme]:
    team = await teams.readable_team(session, user, team_id)
    return await voice_store.themes(session, team.id)


async def add_theme(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, data: ThemeIn
) -> Theme:
    team = await teams.writable_team(session, user, team_id)
    if any(t.name.lower() == data.name.lower() for t in await voice_store.themes(session, team.id)):
        raise Conflict("the team already has this theme", type=problem("theme-exists"))
    theme = Theme(team_id=team.id, name=data.name, description=data.description)
    return await store.save(session, theme)


async def _theme_of(
    session: AsyncSession, team: Team, theme_id: uuid.UUID | None
) -> uuid.UUID | None:
    if theme_id is None:
        return None
    found = await voice_store.theme(session, theme_id)
    if found is None or found.team_id != team.id:
        raise Unprocessable("theme_id names no theme of this team", type=problem("theme"))
    return found.id


async def list_ideas(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, kind: IdeaKind | None
) -> Sequence[Idea]:
    team = await teams.readable_team(session, user, team_id)
    return await voice_store.ideas(session, team.id, kind=kind)


async def add_idea(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, data: IdeaIn, now: datetime
) -> Idea:
    team = await teams.writable_team(session, user, team_id)
    theme_id = await _theme_of(session, team, data.theme_id)
    idea = Idea(team_id=team.id, **data.model_dump(), status="heard", gathered_on=uk_date(now))
    idea.theme_id = theme_id
    return await store.save(session, idea)


async def update_idea(
    session: AsyncSession, *, user: Principal, idea_id: uuid.UUID, data: IdeaUpdate
) -> Idea:
    """Group an idea under a theme, or show back what was done ("you said, we did")."""
    found = present(
        await readable_row(session, user, Idea, idea_id), "no such idea", "unknown-idea"
    )
    team = await teams.writable_team(session, user, found.team_id)
    idea = await store.locked(session, Idea, idea_id)
    assert idea is not None
    await _theme_of(session, team, data.theme_id)
    apply_changes(idea, data, clearable=("theme_id", "response"))
    return await store.save(session, idea)
