"""HTTP routes of the enrolment service (mounted under /api/enrolment): one router per resource,
each route thin (parse, call one use case, answer through one ``schemas`` builder).

Only coordinators change cohorts, decisions and coaches. A team lead sees and changes only the
teams of their own organisation: other organisations' teams answer 404, as if they did not exist
(the store's readable statements say so once).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from services.enrolment import (
    coaches,
    cohorts,
    decisions,
    interest,
    organisations,
    schemas,
    teams,
)
from services.enrolment.fields import Nation, Setting, TeamStatusName
from shared.auth import Coordinator, Principal, Role, require_roles
from shared.clock import Clock
from shared.db import ReadSession, Session
from shared.errors import problem_responses
from shared.ratelimit import WRITES, limit_writes

EoiSubmitter = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead)]
TeamReader = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead, Role.coach)]
Reader = Annotated[
    Principal, require_roles(Role.coordinator, Role.team_lead, Role.coach, Role.finance)
]


async def current_time(clock: Clock) -> datetime:
    """Now, from the service's clock (tests move it across a deadline)."""
    return clock.now()


Now = Annotated[datetime, Depends(current_time)]
_CHANGES = problem_responses(400, 404, 409)


# ------------------------------------------------------------------------------ cohorts

cohort_routes = APIRouter(prefix="/cohorts", tags=["cohorts"])


@cohort_routes.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400),
    summary="Open a cohort (records enrolment.cohort.opened)",
)
async def open_cohort(
    data: cohorts.CohortCreate, session: Session, _user: Coordinator, now: Now
) -> schemas.CohortOut:
    return schemas.cohort_out(await cohorts.open_cohort(session, data=data, now=now))


@cohort_routes.get("")
async def list_cohorts(session: Session, _user: Reader, now: Now) -> list[schemas.CohortOut]:
    return [schemas.cohort_out(c) for c in await cohorts.list_cohorts(session, now=now)]


@cohort_routes.get(
    "/{cohort_id}",
    responses=problem_responses(404),
    summary="A cohort with its live viability",
)
async def get_cohort(
    cohort_id: uuid.UUID, session: Session, _user: Coordinator, now: Now
) -> schemas.CohortDetail:
    return schemas.cohort_detail(await cohorts.get_cohort(session, cohort_id=cohort_id, now=now))


@cohort_routes.post(
    "/{cohort_id}/close",
    responses=_CHANGES,
    summary="Close a cohort to expressions of interest (early, or once the deadline passed)",
)
async def close_cohort(
    cohort_id: uuid.UUID, session: Session, _user: Coordinator, now: Now
) -> schemas.CohortOut:
    return schemas.cohort_out(await cohorts.close_cohort(session, cohort_id=cohort_id, now=now))


@cohort_routes.post(
    "/{cohort_id}/decision",
    responses=_CHANGES,
    summary="Go (confirm every accepted team) or no-go (release every team)",
    description="Go needs accepted teams ≥ the minimum, or an `override_reason`. Taking the same "
    "decision again changes nothing (`changed: false`); reversing it is a 409.",
)
async def decide(
    cohort_id: uuid.UUID,
    data: schemas.DecisionRequest,
    session: Session,
    _user: Coordinator,
    now: Now,
) -> schemas.DecisionOut:
    result = await decisions.decide(
        session,
        cohort_id=cohort_id,
        decision=data.decision,
        override_reason=data.override_reason,
        reason=data.reason,
        now=now,
    )
    return schemas.decision_out(result)


@cohort_routes.post(
    "/{cohort_id}/carry-forward",
    responses=_CHANGES,
    summary="Carry a cancelled cohort's expressions of interest into a later cohort",
)
async def carry_forward(
    cohort_id: uuid.UUID,
    data: schemas.CarryForwardRequest,
    session: Session,
    user: Coordinator,
    now: Now,
) -> schemas.CarryForwardOut:
    result = await decisions.carry_forward(
        session, cohort_id=cohort_id, target_cohort_id=data.target_cohort_id, user=user, now=now
    )
    return schemas.carry_forward_out(result)


# ------------------------------------------------------------------------------ organisations

organisation_routes = APIRouter(prefix="/organisations", tags=["organisations"])


@organisation_routes.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 409),
)
async def create_organisation(
    data: organisations.OrganisationCreate, session: Session, _user: Coordinator, now: Now
) -> schemas.OrganisationOut:
    organisation = await organisations.create_organisation(session, data=data, now=now)
    return schemas.organisation_out(organisation)


@organisation_routes.get("")
async def list_organisations(session: Session, user: Reader) -> list[schemas.OrganisationOut]:
    return [
        schemas.organisation_out(o)
        for o in await organisations.list_organisations(session, user=user)
    ]


@organisation_routes.get("/{organisation_id}", responses=problem_responses(404))
async def get_organisation(
    organisation_id: uuid.UUID, session: Session, user: Reader
) -> schemas.OrganisationOut:
    organisation = await organisations.get_organisation(
        session, organisation_id=organisation_id, user=user
    )
    return schemas.organisation_out(organisation)


# ------------------------------------------------------------------------------ EOIs / teams

eoi_routes = APIRouter(prefix="/cohorts/{cohort_id}/eois", tags=["teams"])
team_routes = APIRouter(prefix="/teams", tags=["teams"])


@eoi_routes.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=_CHANGES,
    summary="Submit an expression of interest for a team (records enrolment.eoi.submitted)",
    description="422 lists every missing confirmation (agreement, meeting commitment, senior "
    "sponsor, service-user involvement for clinical teams). After the deadline: 409 "
    "(`eoi-deadline-passed`), unless a coordinator sets `late_entry`, which is recorded.",
)
async def submit_eoi(
    cohort_id: uuid.UUID,
    data: interest.EoiCreate,
    session: Session,
    user: EoiSubmitter,
    now: Now,
) -> schemas.TeamOut:
    team = await interest.submit_eoi(session, cohort_id=cohort_id, data=data, user=user, now=now)
    return schemas.team_out(team)


@team_routes.get("")
async def list_teams(
    session: Session,
    user: TeamReader,
    cohort_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    team_status: Annotated[TeamStatusName | None, Query(alias="status")] = None,
    setting: Setting | None = None,
    nation: Nation | None = None,
    coach_id: uuid.UUID | None = None,
    awaiting_coach: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> schemas.TeamPage:
    filters = teams.TeamFilters(
        cohort_id=cohort_id,
        organisation_id=organisation_id,
        status=team_status,
        setting=setting,
        nation=nation,
        coach_id=coach_id,
        awaiting_coach=awaiting_coach,
    )
    items, total = await teams.list_teams(
        session, user=user, filters=filters, limit=limit, offset=offset
    )
    return schemas.team_page(items, total=total, limit=limit, offset=offset)


@team_routes.get("/{team_id}", responses=problem_responses(404))
async def get_team(team_id: uuid.UUID, session: ReadSession, user: TeamReader) -> schemas.TeamOut:
    return schemas.team_out(await teams.get_team(session, team_id=team_id, user=user))


@team_routes.patch(
    "/{team_id}",
    responses=_CHANGES,
    summary="Change an expression of interest before the team is confirmed",
)
async def update_eoi(
    team_id: uuid.UUID, data: interest.EoiUpdate, session: Session, user: EoiSubmitter
) -> schemas.TeamOut:
    team = await interest.update_eoi(session, team_id=team_id, data=data, user=user)
    return schemas.team_out(team)


@team_routes.post(
    "/{team_id}/accept",
    responses=_CHANGES,
    summary="Accept an EOI (records enrolment.cohort.viable when the minimum is first reached)",
)
async def accept_team(
    team_id: uuid.UUID, session: Session, user: Coordinator, now: Now
) -> schemas.TeamOut:
    team = await interest.accept_team(session, team_id=team_id, user=user, now=now)
    return schemas.team_out(team)


@team_routes.post("/{team_id}/decline", responses=_CHANGES)
async def decline_team(
    team_id: uuid.UUID,
    session: Session,
    user: Coordinator,
    now: Now,
    data: schemas.DeclineRequest | None = None,
) -> schemas.TeamOut:
    team = await interest.decline_team(
        session, team_id=team_id, reason=data.reason if data else None, user=user, now=now
    )
    return schemas.team_out(team)


@team_routes.post(
    "/{team_id}/confirm",
    responses=_CHANGES,
    summary="Confirm a late joiner into a confirmed cohort (records enrolment.team.confirmed)",
    description="Confirming a confirmed team again changes nothing and records nothing.",
)
async def confirm_team(
    team_id: uuid.UUID, session: Session, user: Coordinator, now: Now
) -> schemas.TeamOut:
    team = await decisions.confirm_team(session, team_id=team_id, user=user, now=now)
    return schemas.team_out(team)


@team_routes.post(
    "/{team_id}/withdraw",
    responses=_CHANGES,
    summary="Withdraw a team (records enrolment.team.withdrawn for a confirmed team)",
)
async def withdraw_team(
    team_id: uuid.UUID,
    data: schemas.WithdrawRequest,
    session: Session,
    user: EoiSubmitter,
    now: Now,
) -> schemas.TeamOut:
    team = await interest.withdraw_team(
        session,
        team_id=team_id,
        reason=data.reason,
        withdrawn_on=data.withdrawn_on,
        user=user,
        now=now,
    )
    return schemas.team_out(team)


# ------------------------------------------------------------------------------ coaches

coach_routes = APIRouter(prefix="/coaches", tags=["coaches"])
team_coach_routes = APIRouter(prefix="/teams/{team_id}/coach", tags=["coaches"])


@team_coach_routes.put(
    "",
    responses=_CHANGES,
    summary="Reassign a confirmed team to a coach (never over the coach's capacity)",
)
async def assign_coach(
    team_id: uuid.UUID, data: schemas.CoachAssignment, session: Session, user: Coordinator
) -> schemas.TeamOut:
    team = await coaches.assign_coach(session, team_id=team_id, coach_id=data.coach_id, user=user)
    return schemas.team_out(team)


@coach_routes.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 409),
)
async def create_coach(
    data: schemas.CoachCreate, session: Session, _user: Coordinator, now: Now
) -> schemas.CoachOut:
    coach = await coaches.create_coach(
        session, name=data.name, email=data.email, capacity=data.capacity, now=now
    )
    return schemas.coach_out(coach)


@coach_routes.get("")
async def list_coaches(session: Session, _user: Coordinator) -> list[schemas.CoachOut]:
    return [schemas.coach_out(c) for c in await coaches.list_coaches(session)]


# In the order the API documents them. People's writes are rate limited per caller (429 with
# Retry-After; see shared/ratelimit.py).
ROUTERS: list[APIRouter] = [
    limit_writes(router, WRITES)
    for router in (
        cohort_routes,
        organisation_routes,
        eoi_routes,
        team_routes,
        team_coach_routes,
        coach_routes,
    )
]
