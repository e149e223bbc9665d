"""Tables of the improvement service.

Cohorts, teams, coach allocations, plan measures and baseline data are this service's own copies
of what enrolment and measurement announced; nothing here reads another service's tables. Times
are stored in UTC (``UTCDateTime``); days (meetings, cycles, scores) are UK dates.

Ideas, impediments, themes, voting rounds, ballots and tallies hold no name, email or subject of
whoever gathered, wrote or voted (see ``README.md``: anonymity).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import ServiceBase, UTCDateTime


class Base(ServiceBase):
    """The improvement service's tables (a metadata and class registry of their own)."""

    __abstract__ = True


# --- learned from enrolment and measurement --------------------------------------------------


class Cohort(Base):
    """A cohort as announced by enrolment; ``status``: ``open``, ``confirmed`` or ``cancelled``."""

    __tablename__ = "cohort"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    lead_in_months: Mapped[int] = mapped_column(Integer)
    coaching_months: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))


class Team(Base):
    """A confirmed team and its project; ``status``: ``active`` or ``withdrawn``. The project lead
    and senior sponsor are enrolment's contacts (``{"name", "email", "job_title"}``)."""

    __tablename__ = "team"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohort.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organisation_name: Mapped[str] = mapped_column(String(300))
    name: Mapped[str] = mapped_column(String(200))
    setting: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    project_lead: Mapped[dict[str, Any]] = mapped_column(JSON)
    senior_sponsor: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)


class CoachAllocation(Base):
    """The coach enrolment allocated to a team (kept apart: it may arrive before the team)."""

    __tablename__ = "coach_allocation"

    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    coach_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    coach_name: Mapped[str | None] = mapped_column(String(200))
    # shared.erasure.email_digest of the coach's address (never the address): how an erasure
    # finds the coach.
    coach_email_digest: Mapped[str | None] = mapped_column(String(64), index=True)


class PlanMeasure(Base):
    """A measure of a cohort's measurement plan (``in_plan`` false once removed)."""

    __tablename__ = "plan_measure"

    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    measure_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    frequency: Mapped[str] = mapped_column(String(40))
    in_plan: Mapped[bool] = mapped_column(Boolean)


class BaselineData(Base):
    """Rows measurement accepted for one team and measure (counts only, never the data)."""

    __tablename__ = "baseline_data"

    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    measure_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    rows: Mapped[int] = mapped_column(Integer)
    first_accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The last batch counted: the same batch announced again is not counted twice.
    last_batch_id: Mapped[uuid.UUID] = mapped_column(Uuid)


# --- project set-up ---------------------------------------------------------------------------


class ProjectMember(Base):
    """A member of a team's project team; ``left_on`` once they leave (kept for meeting logs)."""

    __tablename__ = "project_member"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    is_service_user: Mapped[bool] = mapped_column(Boolean)
    is_data_champion: Mapped[bool] = mapped_column(Boolean)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)


class Aim(Base):
    """A team's aim statement; ``agreed_on`` is cleared whenever the statement changes."""

    __tablename__ = "aim"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"), primary_key=True)
    what: Mapped[str] = mapped_column(Text)
    how_much: Mapped[str] = mapped_column(Text)
    by_when: Mapped[date] = mapped_column(Date)
    for_whom: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer)
    agreed_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- meetings -------------------------------------------------------------------------------


class Meeting(Base):
    __tablename__ = "meeting"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    coach_present: Mapped[bool] = mapped_column(Boolean)
    attendee_member_ids: Mapped[list[str]] = mapped_column(JSON)
    other_attendees: Mapped[list[str]] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text)
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetingAction(Base):
    """An action agreed at a meeting; carried over to later meetings until ``done_on``."""

    __tablename__ = "meeting_action"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"), index=True)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)


class MeetingLapse(Base):
    """A recorded lapse, named by the day it counts from: one row (and one event) per lapse."""

    __tablename__ = "meeting_lapse"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"), primary_key=True)
    since: Mapped[date] = mapped_column(Date, primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- what matters, pebbles in the shoe, multi-voting ----------------------------------------


class Theme(Base):
    __tablename__ = "theme"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)


class Idea(Base):
    """What matters to staff, or a pebble in the shoe (``kind``). Anonymous: the text, the UK
    date it was gathered (no time of day), and what the team did about it."""

    __tablename__ = "idea"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    theme_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("theme.id"))
    status: Mapped[str] = mapped_column(String(30))
    response: Mapped[str | None] = mapped_column(Text)
    gathered_on: Mapped[date] = mapped_column(Date)


class VotingRound(Base):
    __tablename__ = "voting_round"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    votes_per_ballot: Mapped[int] = mapped_column(Integer)
    max_votes_per_idea: Mapped[int] = mapped_column(Integer)
    ballots_issued: Mapped[int] = mapped_column(Integer)
    ballots_cast: Mapped[int] = mapped_column(Integer)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)


class Ballot(Base):
    """A one-time ballot: the hash of its code and whether it was cast. Nothing else: no time,
    no choices, no voter."""

    __tablename__ = "ballot"

    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("voting_round.id"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    used: Mapped[bool] = mapped_column(Boolean)


class VoteTally(Base):
    """The votes one idea has in one round (the round's candidates, in ``position`` order)."""

    __tablename__ = "vote_tally"

    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("voting_round.id"), primary_key=True)
    idea_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("idea.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    votes: Mapped[int] = mapped_column(Integer)


# --- driver diagrams, change ideas, PDSA cycles -----------------------------------------------


class Diagram(Base):
    """A driver diagram: the cohort's change package (``team_id`` null) or one team's own.
    ``owner_key`` (``package:<cohort>`` or ``team:<team>``) keeps one of each."""

    __tablename__ = "diagram"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    owner_key: Mapped[str] = mapped_column(String(60), unique=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohort.id"), index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("team.id"), index=True)
    aim: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Driver(Base):
    """A primary driver (no parent) or a secondary driver (under a primary one). ``origin_id``
    is the package driver a team's driver was started from (its own id otherwise)."""

    __tablename__ = "driver"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    diagram_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("diagram.id"), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("driver.id"))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    component: Mapped[str | None] = mapped_column(String(60))
    origin_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer)


class ChangeIdea(Base):
    """A change idea on a driver. ``origin_id`` names the idea it was copied from (the package's
    or another team's), its own id otherwise: the cohort's library groups ideas by it."""

    __tablename__ = "change_idea"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    diagram_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("diagram.id"), index=True)
    driver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("driver.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    origin_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DiagramVersion(Base):
    """The whole diagram as it stood after each change (JSON, as the API shows it)."""

    __tablename__ = "diagram_version"

    diagram_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("diagram.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    change: Mapped[str] = mapped_column(String(400))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PdsaCycle(Base):
    """One Plan-Do-Study-Act cycle testing one change idea; ``ramp_step`` is its place on the
    idea's ramp. ``status``: ``planned``, ``doing`` or ``completed``."""

    __tablename__ = "pdsa_cycle"
    __table_args__ = (UniqueConstraint("change_idea_id", "ramp_step"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    change_idea_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("change_idea.id"), index=True)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"), index=True)
    ramp_step: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    # Plan
    objective: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[str]] = mapped_column(JSON)
    prediction: Mapped[str] = mapped_column(Text)
    plan_who: Mapped[str | None] = mapped_column(Text)
    plan_what: Mapped[str | None] = mapped_column(Text)
    plan_when: Mapped[str | None] = mapped_column(Text)
    plan_where: Mapped[str | None] = mapped_column(Text)
    measure_keys: Mapped[list[str]] = mapped_column(JSON)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Do
    started_on: Mapped[date | None] = mapped_column(Date)
    what_happened: Mapped[str | None] = mapped_column(Text)
    observations: Mapped[str | None] = mapped_column(Text)
    # Study
    results: Mapped[str | None] = mapped_column(Text)
    against_prediction: Mapped[str | None] = mapped_column(Text)
    learning: Mapped[str | None] = mapped_column(Text)
    # Act
    decision: Mapped[str | None] = mapped_column(String(10))
    next_steps: Mapped[str | None] = mapped_column(Text)
    completed_on: Mapped[date | None] = mapped_column(Date)
    # Shared with the other teams of the cohort (the library), with the team's own summary.
    shared_summary: Mapped[str | None] = mapped_column(Text)


# --- progress scores ------------------------------------------------------------------------


class ProgressScore(Base):
    """Every score set for a team and month, in ``revision`` order: the last is the score."""

    __tablename__ = "progress_score"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    score: Mapped[Decimal] = mapped_column(Numeric(2, 1))
    note: Mapped[str | None] = mapped_column(Text)
    set_by_role: Mapped[str] = mapped_column(String(20))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
