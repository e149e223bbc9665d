"""A session's register: every team expected at it, marked present or absent in one request.

The teams expected at a session are its cohort's roster teams that were on the programme that
day (not withdrawn before it). Coordinators and coaches mark teams (coaches their own teams);
a coordinator closes the register, and every expected team still not marked then counts as
absent (``counted_absent_at_close``), so a coordinator who records only the teams present still
sees a team that stopped coming flagged (``rules/engagement.py``). Marks may still be corrected
after closing; closing again changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions.attendance import (
    NOT_ON_COHORT,
    AttendanceRecord,
    check_taking_attendance,
    check_team_expected,
    flag_disengagement,
    write_mark,
)
from services.sessions.models import Attendance, ProgrammeSession, RosterTeam
from services.sessions.rules.schedule import after_withdrawal
from services.sessions.store import attendance as store
from services.sessions.store.access import readable_session, readable_team
from services.sessions.store.programme import get_session
from services.sessions.store.rosters import roster
from shared.auth import Principal, Role
from shared.errors import Forbidden
from shared.fields import RequestModel

MAX_MARKS = 500  # far more teams than a cohort has (about 35)


class RegisterMarks(RequestModel):
    """Marks for many teams at once; ``close`` (coordinators) then counts the rest absent."""

    marks: list[AttendanceRecord] = Field(default_factory=list, max_length=MAX_MARKS)
    close: bool = Field(default=False, strict=True)

    @model_validator(mode="after")
    def _each_team_once(self) -> RegisterMarks:
        teams = [m.team_id for m in self.marks]
        if len(set(teams)) != len(teams):
            raise ValueError("each team is marked once per request")
        return self


@dataclass(frozen=True)
class RegisterLine:
    team: RosterTeam
    record: Attendance | None  # None: not marked yet

    @property
    def mark(self) -> str:
        if self.record is None:
            return "unmarked"
        return "present" if self.record.attended else "absent"


@dataclass(frozen=True)
class Register:
    session: ProgrammeSession
    lines: list[RegisterLine]


def _expected(row: ProgrammeSession, team: RosterTeam) -> bool:
    return not after_withdrawal(row.starts_at, team.withdrawn_on)


async def _register(
    session: AsyncSession, row: ProgrammeSession, user: Principal
) -> list[RegisterLine]:
    """The expected teams ``user`` may read, by name, each with its record if marked."""
    teams = [
        team
        for team, _coach in await roster(
            session, user, cohort_id=row.cohort_id, include_withdrawn=True
        )
        if _expected(row, team)
    ]
    records = {r.team_id: r for r in await store.session_attendance(session, user, row)}
    return [RegisterLine(team, records.get(team.team_id)) for team in teams]


async def get_register(
    session: AsyncSession, *, session_id: uuid.UUID, user: Principal
) -> Register:
    row = await readable_session(session, user, session_id)
    return Register(row, await _register(session, row, user))


async def mark_register(
    session: AsyncSession,
    *,
    session_id: uuid.UUID,
    data: RegisterMarks,
    user: Principal,
    now: datetime,
) -> Register:
    """Mark every team given (all or none), then close the register if asked."""
    row = await readable_session(session, user, session_id)
    await get_session(session, row.id, lock=True)  # marks and closing of one register in turn
    if data.close and user.role is not Role.coordinator:
        raise Forbidden("only coordinators close a register")
    check_taking_attendance(row, now=now)
    touched: dict[uuid.UUID, RosterTeam] = {}
    for mark in data.marks:
        team = await readable_team(session, user, mark.team_id, missing=NOT_ON_COHORT)
        check_team_expected(row, team)
        await write_mark(session, row=row, team=team, mark=mark, by=user.subject, now=now)
        touched[team.team_id] = team
    if data.close and row.register_closed_at is None:
        row.register_closed_at = now
        row.register_closed_by = user.subject
        for line in await _register(session, row, user):
            if line.record is None:
                absent = AttendanceRecord(team_id=line.team.team_id, attended=False)
                await write_mark(
                    session,
                    row=row,
                    team=line.team,
                    mark=absent,
                    counted_absent_at_close=True,
                    by=user.subject,
                    now=now,
                )
                touched[line.team.team_id] = line.team
    for team in touched.values():
        await flag_disengagement(session, team=team, now=now)
    return Register(row, await _register(session, row, user))
