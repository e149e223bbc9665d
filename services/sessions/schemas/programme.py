"""Answers about a cohort's programme: the cohort, its sessions, their places and materials."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from services.sessions.materials import MaterialKind
from services.sessions.models import Place
from services.sessions.places import PlacesView
from services.sessions.programme import SessionView
from services.sessions.rules.schedule import SessionKind, SessionMode, SessionStatus
from services.sessions.schemas.base import LondonOut, Out
from shared.fields import RequestModel


class SessionCancel(RequestModel):
    reason: str | None = Field(default=None, max_length=500)


class CohortOut(Out):
    id: uuid.UUID
    name: str
    start_date: date
    lead_in_months: int
    coaching_months: int
    status: Literal["enrolling", "confirmed", "cancelled"]
    drafted_at: LondonOut | None
    default_join_url: str | None = Field(
        description="The join link of the cohort's virtual and hybrid sessions without their own"
    )
    default_venue: str | None = Field(
        description="The venue of the cohort's in-person and hybrid sessions without their own"
    )


class SessionOut(Out):
    id: uuid.UUID
    cohort_id: uuid.UUID
    kind: SessionKind
    title: str
    starts_at: LondonOut
    ends_at: LondonOut
    mode: SessionMode
    join_url: str | None = Field(description="The session's own join link (overrides the cohort's)")
    venue: str | None = Field(description="The session's own venue (overrides the cohort's)")
    effective_join_url: str | None = Field(
        default=None,
        description="The link people join by: the session's own, else the cohort's default; "
        "null where the mode has none (in person)",
    )
    effective_venue: str | None = Field(
        default=None,
        description="Where people go: the session's own venue, else the cohort's default; "
        "null where the mode has none (virtual)",
    )
    capacity: int | None
    notes: str | None
    status: SessionStatus
    cancel_reason: str | None
    sequence: int
    drafted: bool
    register_closed_at: LondonOut | None = None
    places_confirmed: int | None = None  # people with confirmed places (in person / hybrid)
    places_waitlisted: int | None = None

    @classmethod
    def build(cls, view: SessionView) -> SessionOut:
        row = view.row
        return cls.model_validate(
            {
                **{name: getattr(row, name) for name in cls.model_fields if hasattr(row, name)},
                "effective_join_url": view.shown_join_url,
                "effective_venue": view.shown_venue,
                "drafted": row.draft_key is not None,
                "places_confirmed": view.places_confirmed,
                "places_waitlisted": view.places_waitlisted,
            }
        )


class MaterialOut(Out):
    id: uuid.UUID
    session_id: uuid.UUID
    kind: MaterialKind
    title: str
    url: str
    added_at: LondonOut


class PlaceRegister(RequestModel):
    team_id: uuid.UUID
    places: int = Field(ge=1, le=200, strict=True, description="Number of people from the team")


class PlaceOut(Out):
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
