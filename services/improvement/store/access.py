"""The readable statement: which teams (and so which projects) a person may read.

Every read for a person goes through :func:`readable_teams`: a coordinator reads every team, a
team lead the teams of their organisation (the ``org`` claim), a coach the teams allocated to
them (the ``coach`` claim); anyone else none. Objects of a team (meetings, ideas, cycles, ...)
are readable when their team is; cohort-wide views (the change package, the library, readiness
and progress distributions) when the person has a readable team in the cohort. What is not
readable is answered 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement.models import Base, CoachAllocation, Cohort, Diagram, Team
from shared.auth import Principal, Role


def readable_teams(user: Principal) -> Select[tuple[Team]]:
    query = select(Team)
    if user.role is Role.coordinator:
        return query
    if user.role is Role.team_lead and user.organisation_id is not None:
        return query.where(Team.organisation_id == user.organisation_id)
    if user.role is Role.coach and user.coach_id is not None:
        return query.join(CoachAllocation, CoachAllocation.team_id == Team.id).where(
            CoachAllocation.coach_id == user.coach_id
        )
    return query.where(false())


def readable_team_ids(user: Principal) -> Select[tuple[uuid.UUID]]:
    return readable_teams(user).with_only_columns(Team.id)


def readable_cohort_ids(user: Principal) -> Select[tuple[uuid.UUID]]:
    if user.role is Role.coordinator:
        return select(Cohort.id)
    return readable_teams(user).with_only_columns(Team.cohort_id).distinct()


def readable_diagrams(user: Principal) -> ColumnElement[bool]:
    """A team's diagram is readable with its team; a cohort's change package by anyone with a
    readable team in the cohort."""
    return or_(
        Diagram.team_id.in_(readable_team_ids(user)),
        and_(Diagram.team_id.is_(None), Diagram.cohort_id.in_(readable_cohort_ids(user))),
    )


Row = TypeVar("Row", bound=Base)


async def readable_row(
    session: AsyncSession, user: Principal, model: type[Row], row_id: uuid.UUID
) -> Row | None:
    """A row of a team's (a meeting, an idea, a voting round, a cycle: a table with ``id`` and
    ``team_id``), if the person may read that team."""
    columns = model.__table__.c
    query = select(model).where(columns.id == row_id, columns.team_id.in_(readable_team_ids(user)))
    found: Row | None = await session.scalar(query)
    return found
