"""HTTP routes of the sessions service (mounted under /api/sessions). Thin: parse, call, return."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from services.sessions import schemas, service
from services.sessions.models import Attendance, CoachAllocation, Place, ProgrammeSession
from shared.auth import Coordinator, Principal, Role, require_roles
from shared.db import Session
from shared.errors import problem_responses
from shared.ratelimit import WRITES, limit_writes

router = APIRouter()

Reader = Annotated[Principal, require_roles(Role.coordinator, Role.coach, Role.team_lead)]
AttendanceRecorder = Annotated[Principal, require_roles(Role.coordinator, Role.coach)]
PlaceRegistrar = Annotated[Principal, require_roles(Role.coordinator, Role.coach, Role.team_lead)]
FeedToken = Annotated[
    str | None,
    Query(description="The secret feed token (calendar clients cannot send bearer tokens)"),
]
IncludeWithdrawn = Annotated[bool, Query(description="Include teams that have withdrawn")]

CALENDAR = "text/calendar; charset=utf-8"


def _session_out(view: service.SessionView) -> schemas.SessionOut:
    row = view.row
    return schemas.SessionOut.model_validate(
        {
            **{
                name: getattr(row, name)
                for name in schemas.SessionOut.model_fields
                if hasattr(row, name)
            },
            "drafted": row.draft_key is not None,
            "places_confirmed": view.places_confirmed,
            "places_waitlisted": view.places_waitlisted,
        }
    )


def _place_out(place: Place, position: int | None = None) -> schemas.PlaceOut:
    out = schemas.PlaceOut.model_validate(place)
    return out.model_copy(update={"waiting_position": position})


def _attendance_out(record: Attendance, row: ProgrammeSession) -> schemas.AttendanceOut:
    out = schemas.AttendanceOut.model_validate(record)
    return out.model_copy(update={"session_kind": row.kind, "session_starts_at": row.starts_at})


def _engagement_out(e: service.TeamEngagement) -> schemas.EngagementOut:
    return schemas.EngagementOut(
        team_id=e.team.team_id,
        cohort_id=e.team.cohort_id,
        team_name=e.team.team_name,
        status=e.team.status,
        coach_id=e.coach_id,
        sessions_held=e.held,
        sessions_attended=e.attended,
        attendance_rate=e.rate,
        missed_learning_sets_in_a_row=e.missed_in_a_row,
        disengaged=e.disengaged,
        disengagements=[schemas.DisengagementOut.model_validate(d) for d in e.disengagements],
    )


def _roster_out(team: object, allocation: CoachAllocation | None) -> schemas.RosterTeamOut:
    out = schemas.RosterTeamOut.model_validate(team)
    if allocation is None:
        return out
    return out.model_copy(
        update={"coach_id": allocation.coach_id, "coach_name": allocation.coach_name}
    )


# --- the schedule -------------------------------------------------------------------------


@router.get(
    "/cohorts/{cohort_id}/sessions",
    response_model=list[schemas.SessionOut],
    responses=problem_responses(404),
    tags=["sessions"],
    summary="The cohort's sessions in time order, cancelled ones included unless filtered",
)
async def list_sessions(
    cohort_id: uuid.UUID,
    session: Session,
    user: Reader,
    filters: Annotated[schemas.SessionFilters, Query()],
) -> list[schemas.SessionOut]:
    found = await service.list_sessions(session, cohort_id=cohort_id, user=user, filters=filters)
    return [_session_out(v) for v in found]


@router.post(
    "/cohorts/{cohort_id}/sessions",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.SessionOut,
    responses=problem_responses(404, 409),
    tags=["sessions"],
)
async def create_session(
    cohort_id: uuid.UUID, data: schemas.SessionCreate, session: Session, _user: Coordinator
) -> schemas.SessionOut:
    return _session_out(await service.create_session(session, cohort_id=cohort_id, data=data))


@router.get(
    "/sessions/{session_id}",
    response_model=schemas.SessionOut,
    responses=problem_responses(404),
    tags=["sessions"],
)
async def get_session(session_id: uuid.UUID, session: Session, user: Reader) -> schemas.SessionOut:
    return _session_out(await service.get_session_view(session, session_id=session_id, user=user))


@router.patch(
    "/sessions/{session_id}",
    response_model=schemas.SessionOut,
    responses=problem_responses(404, 409),
    tags=["sessions"],
    summary="Move a session, change its mode, venue, join link, capacity, title or notes",
)
async def update_session(
    session_id: uuid.UUID, data: schemas.SessionUpdate, session: Session, _user: Coordinator
) -> schemas.SessionOut:
    return _session_out(await service.update_session(session, session_id=session_id, data=data))


@router.post(
    "/sessions/{session_id}/cancel",
    response_model=schemas.SessionOut,
    responses=problem_responses(404),
    tags=["sessions"],
)
async def cancel_session(
    session_id: uuid.UUID, data: schemas.SessionCancel, session: Session, _user: Coordinator
) -> schemas.SessionOut:
    return _session_out(await service.cancel_session(session, session_id=session_id, data=data))


# --- places -------------------------------------------------------------------------------


@router.get(
    "/sessions/{session_id}/places",
    response_model=schemas.PlacesOut,
    responses=problem_responses(404),
    tags=["places"],
)
async def list_places(session_id: uuid.UUID, session: Session, user: Reader) -> schemas.PlacesOut:
    found = await service.list_places(session, session_id=session_id, user=user)
    return schemas.PlacesOut(
        session_id=found.session.id,
        capacity=found.session.capacity,
        places_confirmed=found.places_confirmed,
        confirmed=[_place_out(p) for p in found.confirmed],
        waiting_list=[_place_out(p, position) for p, position in found.waiting],
    )


@router.get(
    "/sessions/{session_id}/waiting-list",
    response_model=list[schemas.PlaceOut],
    responses=problem_responses(404),
    tags=["places"],
)
async def waiting_list(
    session_id: uuid.UUID, session: Session, user: Reader
) -> list[schemas.PlaceOut]:
    found = await service.list_places(session, session_id=session_id, user=user)
    return [_place_out(p, position) for p, position in found.waiting]


@router.post(
    "/sessions/{session_id}/places",
    response_model=schemas.PlaceOut,
    responses=problem_responses(404, 409),
    tags=["places"],
    summary="Register (or change) a team's places; over capacity it joins the waiting list",
)
async def register_places(
    session_id: uuid.UUID, data: schemas.PlaceRegister, session: Session, user: PlaceRegistrar
) -> schemas.PlaceOut:
    place, position = await service.register_places(
        session, session_id=session_id, data=data, user=user
    )
    return _place_out(place, position)


@router.delete(
    "/sessions/{session_id}/places/{team_id}",
    response_model=schemas.PlaceOut,
    responses=problem_responses(404),
    tags=["places"],
    summary="Release a team's places; the waiting list is promoted in order",
)
async def release_places(
    session_id: uuid.UUID, team_id: uuid.UUID, session: Session, user: PlaceRegistrar
) -> schemas.PlaceOut:
    place = await service.release_places(session, session_id=session_id, team_id=team_id, user=user)
    return _place_out(place)


# --- attendance, rosters, engagement ------------------------------------------------------


@router.post(
    "/sessions/{session_id}/attendance",
    response_model=schemas.AttendanceOut,
    status_code=status.HTTP_201_CREATED,
    responses={**problem_responses(404, 409), 200: {"description": "An earlier record corrected"}},
    tags=["attendance"],
)
async def record_attendance(
    session_id: uuid.UUID,
    data: schemas.AttendanceRecord,
    session: Session,
    user: AttendanceRecorder,
    response: Response,
) -> schemas.AttendanceOut:
    record, row, created = await service.record_attendance(
        session, session_id=session_id, data=data, user=user
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return _attendance_out(record, row)


@router.get(
    "/sessions/{session_id}/attendance",
    response_model=list[schemas.AttendanceOut],
    responses=problem_responses(404),
    tags=["attendance"],
)
async def session_attendance(
    session_id: uuid.UUID, session: Session, user: Reader
) -> list[schemas.AttendanceOut]:
    found = await service.list_session_attendance(session, session_id=session_id, user=user)
    return [_attendance_out(a, s) for a, s in found]


@router.get(
    "/teams/{team_id}/attendance",
    response_model=list[schemas.AttendanceOut],
    responses=problem_responses(404),
    tags=["attendance"],
)
async def team_attendance(
    team_id: uuid.UUID, session: Session, user: Reader
) -> list[schemas.AttendanceOut]:
    found = await service.list_team_attendance(session, team_id=team_id, user=user)
    return [_attendance_out(a, s) for a, s in found]


@router.get(
    "/cohorts/{cohort_id}/roster",
    response_model=list[schemas.RosterTeamOut],
    responses=problem_responses(404),
    tags=["rosters"],
)
async def cohort_roster(
    cohort_id: uuid.UUID,
    session: Session,
    user: Reader,
    include_withdrawn: IncludeWithdrawn = False,
) -> list[schemas.RosterTeamOut]:
    found = await service.roster(
        session, cohort_id=cohort_id, user=user, include_withdrawn=include_withdrawn
    )
    return [_roster_out(t, c) for t, c in found]


@router.get(
    "/teams/{team_id}/engagement",
    response_model=schemas.EngagementOut,
    responses=problem_responses(404),
    tags=["engagement"],
)
async def team_engagement(
    team_id: uuid.UUID, session: Session, user: Reader
) -> schemas.EngagementOut:
    return _engagement_out(await service.team_engagement(session, team_id=team_id, user=user))


@router.get(
    "/cohorts/{cohort_id}/engagement",
    response_model=list[schemas.EngagementOut],
    responses=problem_responses(404),
    tags=["engagement"],
)
async def cohort_engagement(
    cohort_id: uuid.UUID,
    session: Session,
    user: Reader,
    include_withdrawn: IncludeWithdrawn = False,
) -> list[schemas.EngagementOut]:
    found = await service.cohort_engagement(
        session, cohort_id=cohort_id, user=user, include_withdrawn=include_withdrawn
    )
    return [_engagement_out(e) for e in found]


# --- calendar feeds -----------------------------------------------------------------------


@router.post(
    "/feed-tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.FeedTokenCreated,
    responses=problem_responses(404),
    tags=["calendar"],
    summary="A secret, revocable link to subscribe to a cohort's or a team's calendar",
)
async def create_feed_token(
    data: schemas.FeedTokenCreate, session: Session, user: Reader
) -> schemas.FeedTokenCreated:
    token, secret = await service.create_feed_token(session, data=data, user=user)
    out = schemas.FeedTokenOut.model_validate(token)
    return schemas.FeedTokenCreated(
        **out.model_dump(), token=secret, url=service.feed_path(token, secret)
    )


@router.get("/feed-tokens", response_model=list[schemas.FeedTokenOut], tags=["calendar"])
async def list_feed_tokens(session: Session, user: Reader) -> list[schemas.FeedTokenOut]:
    tokens = await service.list_feed_tokens(session, user=user)
    return [schemas.FeedTokenOut.model_validate(t) for t in tokens]


@router.delete(
    "/feed-tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
    tags=["calendar"],
)
async def revoke_feed_token(token_id: uuid.UUID, session: Session, user: Reader) -> Response:
    await service.revoke_feed_token(session, token_id=token_id, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


_ICS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "An RFC 5545 calendar"}
}


@router.get(
    "/cohorts/{cohort_id}/calendar.ics",
    response_class=Response,
    responses={**_ICS, **problem_responses(404)},
    tags=["calendar"],
    summary="The cohort's calendar feed (secret token in the URL; a bad token is 404)",
)
async def cohort_calendar(
    cohort_id: uuid.UUID, session: Session, token: FeedToken = None
) -> Response:
    body = await service.cohort_feed(session, cohort_id=cohort_id, token=token)
    return Response(body, media_type=CALENDAR, headers={"Cache-Control": "private, max-age=300"})


@router.get(
    "/teams/{team_id}/calendar.ics",
    response_class=Response,
    responses={**_ICS, **problem_responses(404)},
    tags=["calendar"],
    summary="A team's calendar feed (secret token in the URL; a bad token is 404)",
)
async def team_calendar(team_id: uuid.UUID, session: Session, token: FeedToken = None) -> Response:
    body = await service.team_feed(session, team_id=team_id, token=token)
    return Response(body, media_type=CALENDAR, headers={"Cache-Control": "private, max-age=300"})


# People's writes are rate limited per caller (429 with Retry-After; see shared/ratelimit.py).
limit_writes(router, WRITES)
