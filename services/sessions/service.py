"""Sessions use cases. Functions take the session explicitly, never commit, and record events in
the outbox in the caller's transaction.

Who may do what (object level as well as role level):

* coordinators: everything, every cohort;
* coaches: read the cohorts where they coach a team, record attendance for their own teams,
  register places for their own teams, subscribe to their teams' and cohorts' feeds;
* team leads: read the cohorts of their organisation's teams and those teams only, register
  places for them, subscribe to their feeds. Another organisation's team is "not found".
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions import schemas
from services.sessions.calendar import FeedSession, build_feed
from services.sessions.engagement import Outcome, engagement, miss_runs
from services.sessions.models import (
    Attendance,
    CoachAllocation,
    Cohort,
    Disengagement,
    FeedToken,
    Place,
    ProgrammeSession,
    RosterTeam,
)
from services.sessions.places import PlaceRequest, allocate
from services.sessions.schedule import LONDON, draft_programme
from shared.auth import Principal, Role
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.events.enrolment import (
    CoachAllocated,
    CohortCancelled,
    CohortConfirmed,
    CohortTerms,
    TeamConfirmed,
    TeamWithdrawn,
)
from shared.events.sessions import (
    AttendanceRecorded,
    SessionCancelled,
    SessionRescheduled,
    SessionScheduled,
    TeamDisengaged,
)
from shared.outbox import record_event

FEED_TOKEN_PREFIX = "ewcal_"  # noqa: S105 (a prefix, not a secret)
# Changes of these fields raise the session's SEQUENCE and record sessions.session.rescheduled.
SIGNIFICANT_FIELDS = ("starts_at", "ends_at", "mode", "venue", "join_url")
IN_PERSON_MODES = frozenset({"in_person", "hybrid"})


def _now() -> datetime:
    return datetime.now(UTC)


# --- incoming enrolment events ------------------------------------------------------------


async def _upsert_cohort(
    session: AsyncSession, *, cohort_id: uuid.UUID, name: str, terms: CohortTerms
) -> Cohort:
    cohort = await session.get(Cohort, cohort_id, with_for_update=True)
    if cohort is None:
        cohort = Cohort(
            id=cohort_id,
            name=name,
            start_date=terms.start_date,
            lead_in_months=terms.lead_in_months,
            coaching_months=terms.coaching_months,
            status="enrolling",
        )
        session.add(cohort)
        await session.flush()
    else:
        cohort.name = name
        if cohort.drafted_at is None:  # terms only shape a programme not drafted yet
            cohort.start_date = terms.start_date
            cohort.lead_in_months = terms.lead_in_months
            cohort.coaching_months = terms.coaching_months
    return cohort


async def cohort_confirmed(
    session: AsyncSession, *, event: CohortConfirmed
) -> list[ProgrammeSession]:
    """Draft the cohort's default programme. Drafting again creates nothing new."""
    cohort = await _upsert_cohort(
        session, cohort_id=event.cohort_id, name=event.name, terms=event.terms
    )
    if cohort.status == "cancelled":
        return []
    cohort.status = "confirmed"
    existing = set(
        (
            await session.scalars(
                select(ProgrammeSession.draft_key).where(
                    ProgrammeSession.cohort_id == cohort.id,
                    ProgrammeSession.draft_key.is_not(None),
                )
            )
        ).all()
    )
    created: list[ProgrammeSession] = []
    now = _now()
    for draft in draft_programme(
        start_date=cohort.start_date,
        lead_in_months=cohort.lead_in_months,
        coaching_months=cohort.coaching_months,
    ):
        key = f"{draft.kind}:{draft.ordinal}"
        if key in existing:
            continue
        row = ProgrammeSession(
            id=uuid.uuid4(),
            cohort_id=cohort.id,
            kind=draft.kind,
            title=draft.title,
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
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
        await record_event(session, _scheduled_event(row), subject=str(row.id))
    if cohort.drafted_at is None:
        cohort.drafted_at = now
    return created


async def cohort_cancelled(session: AsyncSession, *, event: CohortCancelled) -> None:
    cohort = await session.get(Cohort, event.cohort_id, with_for_update=True)
    if cohort is None or cohort.status == "cancelled":
        return
    cohort.status = "cancelled"
    cohort.cancelled_at = _now()
    rows = (
        await session.scalars(
            select(ProgrammeSession).where(
                ProgrammeSession.cohort_id == cohort.id, ProgrammeSession.status == "scheduled"
            )
        )
    ).all()
    for row in rows:
        await _cancel(session, row, reason=event.reason or "The cohort was cancelled.")
    teams = (
        await session.scalars(
            select(RosterTeam).where(
                RosterTeam.cohort_id == cohort.id, RosterTeam.status == "active"
            )
        )
    ).all()
    for team in teams:
        team.status = "withdrawn"
        team.withdrawn_on = _now().astimezone(LONDON).date()
        team.withdrawal_reason = "cohort cancelled"


async def team_confirmed(session: AsyncSession, *, event: TeamConfirmed) -> RosterTeam:
    """The team joins its cohort's roster (again, if it had withdrawn)."""
    await _upsert_cohort(
        session, cohort_id=event.cohort_id, name=event.cohort_name, terms=event.terms
    )
    team = await session.get(RosterTeam, event.team_id, with_for_update=True)
    if (
        team is not None
        and team.withdrawn_on is not None
        and event.confirmed_at.astimezone(LONDON).date() <= team.withdrawn_on
    ):
        return team  # a confirmation from before the withdrawal, recorded again: stale
    if team is None:
        team = RosterTeam(team_id=event.team_id, joined_at=event.confirmed_at)
        session.add(team)
    team.cohort_id = event.cohort_id
    team.organisation_id = event.organisation.id
    team.organisation_name = event.organisation.name
    team.team_name = event.team_name
    team.setting = event.setting
    team.status = "active"
    team.withdrawn_on = None
    team.withdrawal_reason = None
    if event.coach_id is not None and await session.get(CoachAllocation, event.team_id) is None:
        session.add(
            CoachAllocation(
                team_id=event.team_id,
                cohort_id=event.cohort_id,
                coach_id=event.coach_id,
                coach_name=None,
                allocated_at=event.confirmed_at,
            )
        )
    await session.flush()
    return team


async def team_withdrawn(session: AsyncSession, *, event: TeamWithdrawn) -> None:
    """The team leaves the roster; its attendance stays, its places at future sessions free up."""
    team = await session.get(RosterTeam, event.team_id, with_for_update=True)
    if team is None or team.status == "withdrawn":
        return
    team.status = "withdrawn"
    team.withdrawn_on = event.withdrawn_on
    team.withdrawal_reason = event.reason
    now = _now()
    places = (
        await session.scalars(
            select(Place)
            .join(ProgrammeSession, Place.session_id == ProgrammeSession.id)
            .where(
                Place.team_id == team.team_id,
                Place.status != "released",
                ProgrammeSession.starts_at > now,
            )
        )
    ).all()
    for place in places:
        place.status = "released"
        place.released_at = now
        row = await session.get(ProgrammeSession, place.session_id, with_for_update=True)
        assert row is not None
        await session.flush()
        await _reallocate(session, row)


async def coach_allocated(session: AsyncSession, *, event: CoachAllocated) -> None:
    allocation = await session.get(CoachAllocation, event.team_id, with_for_update=True)
    if allocation is None:
        allocation = CoachAllocation(team_id=event.team_id)
        session.add(allocation)
    allocation.cohort_id = event.cohort_id
    allocation.coach_id = event.coach_id
    allocation.coach_name = event.coach_name
    allocation.allocated_at = _now()
    await session.flush()


# --- who may see what ---------------------------------------------------------------------


async def _coach_of(session: AsyncSession, team_id: uuid.UUID) -> uuid.UUID | None:
    coach_id: uuid.UUID | None = await session.scalar(
        select(CoachAllocation.coach_id).where(CoachAllocation.team_id == team_id)
    )
    return coach_id


async def _may_see_team(session: AsyncSession, user: Principal, team: RosterTeam) -> bool:
    if user.role is Role.coordinator:
        return True
    if user.role is Role.team_lead:
        return user.organisation_id is not None and team.organisation_id == user.organisation_id
    if user.role is Role.coach:
        return user.coach_id is not None and await _coach_of(session, team.team_id) == user.coach_id
    return False


async def _visible_team_ids(
    session: AsyncSession, user: Principal, cohort_id: uuid.UUID
) -> set[uuid.UUID] | None:
    """The teams of a cohort the user may see; ``None`` means all of them (coordinators)."""
    if user.role is Role.coordinator:
        return None
    if user.role is Role.team_lead and user.organisation_id is not None:
        query = select(RosterTeam.team_id).where(
            RosterTeam.cohort_id == cohort_id, RosterTeam.organisation_id == user.organisation_id
        )
    elif user.role is Role.coach and user.coach_id is not None:
        query = select(CoachAllocation.team_id).where(
            CoachAllocation.cohort_id == cohort_id, CoachAllocation.coach_id == user.coach_id
        )
    else:
        return set()
    return set((await session.scalars(query)).all())


async def get_cohort(session: AsyncSession, *, cohort_id: uuid.UUID, user: Principal) -> Cohort:
    cohort = await session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("no such cohort")
    visible = await _visible_team_ids(session, user, cohort_id)
    if visible is not None and not visible:
        raise NotFound("no such cohort")
    return cohort


async def get_team(session: AsyncSession, *, team_id: uuid.UUID, user: Principal) -> RosterTeam:
    team = await session.get(RosterTeam, team_id)
    if team is None or not await _may_see_team(session, user, team):
        raise NotFound("no such team")
    return team


# --- the schedule -------------------------------------------------------------------------


def _effective_join_url(row: ProgrammeSession) -> str | None:
    return row.join_url if row.mode in ("virtual", "hybrid") else None


def _effective_venue(row: ProgrammeSession) -> str | None:
    return row.venue if row.mode in IN_PERSON_MODES else None


def _scheduled_event(row: ProgrammeSession) -> SessionScheduled:
    return SessionScheduled(
        session_id=row.id,
        cohort_id=row.cohort_id,
        kind=row.kind,
        title=row.title,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        mode=row.mode,
        join_url=_effective_join_url(row),
        venue=_effective_venue(row),
        capacity=row.capacity if row.mode in IN_PERSON_MODES else None,
        sequence=row.sequence,
        drafted=row.draft_key is not None,
    )


async def list_sessions(
    session: AsyncSession,
    *,
    cohort_id: uuid.UUID,
    user: Principal,
    filters: schemas.SessionFilters,
) -> list[SessionView]:
    await get_cohort(session, cohort_id=cohort_id, user=user)
    query = select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort_id)
    if filters.kind:
        query = query.where(ProgrammeSession.kind == filters.kind)
    if filters.status:
        query = query.where(ProgrammeSession.status == filters.status)
    if filters.mode:
        query = query.where(ProgrammeSession.mode == filters.mode)
    if filters.starts_from:
        query = query.where(ProgrammeSession.starts_at >= _aware(filters.starts_from))
    if filters.starts_before:
        query = query.where(ProgrammeSession.starts_at < _aware(filters.starts_before))
    rows = (await session.scalars(query.order_by(ProgrammeSession.starts_at))).all()
    return await views(session, rows)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=LONDON) if value.tzinfo is None else value


async def get_session(
    session: AsyncSession, *, session_id: uuid.UUID, user: Principal
) -> ProgrammeSession:
    row = await session.get(ProgrammeSession, session_id)
    if row is None:
        raise NotFound("no such session")
    await get_cohort(session, cohort_id=row.cohort_id, user=user)
    return row


def _check_mode(row: ProgrammeSession) -> None:
    if row.mode in IN_PERSON_MODES and not row.venue:
        raise Unprocessable(
            "an in-person or hybrid session needs a venue",
            errors=[{"field": "venue", "message": "required for in_person and hybrid"}],
        )


async def get_session_view(
    session: AsyncSession, *, session_id: uuid.UUID, user: Principal
) -> SessionView:
    return await view(session, await get_session(session, session_id=session_id, user=user))


async def create_session(
    session: AsyncSession, *, cohort_id: uuid.UUID, data: schemas.SessionCreate
) -> SessionView:
    cohort = await session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("no such cohort")
    if cohort.status == "cancelled":
        raise Conflict("the cohort was cancelled")
    now = _now()
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
    _check_mode(row)
    session.add(row)
    await session.flush()
    await record_event(session, _scheduled_event(row), subject=str(row.id))
    return await view(session, row)


async def update_session(
    session: AsyncSession, *, session_id: uuid.UUID, data: schemas.SessionUpdate
) -> SessionView:
    row = await session.get(ProgrammeSession, session_id, with_for_update=True)
    if row is None:
        raise NotFound("no such session")
    if row.status == "cancelled":
        raise Conflict("a cancelled session cannot be changed")
    given = data.model_fields_set
    for required in ("kind", "title", "starts_at", "ends_at", "mode"):
        if required in given and getattr(data, required) is None:
            raise Unprocessable(
                f"{required} cannot be cleared",
                errors=[{"field": required, "message": "may not be null"}],
            )
    previous_starts_at = row.starts_at
    before = {name: getattr(row, name) for name in (*SIGNIFICANT_FIELDS, "capacity")}
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
    _check_mode(row)
    changed = [name for name in SIGNIFICANT_FIELDS if getattr(row, name) != before[name]]
    row.updated_at = _now()
    if changed:
        row.sequence += 1
    await session.flush()
    if changed:
        await record_event(
            session,
            SessionRescheduled(
                session_id=row.id,
                cohort_id=row.cohort_id,
                kind=row.kind,
                title=row.title,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                mode=row.mode,
                join_url=_effective_join_url(row),
                venue=_effective_venue(row),
                capacity=row.capacity if row.mode in IN_PERSON_MODES else None,
                sequence=row.sequence,
                changed=changed,
                previous_starts_at=previous_starts_at,
            ),
            subject=str(row.id),
        )
    if row.capacity != before["capacity"] or "mode" in changed:
        await _reallocate(session, row)
    return await view(session, row)


async def _cancel(session: AsyncSession, row: ProgrammeSession, *, reason: str | None) -> None:
    row.status = "cancelled"
    row.cancel_reason = reason
    row.sequence += 1
    row.updated_at = _now()
    await session.flush()
    await record_event(
        session,
        SessionCancelled(
            session_id=row.id,
            cohort_id=row.cohort_id,
            kind=row.kind,
            title=row.title,
            starts_at=row.starts_at,
            sequence=row.sequence,
            reason=reason,
        ),
        subject=str(row.id),
    )


async def cancel_session(
    session: AsyncSession, *, session_id: uuid.UUID, data: schemas.SessionCancel
) -> SessionView:
    """Cancel once; cancelling a cancelled session changes nothing."""
    row = await session.get(ProgrammeSession, session_id, with_for_update=True)
    if row is None:
        raise NotFound("no such session")
    if row.status != "cancelled":
        await _cancel(session, row, reason=data.reason)
    return await view(session, row)


@dataclass(frozen=True)
class SessionView:
    row: ProgrammeSession
    places_confirmed: int | None
    places_waitlisted: int | None


async def views(session: AsyncSession, rows: Sequence[ProgrammeSession]) -> list[SessionView]:
    """Sessions with their place counts (in-person and hybrid sessions only)."""
    summary = await places_summary(session, rows)
    result = []
    for row in rows:
        confirmed, waiting = summary.get(row.id, (None, None))
        result.append(SessionView(row, confirmed, waiting))
    return result


async def view(session: AsyncSession, row: ProgrammeSession) -> SessionView:
    return (await views(session, [row]))[0]


async def places_summary(
    session: AsyncSession, rows: Sequence[ProgrammeSession]
) -> dict[uuid.UUID, tuple[int, int]]:
    """People with confirmed and with waiting places, per session."""
    ids = [r.id for r in rows if r.mode in IN_PERSON_MODES]
    if not ids:
        return {}
    result: dict[uuid.UUID, tuple[int, int]] = {i: (0, 0) for i in ids}
    totals = await session.execute(
        select(Place.session_id, Place.status, func.sum(Place.places))
        .where(Place.session_id.in_(ids), Place.status != "released")
        .group_by(Place.session_id, Place.status)
    )
    for session_id, status, total in totals.all():
        confirmed, waiting = result[session_id]
        if status == "confirmed":
            confirmed = int(total)
        else:
            waiting = int(total)
        result[session_id] = (confirmed, waiting)
    return result


# --- places and the waiting list ----------------------------------------------------------


async def _active_places(session: AsyncSession, session_id: uuid.UUID) -> list[Place]:
    return list(
        (
            await session.scalars(
                select(Place)
                .where(Place.session_id == session_id, Place.status != "released")
                .order_by(Place.queue_number)
            )
        ).all()
    )


async def _reallocate(session: AsyncSession, row: ProgrammeSession) -> None:
    """Bring every active registration to the status the capacity rules give it."""
    queue = await _active_places(session, row.id)
    capacity = row.capacity if row.mode in IN_PERSON_MODES else None
    statuses = allocate(capacity, [PlaceRequest(id=p.id, places=p.places) for p in queue])
    now = _now()
    for place in queue:
        status = statuses[place.id]
        if place.status == "waitlisted" and status == "confirmed":
            place.promoted_at = now
        place.status = status
    await session.flush()


async def _team_for_places(
    session: AsyncSession, *, row: ProgrammeSession, team_id: uuid.UUID, user: Principal
) -> RosterTeam:
    team = await session.get(RosterTeam, team_id)
    if (
        team is None
        or team.cohort_id != row.cohort_id
        or not await _may_see_team(session, user, team)
    ):
        raise NotFound("no such team on this session's cohort")
    return team


async def register_places(
    session: AsyncSession,
    *,
    session_id: uuid.UUID,
    data: schemas.PlaceRegister,
    user: Principal,
) -> tuple[Place, int | None]:
    """Register (or change) a team's places; over capacity the registration waits in order.

    Returns the registration and its position on the waiting list (None when confirmed).
    """
    row = await session.get(ProgrammeSession, session_id, with_for_update=True)
    if row is None:
        raise NotFound("no such session")
    team = await _team_for_places(session, row=row, team_id=data.team_id, user=user)
    if team.status != "active":
        raise Conflict("a withdrawn team cannot register places")
    if row.status == "cancelled":
        raise Conflict("the session was cancelled")
    if row.mode not in IN_PERSON_MODES:
        raise Conflict("places are registered for in-person and hybrid sessions only")
    if row.starts_at <= _now():
        raise Conflict("the session has already started")
    queue = await _active_places(session, row.id)
    place = next((p for p in queue if p.team_id == data.team_id), None)
    if place is None:
        next_number = (
            await session.scalar(
                select(func.max(Place.queue_number)).where(Place.session_id == row.id)
            )
        ) or 0
        place = Place(
            id=uuid.uuid4(),
            session_id=row.id,
            team_id=data.team_id,
            places=data.places,
            status="waitlisted",
            queue_number=next_number + 1,
            registered_at=_now(),
            registered_by=user.subject,
        )
        session.add(place)
    elif place.status == "confirmed" and data.places > place.places:
        others = sum(p.places for p in queue if p.status == "confirmed" and p.id != place.id)
        if row.capacity is not None and others + data.places > row.capacity:
            raise Conflict(
                "not enough places left to increase this registration; release it and "
                "register again to join the waiting list"
            )
        place.places = data.places
    else:
        place.places = data.places
    await session.flush()
    await _reallocate(session, row)
    return place, await waiting_position(session, place)


async def release_places(
    session: AsyncSession, *, session_id: uuid.UUID, team_id: uuid.UUID, user: Principal
) -> Place:
    """Release a team's places; the waiting list is promoted in order."""
    row = await session.get(ProgrammeSession, session_id, with_for_update=True)
    if row is None:
        raise NotFound("no such session")
    await _team_for_places(session, row=row, team_id=team_id, user=user)
    place = next((p for p in await _active_places(session, row.id) if p.team_id == team_id), None)
    if place is None:
        raise NotFound("the team has no places at this session")
    place.status = "released"
    place.released_at = _now()
    await session.flush()
    await _reallocate(session, row)
    return place


@dataclass(frozen=True)
class PlacesView:
    """A session's registrations the caller may see; totals count every team's places."""

    session: ProgrammeSession
    confirmed: list[Place]
    waiting: list[tuple[Place, int]]  # with the position on the whole waiting list, from 1
    places_confirmed: int


async def list_places(
    session: AsyncSession, *, session_id: uuid.UUID, user: Principal
) -> PlacesView:
    row = await get_session(session, session_id=session_id, user=user)
    visible = await _visible_team_ids(session, user, row.cohort_id)
    queue = await _active_places(session, row.id)
    waiting = [p for p in queue if p.status == "waitlisted"]
    return PlacesView(
        session=row,
        confirmed=[
            p
            for p in queue
            if p.status == "confirmed" and (visible is None or p.team_id in visible)
        ],
        waiting=[
            (p, position)
            for position, p in enumerate(waiting, 1)
            if visible is None or p.team_id in visible
        ],
        places_confirmed=sum(p.places for p in queue if p.status == "confirmed"),
    )


async def waiting_position(session: AsyncSession, place: Place) -> int | None:
    if place.status != "waitlisted":
        return None
    waiting = [
        p for p in await _active_places(session, place.session_id) if p.status == "waitlisted"
    ]
    return next(i for i, p in enumerate(waiting, 1) if p.id == place.id)


# --- attendance and engagement ------------------------------------------------------------


async def record_attendance(
    session: AsyncSession,
    *,
    session_id: uuid.UUID,
    data: schemas.AttendanceRecord,
    user: Principal,
) -> tuple[Attendance, ProgrammeSession, bool]:
    """Record (or correct) a team's attendance. Returns the record, its session, and whether
    the record is new."""
    row = await session.get(ProgrammeSession, session_id)
    if row is None:
        raise NotFound("no such session")
    team = await session.get(RosterTeam, data.team_id)
    if team is None or team.cohort_id != row.cohort_id:
        raise NotFound("no such team on this session's cohort")
    if user.role is Role.coach and await _coach_of(session, team.team_id) != user.coach_id:
        # Another coach's team is not this coach's to see: 404, as for any unknown team.
        raise NotFound("no such team on this session's cohort")
    if user.role not in (Role.coordinator, Role.coach):
        raise Forbidden("only coordinators and coaches record attendance")
    if row.status == "cancelled":
        raise Conflict("the session was cancelled")
    now = _now()
    if row.starts_at > now:
        raise Conflict("attendance is recorded once the session has started")
    if (
        team.status == "withdrawn"
        and team.withdrawn_on is not None
        and row.starts_at.astimezone(LONDON).date() > team.withdrawn_on
    ):
        raise Conflict("the team had withdrawn before this session")
    record = await session.scalar(
        select(Attendance).where(
            Attendance.session_id == row.id, Attendance.team_id == team.team_id
        )
    )
    created = record is None
    if record is None:
        record = Attendance(id=uuid.uuid4(), session_id=row.id, team_id=team.team_id)
        session.add(record)
    record.attended = data.attended
    record.attendees = data.attendees
    record.roles = sorted(set(data.roles))
    record.recorded_by = user.subject
    record.recorded_at = now
    await session.flush()
    await record_event(
        session,
        AttendanceRecorded(
            session_id=row.id,
            cohort_id=row.cohort_id,
            team_id=team.team_id,
            kind=row.kind,
            session_starts_at=row.starts_at,
            attended=record.attended,
            attendees=record.attendees,
            roles=list(record.roles),
        ),
        subject=str(team.team_id),
    )
    if team.status == "active":
        await _flag_disengagement(session, team=team, now=now)
    return record, row, created


async def _outcomes(session: AsyncSession, team: RosterTeam) -> list[Outcome]:
    rows = (
        await session.execute(
            select(ProgrammeSession, Attendance.attended)
            .outerjoin(
                Attendance,
                (Attendance.session_id == ProgrammeSession.id)
                & (Attendance.team_id == team.team_id),
            )
            .where(ProgrammeSession.cohort_id == team.cohort_id)
        )
    ).all()
    outcomes = []
    for row, attended in rows:
        if (
            team.withdrawn_on is not None
            and row.starts_at.astimezone(LONDON).date() > team.withdrawn_on
        ):
            continue
        outcomes.append(
            Outcome(
                session_id=row.id,
                kind=row.kind,
                starts_at=row.starts_at,
                cancelled=row.status == "cancelled",
                attended=attended,
            )
        )
    return outcomes


async def _flag_disengagement(session: AsyncSession, *, team: RosterTeam, now: datetime) -> None:
    """Record ``sessions.team.disengaged`` once for every run of two or more missed sets."""
    runs = miss_runs(await _outcomes(session, team), now)
    if not runs:
        return
    known = set(
        (
            await session.scalars(
                select(Disengagement.run_key).where(Disengagement.team_id == team.team_id)
            )
        ).all()
    )
    coach_id = await _coach_of(session, team.team_id)
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
        await session.flush()
        await record_event(
            session,
            TeamDisengaged(
                cohort_id=team.cohort_id,
                team_id=team.team_id,
                organisation_id=team.organisation_id,
                coach_id=coach_id,
                missed_session_ids=list(run.session_ids),
                last_missed_on=run.last_missed_at.astimezone(LONDON).date(),
            ),
            subject=str(team.team_id),
        )


async def list_session_attendance(
    session: AsyncSession, *, session_id: uuid.UUID, user: Principal
) -> list[tuple[Attendance, ProgrammeSession]]:
    row = await get_session(session, session_id=session_id, user=user)
    visible = await _visible_team_ids(session, user, row.cohort_id)
    records = (
        await session.scalars(
            select(Attendance).where(Attendance.session_id == row.id).order_by(Attendance.team_id)
        )
    ).all()
    return [(r, row) for r in records if visible is None or r.team_id in visible]


async def list_team_attendance(
    session: AsyncSession, *, team_id: uuid.UUID, user: Principal
) -> list[tuple[Attendance, ProgrammeSession]]:
    await get_team(session, team_id=team_id, user=user)
    rows = (
        await session.execute(
            select(Attendance, ProgrammeSession)
            .join(ProgrammeSession, Attendance.session_id == ProgrammeSession.id)
            .where(Attendance.team_id == team_id)
            .order_by(ProgrammeSession.starts_at)
        )
    ).all()
    return [(a, s) for a, s in rows]


@dataclass(frozen=True)
class TeamEngagement:
    team: RosterTeam
    coach_id: uuid.UUID | None
    held: int
    attended: int
    rate: float | None
    missed_in_a_row: int
    disengaged: bool
    disengagements: list[Disengagement]


async def _engagement_of(session: AsyncSession, team: RosterTeam, now: datetime) -> TeamEngagement:
    result = engagement(await _outcomes(session, team), now)
    flags = (
        await session.scalars(
            select(Disengagement)
            .where(Disengagement.team_id == team.team_id)
            .order_by(Disengagement.flagged_at)
        )
    ).all()
    return TeamEngagement(
        team=team,
        coach_id=await _coach_of(session, team.team_id),
        held=result.held,
        attended=result.attended,
        rate=result.rate,
        missed_in_a_row=result.missed_learning_sets_in_a_row,
        disengaged=result.disengaged,
        disengagements=list(flags),
    )


async def team_engagement(
    session: AsyncSession, *, team_id: uuid.UUID, user: Principal
) -> TeamEngagement:
    team = await get_team(session, team_id=team_id, user=user)
    return await _engagement_of(session, team, _now())


async def cohort_engagement(
    session: AsyncSession, *, cohort_id: uuid.UUID, user: Principal, include_withdrawn: bool
) -> list[TeamEngagement]:
    teams = await roster(
        session, cohort_id=cohort_id, user=user, include_withdrawn=include_withdrawn
    )
    now = _now()
    return [await _engagement_of(session, team, now) for team, _ in teams]


async def roster(
    session: AsyncSession, *, cohort_id: uuid.UUID, user: Principal, include_withdrawn: bool
) -> list[tuple[RosterTeam, CoachAllocation | None]]:
    await get_cohort(session, cohort_id=cohort_id, user=user)
    visible = await _visible_team_ids(session, user, cohort_id)
    query = (
        select(RosterTeam, CoachAllocation)
        .outerjoin(CoachAllocation, CoachAllocation.team_id == RosterTeam.team_id)
        .where(RosterTeam.cohort_id == cohort_id)
        .order_by(RosterTeam.team_name, RosterTeam.team_id)
    )
    if not include_withdrawn:
        query = query.where(RosterTeam.status == "active")
    rows = (await session.execute(query)).all()
    return [(t, c) for t, c in rows if visible is None or t.team_id in visible]


# --- calendar feeds -----------------------------------------------------------------------


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_feed_token(
    session: AsyncSession, *, data: schemas.FeedTokenCreate, user: Principal
) -> tuple[FeedToken, str]:
    """A new secret feed token for a cohort's or a team's feed; the secret is returned once."""
    if data.team_id is not None:
        team = await get_team(session, team_id=data.team_id, user=user)
        scope, cohort_id, team_id = "team", team.cohort_id, team.team_id
    else:
        assert data.cohort_id is not None
        cohort = await get_cohort(session, cohort_id=data.cohort_id, user=user)
        scope, cohort_id, team_id = "cohort", cohort.id, None
    secret = f"{FEED_TOKEN_PREFIX}{secrets.token_urlsafe(32)}"
    token = FeedToken(
        id=uuid.uuid4(),
        token_hash=hash_feed_token(secret),
        scope=scope,
        cohort_id=cohort_id,
        team_id=team_id,
        label=data.label,
        created_by=user.subject,
        created_at=_now(),
    )
    session.add(token)
    await session.flush()
    return token, secret


async def list_feed_tokens(session: AsyncSession, *, user: Principal) -> Sequence[FeedToken]:
    query = select(FeedToken).order_by(FeedToken.created_at)
    if user.role is not Role.coordinator:
        query = query.where(FeedToken.created_by == user.subject)
    return (await session.scalars(query)).all()


async def revoke_feed_token(
    session: AsyncSession, *, token_id: uuid.UUID, user: Principal
) -> FeedToken:
    token = await session.get(FeedToken, token_id, with_for_update=True)
    if token is None or (user.role is not Role.coordinator and token.created_by != user.subject):
        raise NotFound("no such feed token")
    if token.revoked_at is None:
        token.revoked_at = _now()
    return token


async def _token_for(
    session: AsyncSession, *, token: str | None, scope: str, target_id: uuid.UUID
) -> FeedToken:
    """The live token for exactly this feed; anything else is "not found" (never 401/403)."""
    if not token or not token.startswith(FEED_TOKEN_PREFIX) or len(token) > 200:
        raise NotFound("no such calendar feed")
    row = await session.scalar(
        select(FeedToken).where(FeedToken.token_hash == hash_feed_token(token))
    )
    if row is None or row.revoked_at is not None or row.scope != scope:
        raise NotFound("no such calendar feed")
    if (row.cohort_id if scope == "cohort" else row.team_id) != target_id:
        raise NotFound("no such calendar feed")
    return row


def _feed_session(row: ProgrammeSession, note: str | None = None) -> FeedSession:
    notes = "\n".join(n for n in (row.notes, note) if n) or None
    if row.status == "cancelled" and row.cancel_reason:
        notes = "\n".join(n for n in (f"Cancelled: {row.cancel_reason}", notes) if n)
    return FeedSession(
        id=row.id,
        kind=row.kind,
        title=row.title,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        mode=row.mode,
        status=row.status,
        sequence=row.sequence,
        updated_at=row.updated_at,
        created_at=row.created_at,
        join_url=_effective_join_url(row),
        venue=_effective_venue(row),
        notes=notes,
    )


async def _cohort_rows(session: AsyncSession, cohort_id: uuid.UUID) -> Sequence[ProgrammeSession]:
    return (
        await session.scalars(
            select(ProgrammeSession)
            .where(ProgrammeSession.cohort_id == cohort_id)
            .order_by(ProgrammeSession.starts_at)
        )
    ).all()


async def cohort_feed(session: AsyncSession, *, cohort_id: uuid.UUID, token: str | None) -> bytes:
    await _token_for(session, token=token, scope="cohort", target_id=cohort_id)
    cohort = await session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("no such calendar feed")
    rows = await _cohort_rows(session, cohort_id)
    return build_feed(name=cohort.name, sessions=[_feed_session(r) for r in rows])


async def team_feed(session: AsyncSession, *, team_id: uuid.UUID, token: str | None) -> bytes:
    """The team's cohort programme, with the team's own places noted on in-person sessions."""
    await _token_for(session, token=token, scope="team", target_id=team_id)
    team = await session.get(RosterTeam, team_id)
    cohort = await session.get(Cohort, team.cohort_id) if team is not None else None
    if team is None or cohort is None:
        raise NotFound("no such calendar feed")
    rows = list(await _cohort_rows(session, team.cohort_id))
    if team.withdrawn_on is not None:
        rows = [r for r in rows if r.starts_at.astimezone(LONDON).date() <= team.withdrawn_on]
    places = {
        p.session_id: p
        for p in (
            await session.scalars(
                select(Place).where(Place.team_id == team_id, Place.status != "released")
            )
        ).all()
    }
    events = []
    for row in rows:
        place = places.get(row.id)
        note = None
        if place is not None:
            note = (
                f"Your team has {place.places} place(s)."
                if place.status == "confirmed"
                else f"Your team is on the waiting list for {place.places} place(s)."
            )
        events.append(_feed_session(row, note))
    return build_feed(name=f"{team.team_name} ({cohort.name})", sessions=events)


def feed_path(token: FeedToken, secret: str) -> str:
    target = token.cohort_id if token.scope == "cohort" else token.team_id
    kind = "cohorts" if token.scope == "cohort" else "teams"
    return f"/api/sessions/{kind}/{target}/calendar.ics?token={secret}"
