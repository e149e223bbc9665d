"""Reading teams: one team (the hot read: one plain query) and pages of the teams a principal
may read, filtered."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment import store
from services.enrolment.models import Team
from services.enrolment.store import TeamFilters as TeamFilters
from shared.auth import Principal


async def get_team(session: AsyncSession, *, team_id: uuid.UUID, user: Principal) -> RowMapping:
    """One team with its organisation's name and nation and its coach's name, in one query."""
    return await store.team_view(session, team_id, user)


async def list_teams(
    session: AsyncSession, *, user: Principal, filters: TeamFilters, limit: int, offset: int
) -> tuple[Sequence[Team], int]:
    return await store.teams(session, user, filters=filters, limit=limit, offset=offset)
