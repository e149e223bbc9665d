"""Tables of the sessions service.

Cohorts and roster teams are this service's own copies of what enrolment announced; nothing here
reads another service's tables. Every time is stored in UTC (``UTCDateTime`` makes SQLite give
back aware datetimes too).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import ServiceBase, UTCDateTime, new_metadata


class Base(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


class Cohort(Base):
    """A cohort as announced by enrolment; ``status`` is ``enrolling``, ``confirmed`` or ``cancelled``."""

    __tablename__ = "cohort"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    lead_in_months: Mapped[int] = mapped_column(Integer)
    coaching_months: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    drafted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Joining details every session of the cohort shows unless it has its own (rules/modes.py).
    default_join_url: Mapped[str | None] = mapped_column(String(500))
    default_venue: Mapped[str | None] = mapped_column(String(500))


class ProgrammeSession(Base):
    """A learning session, learning set or clinic of one cohort.

    ``sequence`` is the iCalendar SEQUENCE: it rises when time, mode, venue, join link or status
    change. ``draft_key`` (e.g. ``learning_set:3``) marks a drafted session so that drafting the
    same cohort again creates nothing.
    """

    __tablename__ = "programme_session"
    __table_args__ = (UniqueConstraint("cohort_id", "draft_key"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohort.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mode: Mapped[str] = mapped_column(String(20))
    join_url: Mapped[str | None] = mapped_column(String(500))
    venue: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    sequence: Mapped[int] = mapped_column(Integer)
    draft_key: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A closed register is complete: every team expected and not marked counts as absent.
    register_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    register_closed_by: Mapped[str | None] = mapped_column(String(200))


class RosterTeam(Base):
    """A confirmed team on its cohort's roster; ``status`` is ``active`` or ``withdrawn``."""

    __tablename__ = "roster_team"

    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohort.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organisation_name: Mapped[str] = mapped_column(String(200))
    team_name: Mapped[str] = mapped_column(String(200))
    setting: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(String(500))
    # Rises on every withdrawal and return, so the team's own feed raises every SEQUENCE with it.
    feed_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    feed_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CoachAllocation(Base):
    """The coach currently allocated to a team (kept even if it arrives before the team)."""

    __tablename__ = "coach_allocation"

    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    coach_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    coach_name: Mapped[str | None] = mapped_column(String(200))
    # Only a digest of the coach's e-mail (shared.erasure.email_digest): enough to find the row
    # when the coach is erased, without keeping the address itself.
    coach_email_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Place(Base):
    """Places a team registered at an in-person or hybrid session.

    ``status``: ``confirmed``, ``waitlisted`` or ``released``. ``queue_number`` orders the
    waiting list (first come, first served).
    """

    __tablename__ = "place"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_session.id"), index=True)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    places: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    queue_number: Mapped[int] = mapped_column(Integer)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_by: Mapped[str] = mapped_column(String(200))
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Attendance(Base):
    """A team's attendance at one session (recorded once, corrected in place)."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "team_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_session.id"), index=True)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    attended: Mapped[bool] = mapped_column(Boolean)
    attendees: Mapped[int] = mapped_column(Integer)
    roles: Mapped[list[str]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Not marked when the register was closed, so counted absent (not a coach's observation).
    counted_absent_at_close: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class Disengagement(Base):
    """One run of at least two consecutive missed learning sets; ``run_key`` is its first miss."""

    __tablename__ = "disengagement"
    __table_args__ = (UniqueConstraint("team_id", "run_key"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    run_key: Mapped[uuid.UUID] = mapped_column(Uuid)
    missed_session_ids: Mapped[list[str]] = mapped_column(JSON)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SessionMaterial(Base):
    """A titled link (slides, a recording, a resource) for one session, shown to its cohort."""

    __tablename__ = "session_material"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_session.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "slides", "recording" or "resource"
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000))
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedToken(Base):
    """A secret, revocable token for subscribing to a calendar feed; only its hash is stored."""

    __tablename__ = "feed_token"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(10))  # "cohort" or "team"
    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    label: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


__all__ = [
    "Attendance",
    "Base",
    "CoachAllocation",
    "Cohort",
    "Disengagement",
    "FeedToken",
    "Place",
    "ProgrammeSession",
    "RosterTeam",
    "SessionMaterial",
    "UTCDateTime",
]
