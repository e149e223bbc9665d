"""Request and response models of the sessions API, each response built in one place.

Times are entered and shown in Europe/London: a time without an offset is UK local time, a time
with an offset is converted; answers carry the UK offset of the day (+00:00 or +01:00). The
request models of the programme live beside its use cases (``programme.py``) and are reused here.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator

from services.sessions.attendance import Recorded, TeamEngagement
from services.sessions.calendar import feed_path
from services.sessions.models import FeedToken, Place
from services.sessions.places import PlacesView
from services.sessions.programme import SessionCreate as SessionCreate
from services.sessions.programme import SessionFilters as SessionFilters
from services.sessions.programme import SessionUpdate as SessionUpdate
from services.sessions.programme import SessionView
from services.sessions.rosters import RosterEntry
from services.sessions.rules.schedule import SessionKind, SessionMode, SessionStatus
from shared.clock import LONDON
from shared.fields import RequestModel

Role = Literal[
    "project_lead",
    "senior_sponsor",
    "clinical_staff",
    "non_clinical_staff",
    "manager",
    "service_user",
    "carer",
    "other",
]

LondonOut = Annotated[
    datetime, PlainSerializer(lambda v: v.astimezone(LONDON).isoformat(), return_type=str)
]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SessionCancel(RequestModel):
    reason: str | None = Field(default=None, max_length=500)


class SessionOut(_Out):
    id: uuid.UUID
    cohort_id: uuid.UUID
    kind: SessionKind
    title: str
    starts_at: LondonOut
    ends_at: LondonOut
    mode: SessionMode
    join_url: str | None
    venue: str | None
    capacity: int | None
    notes: str | None
    status: SessionStatus
    cancel_reason: str | None
    sequence: int
    drafted: bool
    places_confirmed: int | None = None  # people with confirmed places (in person / hybrid)
    places_waitlisted: int | None = None

    @classmethod
    def build(cls, view: SessionView) -> SessionOut:
        row = view.row
        return cls.model_validate(
            {
                **{name: getattr(row, name) for name in cls.model_fields if hasattr(row, name)},
                "drafted": row.draft_key is not None,
                "places_confirmed": view.places_confirmed,
                "places_waitlisted": view.places_waitlisted,
            }
        )


class PlaceRegister(RequestModel):
    team_id: uuid.UUID
    places: int = Field(ge=1, le=200, strict=True, description="Number of people from the team")


class PlaceOut(_Out):
    id: uuid.UUID
    session_id: uuid.UUID
    team_id: uuid.UUID
    places: int
    status: Literal["confirmed", "waitlisted", "released"]
    waiting_position: int | None = None  # 1 = next to be promoted
    registered_at: LondonOut
    promoted_at: LondonOut | None
    released_at: LondonOut | None

    @classmethod
    def build(cls, place: Place, position: int | None = None) -> PlaceOut:
        return cls.model_validate(place).model_copy(update={"waiting_position": position})


class PlacesOut(BaseModel):
    session_id: uuid.UUID
    capacity: int | None
    places_confirmed: int
    confirmed: list[PlaceOut]
    waiting_list: list[PlaceOut]

    @classmethod
    def build(cls, found: PlacesView) -> PlacesOut:
        return cls(
            session_id=found.session.id,
            capacity=found.session.capacity,
            places_confirmed=found.places_confirmed,
            confirmed=[PlaceOut.build(p) for p in found.confirmed],
            waiting_list=waiting_list(found),
        )


def waiting_list(found: PlacesView) -> list[PlaceOut]:
    """The waiting list's registrations the caller may see, with their places in it."""
    return [PlaceOut.build(p, position) for p, position in found.waiting]


class AttendanceRecord(RequestModel):
    team_id: uuid.UUID
    attended: bool = Field(strict=True)
    attendees: int = Field(default=0, ge=0, le=500, strict=True)
    roles: list[Role] = Field(default_factory=list, max_length=8)

    @model_validator(mode="after")
    def _consistent(self) -> AttendanceRecord:
        if self.attended and self.attendees < 1:
            raise ValueError("a team that attended had at least one attendee")
        if not self.attended and (self.attendees or self.roles):
            raise ValueError("a team that did not attend has no attendees or roles")
        return self


class AttendanceOut(_Out):
    session_id: uuid.UUID
    team_id: uuid.UUID
    attended: bool
    attendees: int
    roles: list[str]
    recorded_by: str
    recorded_at: LondonOut
    session_kind: SessionKind | None = None
    session_starts_at: LondonOut | None = None

    @classmethod
    def build(cls, recorded: Recorded) -> AttendanceOut:
        out = cls.model_validate(recorded.record)
        row = recorded.session
        return out.model_copy(update={"session_kind": row.kind, "session_starts_at": row.starts_at})


class RosterTeamOut(_Out):
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


class DisengagementOut(_Out):
    run_key: uuid.UUID
    missed_session_ids: list[uuid.UUID]
    flagged_at: LondonOut


class EngagementOut(BaseModel):
    team_id: uuid.UUID
    cohort_id: uuid.UUID
    team_name: str
    status: str
    coach_id: uuid.UUID | None
    sessions_held: int
    sessions_attended: int
    attendance_rate: float | None
    missed_learning_sets_in_a_row: int
    disengaged: bool
    disengagements: list[DisengagementOut]

    @classmethod
    def build(cls, found: TeamEngagement) -> EngagementOut:
        team, so_far = found.team, found.engagement
        return cls(
            team_id=team.team_id,
            cohort_id=team.cohort_id,
            team_name=team.team_name,
            status=team.status,
            coach_id=found.coach_id,
            sessions_held=so_far.held,
            sessions_attended=so_far.attended,
            attendance_rate=so_far.rate,
            missed_learning_sets_in_a_row=so_far.missed_learning_sets_in_a_row,
            disengaged=so_far.disengaged,
            disengagements=[DisengagementOut.model_validate(d) for d in found.disengagements],
        )


class FeedTokenCreate(RequestModel):
    """Exactly one of cohort_id (the cohort's feed) or team_id (a team's feed)."""

    cohort_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    label: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _one_target(self) -> FeedTokenCreate:
        if (self.cohort_id is None) == (self.team_id is None):
            raise ValueError("give exactly one of cohort_id or team_id")
        return self


class FeedTokenOut(_Out):
    id: uuid.UUID
    scope: Literal["cohort", "team"]
    cohort_id: uuid.UUID
    team_id: uuid.UUID | None
    label: str | None
    created_at: LondonOut
    revoked_at: LondonOut | None


class FeedTokenCreated(FeedTokenOut):
    token: str = Field(description="The secret; shown once, only its hash is kept")
    url: str = Field(description="Path of the subscribable feed, token included")

    @classmethod
    def build(cls, token: FeedToken, secret: str) -> FeedTokenCreated:
        out = FeedTokenOut.model_validate(token)
        return cls(**out.model_dump(), token=secret, url=feed_path(token, secret))
