"""Events recorded by the sessions service (stream SESSIONS, subjects ``sessions.>``).

Times are UTC (timezone-aware); consumers show them in Europe/London. A session's ``sequence``
is the iCalendar SEQUENCE: it rises on every change of time, mode, venue or status.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from shared.events.base import DomainEvent

SessionKind = Literal["learning_session", "learning_set", "clinic"]
SessionMode = Literal["virtual", "in_person", "hybrid"]


class SessionScheduled(DomainEvent):
    """A session was put on a cohort's programme (drafted, or added by a coordinator)."""

    subject: ClassVar[str] = "sessions.session.scheduled"

    session_id: uuid.UUID
    cohort_id: uuid.UUID
    kind: SessionKind
    title: str
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    mode: SessionMode
    join_url: str | None = None
    venue: str | None = None
    capacity: int | None = None
    sequence: int
    drafted: bool = False  # True when drafted automatically from enrolment.cohort.confirmed


class SessionRescheduled(DomainEvent):
    """A scheduled session changed time, mode, venue, join link, capacity or title."""

    subject: ClassVar[str] = "sessions.session.rescheduled"

    session_id: uuid.UUID
    cohort_id: uuid.UUID
    kind: SessionKind
    title: str
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    mode: SessionMode
    join_url: str | None = None
    venue: str | None = None
    capacity: int | None = None
    sequence: int
    changed: list[str]  # names of the fields that changed, e.g. ["starts_at", "ends_at"]
    previous_starts_at: datetime  # UTC


class SessionCancelled(DomainEvent):
    subject: ClassVar[str] = "sessions.session.cancelled"

    session_id: uuid.UUID
    cohort_id: uuid.UUID
    kind: SessionKind
    title: str
    starts_at: datetime  # UTC
    sequence: int
    reason: str | None = None


class AttendanceRecorded(DomainEvent):
    """A team's attendance at one session was recorded (or corrected)."""

    subject: ClassVar[str] = "sessions.attendance.recorded"

    session_id: uuid.UUID
    cohort_id: uuid.UUID
    team_id: uuid.UUID
    kind: SessionKind
    session_starts_at: datetime  # UTC
    attended: bool
    attendees: int
    roles: list[str]


class TeamDisengaged(DomainEvent):
    """A team missed two consecutive learning sets; recorded once per run of misses."""

    subject: ClassVar[str] = "sessions.team.disengaged"

    cohort_id: uuid.UUID
    team_id: uuid.UUID
    organisation_id: uuid.UUID | None = None
    coach_id: uuid.UUID | None = None
    missed_session_ids: list[uuid.UUID]
    last_missed_on: date  # Europe/London date of the latest missed learning set
