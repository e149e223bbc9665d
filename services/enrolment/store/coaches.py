"""Coach rows and the statements of a confirmation: coach places (rows locked in id order, so two
confirmations never both take a coach's last place), every coach's load, the organisations'
counts in the cohort, and the compare-and-set that confirms one team. The statements are built
once from the table definitions."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    Table,
    Uuid,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from services.enrolment import allocation
from services.enrolment.models import Coach, Team
from services.enrolment.rules import TeamStatus

_team: Table = Team.__table__  # type: ignore[assignment]

_LOADS = (
    select(
        literal(0, Integer),
        Team.coach_id,
        cast(null(), Uuid).label("organisation_id"),
        func.count(),
    )
    .where(Team.status == TeamStatus.CONFIRMED.value, Team.coach_id.is_not(None))
    .group_by(Team.coach_id)
)
_IN_COHORT = (
    Team.cohort_id == bindparam("cohort_id"),
    Team.organisation_id.in_(bindparam("organisation_ids", expanding=True)),
)
# Every coach's load (tag 0); for the organisations being confirmed, their teams per coach in
# the cohort (tag 1) and their confirmed teams in the cohort (tag 2): one statement.
_LOADS_AND_COUNTS = union_all(
    _LOADS,
    select(literal(1, Integer), Team.coach_id, Team.organisation_id, func.count())
    .where(*_IN_COHORT, Team.status == TeamStatus.CONFIRMED.value, Team.coach_id.is_not(None))
    .group_by(Team.coach_id, Team.organisation_id),
    select(literal(2, Integer), cast(null(), Uuid), Team.organisation_id, func.count())
    .where(*_IN_COHORT, Team.confirmed_at.is_not(None))
    .group_by(Team.organisation_id),
)
_LOCK_COACHES = select(Coach).order_by(Coach.id).with_for_update()
# Compare-and-set: a team already confirmed by someone else is never confirmed again.
_CONFIRM_TEAM = (
    update(_team)
    .where(
        _team.c.id == bindparam("p_team_id"),
        _team.c.status.in_([TeamStatus.SUBMITTED.value, TeamStatus.ACCEPTED.value]),
    )
    .values(
        status=TeamStatus.CONFIRMED.value,
        confirmed_at=bindparam("p_now"),
        decided_at=func.coalesce(_team.c.decided_at, bindparam("p_now")),
        organisation_team_count=bindparam("p_count"),
        coach_id=bindparam("p_coach_id"),
    )
)


async def coach_loads(session: AsyncSession) -> dict[uuid.UUID, int]:
    """Confirmed teams per coach, across cohorts (a withdrawn team frees its place)."""
    rows = await session.execute(_LOADS)
    return {coach_id: int(n) for _kind, coach_id, _org, n in rows.all() if coach_id is not None}


@dataclass(frozen=True)
class CoachPlaces:
    """What allocation needs, read once the coach rows are locked: every coach with their load
    (and, per coach, the teams of the organisations asked about in the cohort), and those
    organisations' teams ever confirmed in the cohort."""

    coaches: dict[uuid.UUID, Coach]
    loads: list[allocation.CoachLoad]
    confirmed_before: Counter[uuid.UUID]


async def lock_coach_places(
    session: AsyncSession, cohort_id: uuid.UUID, organisation_ids: Collection[uuid.UUID] = ()
) -> CoachPlaces:
    """Every coach, rows locked in id order (no deadlocks), then the counts in one UNION ALL
    (rows tagged 0/1/2; only the loads when no organisation is asked about)."""
    coaches: Sequence[Coach] = (await session.scalars(_LOCK_COACHES)).all()
    if organisation_ids:
        query: Any = _LOADS_AND_COUNTS
        params = {"cohort_id": cohort_id, "organisation_ids": list(organisation_ids)}
    else:
        query, params = _LOADS, {}
    loads: dict[uuid.UUID, int] = {}
    by_coach: dict[uuid.UUID, Counter[uuid.UUID]] = {}
    confirmed_before: Counter[uuid.UUID] = Counter()
    for kind, coach_id, org_id, n in (await session.execute(query, params)).all():
        if kind == 0:
            loads[coach_id] = int(n)
        elif kind == 1:
            by_coach.setdefault(coach_id, Counter())[org_id] = int(n)
        else:
            confirmed_before[org_id] = int(n)
    return CoachPlaces(
        coaches={c.id: c for c in coaches},
        loads=[
            allocation.CoachLoad(
                coach_id=c.id,
                name=c.name,
                capacity=c.capacity,
                load=loads.get(c.id, 0),
                organisations=by_coach.get(c.id, Counter()),
            )
            for c in coaches
        ],
        confirmed_before=confirmed_before,
    )


async def mark_confirmed(
    session: AsyncSession,
    team: Team,
    *,
    organisation_team_count: int,
    coach: Coach | None,
    now: datetime,
) -> bool:
    """Confirm a locked team unless someone else did (compare-and-set); True when this call
    confirmed it. The row is locked by us: what the UPDATE wrote is known, so no reload."""
    moved = await session.execute(
        _CONFIRM_TEAM,
        {
            "p_team_id": team.id,
            "p_now": now,
            "p_count": organisation_team_count,
            "p_coach_id": coach.id if coach else None,
        },
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    for key, value in (
        ("status", TeamStatus.CONFIRMED.value),
        ("confirmed_at", now),
        ("decided_at", team.decided_at or now),
        ("organisation_team_count", organisation_team_count),
        ("coach_id", coach.id if coach else None),
        ("coach", coach),
    ):
        set_committed_value(team, key, value)
    return True


async def coach_with_email(session: AsyncSession, email: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await session.scalar(select(Coach.id).where(Coach.email == email))
    return found


async def coaches(session: AsyncSession) -> Sequence[Coach]:
    """Every coach, by name."""
    return (await session.scalars(select(Coach).order_by(Coach.name, Coach.id))).all()
