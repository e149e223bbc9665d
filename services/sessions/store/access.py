"""What a principal may read: the one place the sessions service's access rules live.

The rule is said once, as a statement of the teams a person may read, each with the cohort it is
read in (:func:`readable_teams`):

* a coordinator reads everything, every cohort (no statement: nothing is filtered);
* a team lead reads their organisation's teams, in the cohorts whose rosters they are on;
* a coach reads the teams allocated to them, in the cohorts of those allocations (an allocation
  may arrive before its team's confirmation);
* anyone else reads no team.

Everything else follows from it: a cohort is readable when one of its readable teams is in it; a
session, its places and its attendance list when its cohort is (the lists then show only the
readable teams' rows); a team, its attendance and engagement when the team is readable in some
cohort. Feed tokens: a coordinator reads every one, anyone else their own. Whatever is not
readable answers 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal, TypeVar

from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from services.sessions.models import (
    CoachAllocation,
    Cohort,
    FeedToken,
    ProgrammeSession,
    RosterTeam,
)
from shared.auth import Principal, Role
from shared.errors import NotFound

Q = TypeVar("Q", bound=Select[Any])
T = TypeVar("T")
Which = Literal["team_id", "cohort_id"]


def readable_teams(user: Principal) -> Select[tuple[uuid.UUID, uuid.UUID]] | None:
    """(team id, cohort id) of every team ``user`` may read; ``None``: every team of every cohort."""
    if user.role is Role.coordinator:
        return None
    if user.role is Role.team_lead and user.organisation_id is not None:
        return select(RosterTeam.team_id, RosterTeam.cohort_id).where(
            RosterTeam.organisation_id == user.organisation_id
        )
    if user.role is Role.coach and user.coach_id is not None:
        return select(CoachAllocation.team_id, CoachAllocation.cohort_id).where(
            CoachAllocation.coach_id == user.coach_id
        )
    return select(RosterTeam.team_id, RosterTeam.cohort_id).where(false())


def readable_feed_tokens(user: Principal) -> Select[tuple[FeedToken]]:
    """The feed tokens ``user`` may read (and revoke): all for a coordinator, else their own."""
    query = select(FeedToken)
    if user.role is not Role.coordinator:
        query = query.where(FeedToken.created_by == user.subject)
    return query


def _readable(
    user: Principal, column: Which, *, cohort_id: uuid.UUID | None = None
) -> Select[tuple[uuid.UUID]] | None:
    """The teams (or their cohorts) of :func:`readable_teams`, in one cohort if given."""
    teams = readable_teams(user)
    if teams is None:
        return None
    rows = teams.subquery()
    query: Select[tuple[uuid.UUID]] = select(rows.c[column])
    return query if cohort_id is None else query.where(rows.c.cohort_id == cohort_id)


def only_readable(
    query: Q,
    key: InstrumentedAttribute[uuid.UUID],
    user: Principal,
    *,
    column: Which = "team_id",
    cohort_id: uuid.UUID | None = None,
) -> Q:
    """``query`` narrowed to the rows whose ``key`` is a team (or a cohort) ``user`` may read
    (in the cohort given)."""
    readable = _readable(user, column, cohort_id=cohort_id)
    return query if readable is None else query.where(key.in_(readable))


async def readable_team_ids(
    session: AsyncSession, user: Principal, *, cohort_id: uuid.UUID
) -> set[uuid.UUID] | None:
    """The teams of a cohort ``user`` may read; ``None``: all of them."""
    readable = _readable(user, "team_id", cohort_id=cohort_id)
    return None if readable is None else set((await session.scalars(readable)).all())


async def _one(session: AsyncSession, query: Select[tuple[T]], missing: str) -> T:
    found = await session.scalar(query)
    if found is None:
        raise NotFound(missing)
    return found


async def readable_cohort(session: AsyncSession, user: Principal, cohort_id: uuid.UUID) -> Cohort:
    query = select(Cohort).where(Cohort.id == cohort_id)
    return await _one(
        session, only_readable(query, Cohort.id, user, column="cohort_id"), "no such cohort"
    )


async def readable_team(
    session: AsyncSession, user: Principal, team_id: uuid.UUID, *, missing: str = "no such team"
) -> RosterTeam:
    query = select(RosterTeam).where(RosterTeam.team_id == team_id)
    return await _one(session, only_readable(query, RosterTeam.team_id, user), missing)


async def readable_session(
    session: AsyncSession, user: Principal, session_id: uuid.UUID
) -> ProgrammeSession:
    row = await session.get(ProgrammeSession, session_id)
    if row is None:
        raise NotFound("no such session")
    await readable_cohort(session, user, row.cohort_id)
    return row
