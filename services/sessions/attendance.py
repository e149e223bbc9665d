"""Attendance at sessions, and the engagement it shows.

Coordinators and a team's coach record (or correct) a team's attendance once the session has
started, one team at a time here or a whole register at once (``registers.py``). Each record may
complete a run of two or more missed learning sets, which is recorded once as
``sessions.team.disengaged`` (``rules/engagement.py``). Engagement is attended over held so far,
with the current run of misses.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions import rosters
from services.sessions.models import Attendance, Disengagement, ProgrammeSession, RosterTeam
from services.sessions.rules.engagement import Engagement, Outcome, engagement, miss_runs
from services.sessions.rules.schedule import after_withdrawal
from services.sessions.store import attendance as store
from services.sessions.store.access import readable_session, readable_team
from services.sessions.store.programme import get_session
from services.sessions.store.rosters import coach_of
from shared.auth import Principal, Role
from shared.clock import uk_date
from shared.errors import Conflict, Forbidden, NotFound
from shared.events import DomainEvent
from shared.events.sessions import AttendanceRecorded, TeamDisengaged
from shared.fields import RequestModel
from shared.outbox import record_event

NOT_ON_COHORT = "no such team on this session's cohort"

# Who came, by category (never by name).
AttendeeRole = Literal[
    "project_lead",
    "senior_sponsor",
    "clinical_staff",
    "non_clinical_staff",
    "manager",
    "service_user",
    "carer",
    "other",
]


class AttendanceRecord(RequestModel):
    """A team's attendance at one session: present (with how many and which roles) or absent."""

    team_id: uuid.UUID
    attended: bool = Field(strict=True)
    attendees: int = Field(default=0, ge=0, le=500, strict=True)
    roles: list[AttendeeRole] = Field(default_factory=list, max_length=8)

    @model_validator(mode="after")
    def _consistent(self) -> AttendanceRecord:
        if self.attended and self.attendees < 1:
            raise ValueError("a team that attended had at least one attendee")
        if not self.attended and (self.attendees or self.roles):
            raise ValueError("a team that did not attend has no attendees or roles")
        return self


@dataclass(frozen=True)
class Recorded:
    """An attendance record with its session; ``created``: the first record, not a correction."""

    record: Attendance
    session: ProgrammeSession
    created: bool


async def _announce(
    session: AsyncSession, team: RosterTeam, event_type: type[DomainEvent], **data: Any
) -> None:
    """Record an event about the team (its cohort, id and organisation, where the event names
    them, and ``data``), once the rows it speaks of are written."""
    await session.flush()
    about = {
        "cohort_id": team.cohort_id,
        "team_id": team.team_id,
        "organisation_id": team.organisation_id,
    }
    fields = event_type.model_fields
    event = event_type(**{k: v for k, v in about.items() if k in fields}, **data)
    await record_event(session, event, subject=str(team.team_id))


def check_taking_attendance(row: ProgrammeSession, *, now: datetime) -> None:
    """Attendance is taken at sessions that happened: started and not cancelled."""
    if row.status == "cancelled":
        raise Conflict("the session was cancelled")
    if row.starts_at > now:
        raise Conflict("attendance is recorded once the session has started")


def check_team_expected(row: ProgrammeSession, team: RosterTeam) -> None:
    if team.cohort_id != row.cohort_id:
        raise NotFound(NOT_ON_COHORT)
    if team.status == "withdrawn" and after_withdrawal(row.starts_at, team.withdrawn_on):
        raise Conflict("the team had withdrawn before this session")


async def write_mark(
    session: AsyncSession,
    *,
    row: ProgrammeSession,
    team: RosterTeam,
    mark: AttendanceRecord,
    counted_absent_at_close: bool = False,
    by: str,
    now: datetime,
) -> Recorded:
    """Record (or correct) one team's attendance at a session, and say so in an event."""
    record = await store.attendance_record(session, session_id=row.id, team_id=team.team_id)
    created = record is None
    if record is None:
        record = Attendance(id=uuid.uuid4(), session_id=row.id, team_id=team.team_id)
        session.add(record)
    record.attended = mark.attended
    record.attendees = mark.attendees
    record.roles = sorted(set(mark.roles))
    record.counted_absent_at_close = counted_absent_at_close
    record.recorded_by = by
    record.recorded_at = now
    await _announce(
        session,
        team,
        AttendanceRecorded,
        session_id=row.id,
        kind=row.kind,
        session_starts_at=row.starts_at,
        attended=record.attended,
        attendees=record.attendees,
        roles=list(record.roles),
        counted_absent_at_close=counted_absent_at_close,
    )
    return Recorded(record, row, created)


async def record_attendance(
    session: AsyncSession,
    *,
    session_id: uuid.UUID,
    mark: AttendanceRecord,
    user: Principal,
    now: datetime,
) -> Recorded:
    """Record (or correct) a team's attendance at a session."""
    row = await get_session(session, session_id)
    if row is None:
        raise NotFound("no such session")
    # Another coach's team is not this coach's to see: 404, as for any unknown team.
    team = await readable_team(session, user, mark.team_id, missing=NOT_ON_COHORT)
    if team.cohort_id != row.cohort_id:
        raise NotFound(NOT_ON_COHORT)
    if user.role not in (Role.coordinator, Role.coach):
        raise Forbidden("only coordinators and coaches record attendance")
    check_taking_attendance(row, now=now)
    check_team_expected(row, team)
    recorded = await write_mark(session, row=row, team=team, mark=mark, by=user.subject, now=now)
    await flag_disengagement(session, team=team, now=now)
    return recorded


def team_outcomes(
    team: RosterTeam, rows: Iterable[tuple[ProgrammeSession, bool | None]]
) -> list[Outcome]:
    """The team's cohort programme up to its withdrawal, with the team's attendance."""
    return [
        Outcome(
            session_id=row.id,
            kind=row.kind,
            starts_at=row.starts_at,
            cancelled=row.status == "cancelled",
            attended=attended,
        )
        for row, attended in rows
        if not after_withdrawal(row.starts_at, team.withdrawn_on)
    ]


async def _outcomes(session: AsyncSession, team: RosterTeam) -> list[Outcome]:
    return team_outcomes(team, await store.programme_attended(session, team))


async def flag_disengagement(session: AsyncSession, *, team: RosterTeam, now: datetime) -> None:
    """Record ``sessions.team.disengaged`` once for every run of two or more missed sets (for a
    team still on the programme)."""
    if team.status != "active":
        return
    runs = miss_runs(await _outcomes(session, team), now)
    if not runs:
        return
    known = await store.disengagement_keys(session, team.team_id)
    coach_id = await coach_of(session, team.team_id)
    for run in runs:
        if run.key in known:
            continue
        session.add(
            Disengagement(
                id=uuid.uuid4(),
                cohort_id=team.cohort_id,
                team_id=team.team_id,
                run_key=run.key,
                missed_session_ids=[str(i) for i in run.session_ids],
                flagged_at=now,
            )
        )
        await _announce(
            session,
            team,
            TeamDisengaged,
            coach_id=coach_id,
            missed_session_ids=list(run.session_ids),
            last_missed_on=uk_date(run.last_missed_at),
        )


async def session_attendance(
    session: AsyncSession, *, session_id: uuid.UUID, user: Principal
) -> list[Recorded]:
    row = await readable_session(session, user, session_id)
    records = await store.session_attendance(session, user, row)
    return [Recorded(record, row, created=False) for record in records]


async def team_attendance(
    session: AsyncSession, *, team_id: uuid.UUID, user: Principal
) -> list[Recorded]:
    await readable_team(session, user, team_id)
    found = await store.team_attendance(session, team_id)
    return [Recorded(record, row, created=False) for record, row in found]


@dataclass(frozen=True)
class TeamEngagement:
    """A team's engagement so far, with every disengagement recorded for it."""

    team: RosterTeam
    coach_id: uuid.UUID | None
    engagement: Engagement
    disengagements: Sequence[Disengagement]


async def _engagement_of(
    session: AsyncSession, team: RosterTeam, *, coach_id: uuid.UUID | None, now: datetime
) -> TeamEngagement:
    return TeamEngagement(
        team=team,
        coach_id=coach_id,
        engagement=engagement(await _outcomes(session, team), now),
        disengagements=await store.disengagements(session, team.team_id),
    )


async def team_engagement(
    session: AsyncSession, *, team_id: uuid.UUID, user: Principal, now: datetime
) -> TeamEngagement:
    team = await readable_team(session, user, team_id)
    coach_id = await coach_of(session, team.team_id)
    return await _engagement_of(session, team, coach_id=coach_id, now=now)


async def cohort_engagement(
    session: AsyncSession,
    *,
    cohort_id: uuid.UUID,
    user: Principal,
    include_withdrawn: bool,
    now: datetime,
) -> list[TeamEngagement]:
    entries = await rosters.roster(
        session, cohort_id=cohort_id, user=user, include_withdrawn=include_withdrawn
    )
    return [
        await _engagement_of(session, entry.team, coach_id=entry.coach_id, now=now)
        for entry in entries
    ]
