"""Answers about teams: rosters, attendance, registers and engagement."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel

from services.sessions.attendance import Recorded, TeamEngagement
from services.sessions.registers import Register, RegisterLine
from services.sessions.rosters import RosterEntry
from services.sessions.rules.schedule import SessionKind
from services.sessions.schemas.base import LondonOut, Out, attributes, engagement_fields

Mark = Literal["present", "absent", "unmarked"]
MARKS: tuple[Mark, ...] = ("present", "absent", "unmarked")


class AttendanceOut(Out):
    session_id: uuid.UUID
    team_id: uuid.UUID
    attended: bool
    attendees: int
    roles: list[str]
    counted_absent_at_close: bool = False
    recorded_by: str
    recorded_at: LondonOut
    session_kind: SessionKind | None = None
    session_starts_at: LondonOut | None = None

    @classmethod
    def build(cls, recorded: Recorded) -> AttendanceOut:
        out = cls.model_validate(recorded.record)
        row = recorded.session
        return out.model_copy(update={"session_kind": row.kind, "session_starts_at": row.starts_at})


class RegisterLineOut(BaseModel):
    team_id: uuid.UUID
    team_name: str
    organisation_id: uuid.UUID
    organisation_name: str
    mark: Mark
    attendees: int | None = None
    roles: list[str] = []
    counted_absent_at_close: bool = False

    @classmethod
    def build(cls, line: RegisterLine) -> RegisterLineOut:
        marked = attributes(line.record, cls) if line.record else {}
        return cls.model_validate({**attributes(line.team, cls), **marked, "mark": line.mark})


class RegisterOut(BaseModel):
    session_id: uuid.UUID
    kind: SessionKind
    title: str
    starts_at: LondonOut
    closed_at: LondonOut | None
    present: int
    absent: int
    unmarked: int
    teams: list[RegisterLineOut]

    @classmethod
    def build(cls, register: Register) -> RegisterOut:
        row = register.session
        lines = [RegisterLineOut.build(line) for line in register.lines]
        counts = {mark: sum(1 for line in lines if line.mark == mark) for mark in MARKS}
        return cls.model_validate(
            {
                "session_id": row.id,
                "kind": row.kind,
                "title": row.title,
                "starts_at": row.starts_at,
                "closed_at": row.register_closed_at,
                **counts,
                "teams": lines,
            }
        )


class RosterTeamOut(Out):
    team_id: uuid.UUID
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    team_name: str
    setting: str
    status: Literal["active", "withdrawn"]
    withdrawn_on: date | None
    coach_id: uuid.UUID | None = None
    coach_name: str | None = None

    @classmethod
    def build(cls, entry: RosterEntry) -> RosterTeamOut:
        out = cls.model_validate(entry.team)
        if entry.allocation is None:
            return out
        coach = {"coach_id": entry.allocation.coach_id, "coach_name": entry.allocation.coach_name}
        return out.model_copy(update=coach)


class DisengagementOut(Out):
    run_key: uuid.UUID
    missed_session_ids: list[uuid.UUID]
    flagged_at: LondonOut


class EngagementFields(BaseModel):
    """A team's engagement so far (``rules/engagement.py``)."""

    sessions_held: int
    sessions_attended: int
    attendance_rate: float | None
    missed_learning_sets_in_a_row: int
    disengaged: bool
    clinics_held: int
    clinics_attended: int


class EngagementOut(EngagementFields):
    team_id: uuid.UUID
    cohort_id: uuid.UUID
    team_name: str
    status: str
    coach_id: uuid.UUID | None
    disengagements: list[DisengagementOut]

    @classmethod
    def build(cls, found: TeamEngagement) -> EngagementOut:
        return cls.model_validate(
            {
                **attributes(found.team, cls),
                **engagement_fields(found.engagement),
                "coach_id": found.coach_id,
                "disengagements": [
                    DisengagementOut.model_validate(d) for d in found.disengagements
                ],
            }
        )
