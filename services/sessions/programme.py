"""The programme of a cohort: its learning sessions, learning sets and clinics.

The default programme is drafted when the cohort is confirmed (``rules/schedule.py``); a
coordinator then adds sessions, moves them, switches their mode, changes their venue, join link,
capacity, title or notes, and cancels them. A change of time, mode, venue or join link (as the
session shows them, after its cohort's defaults) raises the session's SEQUENCE and records
``sessions.session.rescheduled``; cancelling raises it too. ``cohorts.py`` changes the cohort's
default joining details.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, Field, HttpUrl, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions import places
from services.sessions.models import Cohort, ProgrammeSession
from services.sessions.rules.modes import (
    HasDefaults,
    changed_fields,
    counted_capacity,
    has_places,
    needs_venue,
    shown,
    shown_join_url,
    shown_venue,
)
from services.sessions.rules.schedule import (
    SessionKind,
    SessionMode,
    SessionStatus,
    draft_programme,
)
from services.sessions.store import programme as store
from services.sessions.store.access import readable_cohort, readable_session
from services.sessions.store.places import place_totals
from shared.auth import Principal
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import DomainEvent
from shared.events.sessions import SessionCancelled, SessionRescheduled, SessionScheduled
from shared.fields import IsoDateTime, LondonDateTime, RequestModel, in_london
from shared.outbox import record_event

E = TypeVar("E", bound=DomainEvent)


class SessionCreate(RequestModel):
    kind: SessionKind
    title: str = Field(min_length=1, max_length=200)
    starts_at: LondonDateTime
    ends_at: LondonDateTime
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


class SessionUpdate(RequestModel):
    """Only the fields given change; ``null`` clears join_url, venue, capacity or notes."""

    kind: SessionKind | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    starts_at: LondonDateTime | None = None
    ends_at: LondonDateTime | None = None
    mode: SessionMode | None = None
    join_url: HttpUrl | None = None
    venue: str | None = Field(default=None, min_length=1, max_length=500)
    capacity: int | None = Field(default=None, ge=1, le=10_000, strict=True)
    notes: str | None = Field(default=None, max_length=4000)


class SessionFilters(BaseModel):
    kind: SessionKind | None = None
    status: SessionStatus | None = None
    mode: SessionMode | None = None
    starts_from: IsoDateTime | None = None
    starts_before: IsoDateTime | None = None


@dataclass(frozen=True)
class SessionView:
    """A session, its cohort (for the joining details it shows) and the people holding
    confirmed and waiting places (in person or hybrid)."""

    row: ProgrammeSession
    cohort: HasDefaults
    places_confirmed: int | None
    places_waitlisted: int | None

    @property
    def shown_join_url(self) -> str | None:
        return shown_join_url(self.row, self.cohort)

    @property
    def shown_venue(self) -> str | None:
        return shown_venue(self.row, self.cohort)


async def _views(
    session: AsyncSession, cohort: Cohort, rows: Sequence[ProgrammeSession]
) -> list[SessionView]:
    totals = await place_totals(session, [r.id for r in rows if has_places(r)])
    return [SessionView(row, cohort, *totals.get(row.id, (None, None))) for row in rows]


async def _view(session: AsyncSession, row: ProgrammeSession) -> SessionView:
    cohort = await store.get_cohort(session, row.cohort_id)
    assert cohort is not None  # a session's cohort is never deleted
    return (await _views(session, cohort, [row]))[0]


def about(row: ProgrammeSession, cohort: HasDefaults, event_type: type[E], **extra: Any) -> E:
    """An event about a session: what it says of the session as shown, and ``extra``."""
    described = {
        "session_id": row.id,
        "cohort_id": row.cohort_id,
        "kind": row.kind,
        "title": row.title,
        **shown(row, cohort),
        "capacity": counted_capacity(row),
        "sequence": row.sequence,
    }
    fields = event_type.model_fields
    return event_type(**{k: v for k, v in described.items() if k in fields}, **extra)


async def record(session: AsyncSession, row: ProgrammeSession, event: DomainEvent) -> None:
    await record_event(session, event, subject=str(row.id))


# --- the cohort's programme, as enrolment confirms or cancels the cohort -----------------------


async def draft(
    session: AsyncSession, cohort: Cohort, *, now: datetime, only_to_come: bool = False
) -> list[ProgrammeSession]:
    """Draft the cohort's default programme: every drafted session it lacks (by its key, so a
    cancelled one is not drafted again), those still to come only if ``only_to_come``."""
    existing = await store.draft_keys(session, cohort.id)
    created: list[ProgrammeSession] = []
    for drafted in draft_programme(
        start_date=cohort.start_date,
        lead_in_months=cohort.lead_in_months,
        coaching_months=cohort.coaching_months,
    ):
        key = f"{drafted.kind}:{drafted.ordinal}"
        if key in existing or (only_to_come and drafted.starts_at <= now):
            continue
        row = ProgrammeSession(
            id=uuid.uuid4(),
            cohort_id=cohort.id,
            kind=drafted.kind,
            title=drafted.title,
            starts_at=drafted.starts_at,
            ends_at=drafted.ends_at,
            mode="virtual",
            status="scheduled",
            sequence=0,
            draft_key=key,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        created.append(row)
    await session.flush()
    for row in created:
        await record(session, row, about(row, cohort, SessionScheduled, drafted=True))
    if cohort.drafted_at is None:
        cohort.drafted_at = now
    return created


async def draft_missing(
    session: AsyncSession, *, cohort_id: uuid.UUID, now: datetime
) -> list[SessionView]:
    """A coordinator drafts again what the default programme has and the cohort lacks, from
    now on (e.g. the clinics of a cohort drafted before clinics were part of the default)."""
    cohort = await store.get_cohort(session, cohort_id, lock=True)
    if cohort is None:
        raise NotFound("no such cohort")
    if cohort.status != "confirmed":
        raise Conflict("only a confirmed cohort's programme is drafted")
    created = await draft(session, cohort, now=now, only_to_come=True)
    return await _views(session, cohort, created)


async def cancel_scheduled(
    session: AsyncSession, cohort: Cohort, *, reason: str, now: datetime
) -> None:
    """Cancel every session of the cohort still scheduled (the cohort was cancelled)."""
    for row in await store.cohort_sessions(session, cohort.id, status="scheduled"):
        await _cancel(session, row, cohort, reason=reason, now=now)


# --- reading -----------------------------------------------------------------------------------


async def list_sessions(
    session: AsyncSession, *, cohort_id: uuid.UUID, user: Principal, filters: SessionFilters
) -> list[SessionView]:
    cohort = await readable_cohort(session, user, cohort_id)
    rows = await store.cohort_sessions(
        session,
        cohort_id,
        kind=filters.kind,
        status=filters.status,
        mode=filters.mode,
        starts_from=in_london(filters.starts_from) if filters.starts_from else None,
        starts_before=in_london(filters.starts_before) if filters.starts_before else None,
    )
    return await _views(session, cohort, rows)


async def get_session(
    session: AsyncSession, *, session_id: uuid.UUID, user: Principal
) -> SessionView:
    return await _view(session, await readable_session(session, user, session_id))


# --- a coordinator's changes -------------------------------------------------------------------


def _check_mode(row: ProgrammeSession, cohort: HasDefaults) -> None:
    if needs_venue(row, cohort):
        raise Unprocessable(
            "an in-person or hybrid session needs a venue (its own or the cohort's)",
            errors=[{"field": "venue", "message": "required for in_person and hybrid"}],
        )


async def create_session(
    session: AsyncSession, *, cohort_id: uuid.UUID, data: SessionCreate, now: datetime
) -> SessionView:
    cohort = await store.get_cohort(session, cohort_id)
    if cohort is None:
        raise NotFound("no such cohort")
    if cohort.status == "cancelled":
        raise Conflict("the cohort was cancelled")
    row = ProgrammeSession(
        id=uuid.uuid4(),
        cohort_id=cohort_id,
        kind=data.kind,
        title=data.title,
        starts_at=data.starts_at.astimezone(UTC),
        ends_at=data.ends_at.astimezone(UTC),
        mode=data.mode,
        join_url=str(data.join_url) if data.join_url else None,
        venue=data.venue,
        capacity=data.capacity,
        notes=data.notes,
        status="scheduled",
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    _check_mode(row, cohort)
    session.add(row)
    await session.flush()
    await record(session, row, about(row, cohort, SessionScheduled, drafted=False))
    return await _view(session, row)


async def _locked(session: AsyncSession, session_id: uuid.UUID) -> ProgrammeSession:
    row = await store.get_session(session, session_id, lock=True)
    if row is None:
        raise NotFound("no such session")
    return row


async def update_session(
    session: AsyncSession, *, session_id: uuid.UUID, data: SessionUpdate, now: datetime
) -> SessionView:
    row = await _locked(session, session_id)
    if row.status == "cancelled":
        raise Conflict("a cancelled session cannot be changed")
    given = data.model_fields_set
    for required in ("kind", "title", "starts_at", "ends_at", "mode"):
        if required in given and getattr(data, required) is None:
            raise Unprocessable(
                f"{required} cannot be cleared",
                errors=[{"field": required, "message": "may not be null"}],
            )
    cohort = await store.get_cohort(session, row.cohort_id)
    assert cohort is not None
    previous_starts_at, previous_capacity = row.starts_at, row.capacity
    before = shown(row, cohort)
    values: dict[str, object] = {}
    for name in given:
        value = getattr(data, name)
        if name in ("starts_at", "ends_at"):
            value = value.astimezone(UTC)
        elif name == "join_url" and value is not None:
            value = str(value)
        values[name] = value
    for name, value in values.items():
        setattr(row, name, value)
    if row.ends_at <= row.starts_at:
        raise Unprocessable(
            "ends_at must be after starts_at",
            errors=[{"field": "ends_at", "message": "must be after starts_at"}],
        )
    _check_mode(row, cohort)
    changed = changed_fields(before, shown(row, cohort))
    row.updated_at = now
    if changed:
        row.sequence += 1
    await session.flush()
    if changed:
        event = about(
            row, cohort, SessionRescheduled, changed=changed, previous_starts_at=previous_starts_at
        )
        await record(session, row, event)
    if row.capacity != previous_capacity or "mode" in changed:
        await places.reallocate(session, row, now=now)
    return await _view(session, row)


async def _cancel(
    session: AsyncSession,
    row: ProgrammeSession,
    cohort: HasDefaults,
    *,
    reason: str | None,
    now: datetime,
) -> None:
    row.status = "cancelled"
    row.cancel_reason = reason
    row.sequence += 1
    row.updated_at = now
    await session.flush()
    await record(session, row, about(row, cohort, SessionCancelled, reason=reason))


async def cancel_session(
    session: AsyncSession, *, session_id: uuid.UUID, reason: str | None, now: datetime
) -> SessionView:
    """Cancel once; cancelling a cancelled session changes nothing."""
    row = await _locked(session, session_id)
    if row.status != "cancelled":
        cohort = await store.get_cohort(session, row.cohort_id)
        assert cohort is not None
        await _cancel(session, row, cohort, reason=reason, now=now)
    return await _view(session, row)
