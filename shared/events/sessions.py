"""Events recorded by the sessions service (stream SESSIONS, subjects ``sessions.>``).

Times are UTC (timezone-aware); consumers show them in Europe/London. A session's ``sequence``
is the iCalendar SEQUENCE: it rises on every change of time, mode, venue, join link or status.

``join_url`` and ``venue`` are what the session shows: its own, else its cohort's default, and
only where its mode uses them (a join link for virtual and hybrid sessions, a venue for in-person
and hybrid ones). A change of the cohort's default records ``sessions.session.rescheduled`` for
every session still to come whose join link or venue it changes, so a consumer that keeps a copy
(reminders 7 days and 1 day before) always has the details to send.
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
    """A scheduled session changed time, mode, venue or join link (as it shows them: a change of
    its cohort's default join link or venue is one too); ``changed`` names what changed."""

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
    ends_at: datetime | None = None  # UTC
    mode: SessionMode | None = None


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
    roles: list[str]  # categories of staff present (e.g. "project_lead"), never names
    # True when the team was not marked and the closing of the session's register counted it
    # absent (rather than someone recording it absent).
    counted_absent_at_close: bool = False


class TeamDisengaged(DomainEvent):
    """A team missed two consecutive learning sets; recorded once per run of misses."""

    subject: ClassVar[str] = "sessions.team.disengaged"

    cohort_id: uuid.UUID
    team_id: uuid.UUID
    organisation_id: uuid.UUID | None = None
    coach_id: uuid.UUID | None = None
    missed_session_ids: list[uuid.UUID]
    last_missed_on: date  # Europe/London date of the latest missed learning set


class PlaceConfirmed(DomainEvent):
    """A team's places at an in-person or hybrid session are confirmed: at registration, or
    later from the waiting list (``from_waiting_list``) when places freed up."""

    subject: ClassVar[str] = "sessions.place.confirmed"

    session_id: uuid.UUID
    cohort_id: uuid.UUID
    team_id: uuid.UUID
    organisation_id: uuid.UUID
    places: int
    from_waiting_list: bool
    kind: SessionKind
    title: str
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    mode: SessionMode
    venue: str | None = None
    join_url: str | None = None
    sequence: int


class PlaceWaitlisted(DomainEvent):
    """A team's registration is on a session's waiting list: when it was made, or because a
    confirmed place was lost (a smaller capacity). ``position`` 1 is the next to be confirmed."""

    subject: ClassVar[str] = "sessions.place.waitlisted"

    session_id: uuid.UUID
    cohort_id: uuid.UUID
    team_id: uuid.UUID
    organisation_id: uuid.UUID
    places: int
    position: int
    was_confirmed: bool  # True: the team had these places confirmed before
    kind: SessionKind
    title: str
    starts_at: datetime  # UTC
