"""Places at in-person and hybrid sessions, and their waiting lists.

Teams register a number of places (people) for a session; registrations are served first come,
first served against the session's capacity (``rules/places.py``). Whenever places free up (a
release, a smaller registration, a larger capacity, a mode switch, a team withdrawing) every
active registration is brought to the status the rules give it, promoting the waiting list in
order. Coordinators, a team's coach and its organisation's team leads register its places.
Every registration that becomes confirmed records ``sessions.place.confirmed`` (saying whether
it came from the waiting list), and every one that goes onto the waiting list, new or losing
its places, ``sessions.place.waitlisted``: what the teams are told.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions.models import Place, ProgrammeSession, RosterTeam
from services.sessions.rules.modes import counted_capacity, has_places, shown
from services.sessions.rules.places import PlaceRequest, PlaceStatus, allocate
from services.sessions.store import places as store
from services.sessions.store.access import readable_session, readable_team, readable_team_ids
from services.sessions.store.programme import get_cohort, get_session
from services.sessions.store.rosters import get_team
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.events import DomainEvent
from shared.events.sessions import PlaceConfirmed, PlaceWaitlisted
from shared.outbox import record_event

NOT_ON_COHORT = "no such team on this session's cohort"


@dataclass(frozen=True)
class _Moved:
    """A registration whose status changed (``before`` None: it was just made)."""

    place: Place
    before: str | None
    position: int  # on the waiting list (0 when confirmed)


async def reallocate(
    session: AsyncSession, row: ProgrammeSession, *, now: datetime, new: Place | None = None
) -> None:
    """Bring every active registration to the status the capacity rules give it, and tell the
    teams whose registration changed status (``new``: the registration just made)."""
    queue = await store.active_places(session, row.id)
    statuses = allocate(
        counted_capacity(row), [PlaceRequest(id=p.id, places=p.places) for p in queue]
    )
    moved: list[_Moved] = []
    position = 0
    for place in queue:
        status: PlaceStatus = statuses[place.id]
        before = None if place is new else place.status
        position = position + 1 if status == "waitlisted" else position
        if before == "waitlisted" and status == "confirmed":
            place.promoted_at = now
        place.status = status
        if status != before:
            moved.append(_Moved(place, before, position if status == "waitlisted" else 0))
    await session.flush()
    for change in moved:
        await _announce(session, row, change)


async def _announce(session: AsyncSession, row: ProgrammeSession, change: _Moved) -> None:
    team = await get_team(session, change.place.team_id)
    cohort = await get_cohort(session, row.cohort_id)
    assert team is not None and cohort is not None
    place = change.place
    about = {
        "session_id": row.id,
        "cohort_id": row.cohort_id,
        "team_id": team.team_id,
        "organisation_id": team.organisation_id,
        "places": place.places,
        "kind": row.kind,
        "title": row.title,
        "starts_at": row.starts_at,
    }
    event: DomainEvent
    if place.status == "confirmed":
        event = PlaceConfirmed(
            **{**about, **shown(row, cohort)},
            from_waiting_list=change.before == "waitlisted",
            sequence=row.sequence,
        )
    else:
        event = PlaceWaitlisted(
            **about, position=change.position, was_confirmed=change.before == "confirmed"
        )
    await record_event(session, event, subject=str(team.team_id))


async def release_future_places(session: AsyncSession, team: RosterTeam, *, now: datetime) -> None:
    """A withdrawn team's places at sessions still to come go to the waiting lists."""
    for place in await store.team_places(session, team.team_id, starting_after=now):
        place.status = "released"
        place.released_at = now
        row = await get_session(session, place.session_id, lock=True)
        assert row is not None
        await session.flush()
        await reallocate(session, row, now=now)


async def _locked_with_team(
    session: AsyncSession, *, session_id: uuid.UUID, team_id: uuid.UUID, user: Principal
) -> tuple[ProgrammeSession, RosterTeam]:
    """The session (locked) and a team of its cohort that ``user`` may read."""
    row = await get_session(session, session_id, lock=True)
    if row is None:
        raise NotFound("no such session")
    team = await readable_team(session, user, team_id, missing=NOT_ON_COHORT)
    if team.cohort_id != row.cohort_id:
        raise NotFound(NOT_ON_COHORT)
    return row, team


async def register_places(
    session: AsyncSession,
    *,
    session_id: uuid.UUID,
    team_id: uuid.UUID,
    places: int,
    user: Principal,
    now: datetime,
) -> tuple[Place, int | None]:
    """Register (or change) a team's places; over capacity the registration waits in order.

    Returns the registration and its position on the waiting list (None when confirmed).
    """
    row, team = await _locked_with_team(session, session_id=session_id, team_id=team_id, user=user)
    if team.status != "active":
        raise Conflict("a withdrawn team cannot register places")
    if row.status == "cancelled":
        raise Conflict("the session was cancelled")
    if not has_places(row):
        raise Conflict("places are registered for in-person and hybrid sessions only")
    if row.starts_at <= now:
        raise Conflict("the session has already started")
    queue = await store.active_places(session, row.id)
    place = next((p for p in queue if p.team_id == team_id), None)
    new: Place | None = None
    if place is None:
        place = new = Place(
            id=uuid.uuid4(),
            session_id=row.id,
            team_id=team_id,
            places=places,
            status="waitlisted",  # until reallocate() gives it the status the rules give it
            queue_number=await store.last_queue_number(session, row.id) + 1,
            registered_at=now,
            registered_by=user.subject,
        )
        session.add(place)
    elif place.status == "confirmed" and places > place.places:
        others = sum(p.places for p in queue if p.status == "confirmed" and p.id != place.id)
        if row.capacity is not None and others + places > row.capacity:
            raise Conflict(
                "not enough places left to increase this registration; release it and "
                "register again to join the waiting list"
            )
        place.places = places
    else:
        place.places = places
    await session.flush()
    await reallocate(session, row, now=now, new=new)
    return place, await _waiting_position(session, place)


async def release_places(
    session: AsyncSession,
    *,
    session_id: uuid.UUID,
    team_id: uuid.UUID,
    user: Principal,
    now: datetime,
) -> Place:
    """Release a team's places; the waiting list is promoted in order."""
    row, _team = await _locked_with_team(session, session_id=session_id, team_id=team_id, user=user)
    queue = await store.active_places(session, row.id)
    place = next((p for p in queue if p.team_id == team_id), None)
    if place is None:
        raise NotFound("the team has no places at this session")
    place.status = "released"
    place.released_at = now
    await session.flush()
    await reallocate(session, row, now=now)
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
    row = await readable_session(session, user, session_id)
    visible = await readable_team_ids(session, user, cohort_id=row.cohort_id)
    queue = await store.active_places(session, row.id)
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


async def _waiting_position(session: AsyncSession, place: Place) -> int | None:
    if place.status != "waitlisted":
        return None
    queue = await store.active_places(session, place.session_id)
    waiting = [p for p in queue if p.status == "waitlisted"]
    return next(i for i, p in enumerate(waiting, 1) if p.id == place.id)
