"""What attendance reports read: teams, their cohorts' programmes and their marks, in a few
queries however many teams a report covers."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions.models import (
    Attendance,
    CoachAllocation,
    Cohort,
    ProgrammeSession,
    RosterTeam,
)
from services.sessions.store.access import only_readable
from shared.auth import Principal


async def report_teams(
    session: AsyncSession,
    user: Principal,
    *,
    cohort_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
) -> list[tuple[RosterTeam, CoachAllocation | None]]:
    """The teams ``user`` may read (withdrawn ones too) of a cohort and/or an organisation,
    by organisation and name, each with its coach's allocation."""
    query = (
        select(RosterTeam, CoachAllocation)
        .outerjoin(CoachAllocation, CoachAllocation.team_id == RosterTeam.team_id)
        .order_by(RosterTeam.organisation_name, RosterTeam.team_name, RosterTeam.team_id)
    )
    if cohort_id is not None:
        query = query.where(RosterTeam.cohort_id == cohort_id)
    if organisation_id is not None:
        query = query.where(RosterTeam.organisation_id == organisation_id)
    query = only_readable(query, RosterTeam.team_id, user, cohort_id=cohort_id)
    return [(team, allocation) for team, allocation in (await session.execute(query)).all()]


async def cohorts(
    session: AsyncSession, cohort_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Cohort]:
    if not cohort_ids:
        return {}
    found = await session.scalars(select(Cohort).where(Cohort.id.in_(cohort_ids)))
    return {cohort.id: cohort for cohort in found.all()}


async def programmes(
    session: AsyncSession, cohort_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[ProgrammeSession]]:
    """Every session of the cohorts given, in time order, per cohort."""
    result: dict[uuid.UUID, list[ProgrammeSession]] = defaultdict(list)
    if cohort_ids:
        rows = await session.scalars(
            select(ProgrammeSession)
            .where(ProgrammeSession.cohort_id.in_(cohort_ids))
            .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
        )
        for row in rows.all():
            result[row.cohort_id].append(row)
    return result


async def marks(
    session: AsyncSession, team_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, dict[uuid.UUID, Attendance]]:
    """Every attendance record of the teams given: team → session → record."""
    result: dict[uuid.UUID, dict[uuid.UUID, Attendance]] = defaultdict(dict)
    if team_ids:
        records = await session.scalars(select(Attendance).where(Attendance.team_id.in_(team_ids)))
        for record in records.all():
            result[record.team_id][record.session_id] = record
    return result
