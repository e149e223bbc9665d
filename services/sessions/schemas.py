"""Request and response models of the sessions API.

Times are entered and shown in Europe/London: a time without an offset is UK local time, a time
with an offset is converted; answers carry the UK offset of the day (+00:00 or +01:00).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    PlainSerializer,
    model_validator,
)

from services.sessions.schedule import LONDON

SessionKind = Literal["learning_session", "learning_set", "clinic"]
SessionMode = Literal["virtual", "in_person", "hybrid"]
SessionStatus = Literal["scheduled", "cancelled"]
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


def _as_london(value: datetime) -> datetime:
    """Naive input is UK wall-clock time; aware input keeps its instant."""
    if not 2000 <= value.year <= 2100:
        # Far-off years overflow the UK/UTC conversion (a 500 otherwise).
        raise ValueError("must fall between the years 2000 and 2100")
    if value.tzinfo is None:
        return value.replace(tzinfo=LONDON)
    return value.astimezone(LONDON)


def _iso_text(pattern: re.Pattern[str], example: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        # ISO 8601 text only: pydantic would otherwise read numbers as Unix timestamps.
        if isinstance(value, int | float) or (isinstance(value, str) and not pattern.match(value)):
            raise ValueError(f"must be ISO 8601, e.g. {example}")
        return value

    return check


_iso_datetime = _iso_text(re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"), "2021-01-04T10:00:00")

LondonIn = Annotated[datetime, BeforeValidator(_iso_datetime), AfterValidator(_as_london)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]
LondonOut = Annotated[
    datetime, PlainSerializer(lambda v: v.astimezone(LONDON).isoformat(), return_type=str)
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SessionCreate(_In):
    kind: SessionKind
    title: str = Field(min_length=1, max_length=200)
    starts_at: LondonIn
    ends_at: LondonIn
    mode: SessionMode = "virtual"
    join_url: HttpUrl | None = None
    venue: str | None = Field(default=None, min_length=1, max_length=500)
    capacity: int | None = Field(default=None, ge=1, le=10_000, strict=True)
    notes: str | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _times(self) -> SessionCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class SessionUpdate(_In):
    """Only the fields given change; ``null`` clears join_url, venue, capacity or notes."""

    kind: SessionKind | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    starts_at: LondonIn | None = None
    ends_at: LondonIn | None = None
    mode: SessionMode | None = None
    join_url: HttpUrl | None = None
    venue: str | None = Field(default=None, min_length=1, max_length=500)
    capacity: int | None = Field(default=None, ge=1, le=10_000, strict=True)
    notes: str | None = Field(default=None, max_length=4000)


class SessionCancel(_In):
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


class PlaceRegister(_In):
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


class PlacesOut(BaseModel):
    session_id: uuid.UUID
    capacity: int | None
    places_confirmed: int
    confirmed: list[PlaceOut]
    waiting_list: list[PlaceOut]


class AttendanceRecord(_In):
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


class FeedTokenCreate(_In):
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


class SessionFilters(BaseModel):
    kind: SessionKind | None = None
    status: SessionStatus | None = None
    mode: SessionMode | None = None
    starts_from: IsoDateTime | None = None
    starts_before: IsoDateTime | None = None
