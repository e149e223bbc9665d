"""HTTP routes of the enrolment service (mounted under /api/enrolment). Thin: parse, call, return.

Only coordinators change cohorts, decisions and coaches. A team lead sees and changes only the
teams of their own organisation: other organisations' teams answer 404, as if they did not exist.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from services.enrolment import schemas, service
from shared.auth import Coordinator, Principal, Role, require_roles
from shared.clock import Clock
from shared.db import ReadSession, Session
from shared.errors import problem_responses
from shared.ratelimit import WRITES, limit_writes

router = APIRouter()

EoiSubmitter = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead)]
TeamReader = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead, Role.coach)]
Reader = Annotated[
    Principal, require_roles(Role.coordinator, Role.team_lead, Role.coach, Role.finance)
]


async def current_time(clock: Clock) -> datetime:
    """Now, from the service's clock (tests move it across a deadline)."""
    return clock.now()


Now = Annotated[datetime, Depends(current_time)]


# ------------------------------------------------------------------------------ cohorts


@router.post(
    "/cohorts",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.CohortOut,
    responses=problem_responses(400),
    tags=["cohorts"],
    summary="Open a cohort (records enrolment.cohort.opened)",
)
async def open_cohort(
    data: schemas.CohortCreate, session: Session, _user: Coordinator, now: Now
) -> schemas.CohortOut:
    cohort = await service.open_cohort(session, data=data, now=now)
    return schemas.cohort_out(cohort, service.cohort_status(cohort, now))


@router.get("/cohorts", response_model=list[schemas.CohortOut], tags=["cohorts"])
async def list_cohorts(session: Session, _user: Reader, now: Now) -> list[schemas.CohortOut]:
    return [
        schemas.cohort_out(c, service.cohort_status(c, now))
        for c in await service.list_cohorts(session)
    ]


@router.get(
    "/cohorts/{cohort_id}",
    response_model=schemas.CohortDetail,
    responses=problem_responses(404),
    tags=["cohorts"],
    summary="A cohort with its live viability",
)
async def get_cohort(
    cohort_id: uuid.UUID, session: Session, _user: Coordinator, now: Now
) -> schemas.CohortDetail:
    cohort, viability = await service.get_cohort(session, cohort_id=cohort_id, now=now)
    return schemas.CohortDetail(
        **schemas.cohort_out(cohort, service.cohort_status(cohort, now)).model_dump(),
        viability=schemas.viability_out(viability),
    )


@router.post(
    "/cohorts/{cohort_id}/close",
    response_model=schemas.CohortOut,
    responses=problem_responses(400, 404, 409),
    tags=["cohorts"],
    summary="Close a cohort to expressions of interest (early, or once the deadline passed)",
)
async def close_cohort(
    cohort_id: uuid.UUID, session: Session, _user: Coordinator, now: Now
) -> schemas.CohortOut:
    cohort = await service.close_cohort(session, cohort_id=cohort_id, now=now)
    return schemas.cohort_out(cohort, service.cohort_status(cohort, now))


@router.post(
    "/cohorts/{cohort_id}/decision",
    response_model=schemas.DecisionOut,
    responses=problem_responses(400, 404, 409),
    tags=["cohorts"],
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
    result = await service.decide(session, cohort_id=cohort_id, data=data, now=now)
    return schemas.DecisionOut(
        cohort=schemas.cohort_out(result.cohort, service.cohort_status(result.cohort, now)),
        confirmed_team_ids=result.confirmed_team_ids,
        released_team_ids=result.released_team_ids,
        changed=result.changed,
    )


@router.post(
    "/cohorts/{cohort_id}/carry-forward",
    response_model=schemas.CarryForwardOut,
    responses=problem_responses(400, 404, 409),
    tags=["cohorts"],
    summary="Carry a cancelled cohort's expressions of interest into a later cohort",
)
async def carry_forward(
    cohort_id: uuid.UUID,
    data: schemas.CarryForwardRequest,
    session: Session,
    user: Coordinator,
    now: Now,
) -> schemas.CarryForwardOut:
    carried, already = await service.carry_forward(
        session, cohort_id=cohort_id, target_cohort_id=data.target_cohort_id, user=user, now=now
    )
    return schemas.CarryForwardOut(
        source_cohort_id=cohort_id,
        target_cohort_id=data.target_cohort_id,
        carried_team_ids=[t.id for t in carried],
        already_carried=already,
    )


# ------------------------------------------------------------------------------ organisations


@router.post(
    "/organisations",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.OrganisationOut,
    responses=problem_responses(400, 409),
    tags=["organisations"],
)
async def create_organisation(
    data: schemas.OrganisationCreate, session: Session, _user: Coordinator, now: Now
) -> schemas.OrganisationOut:
    organisation = await service.create_organisation(session, data=data, now=now)
    return schemas.OrganisationOut.model_validate(organisation)


@router.get("/organisations", response_model=list[schemas.OrganisationOut], tags=["organisations"])
async def list_organisations(session: Session, user: Reader) -> list[schemas.OrganisationOut]:
    return [
        schemas.OrganisationOut.model_validate(o)
        for o in await service.list_organisations(session, user=user)
    ]


@router.get(
    "/organisations/{organisation_id}",
    response_model=schemas.OrganisationOut,
    responses=problem_responses(404),
    tags=["organisations"],
)
async def get_organisation(
    organisation_id: uuid.UUID, session: Session, user: Reader
) -> schemas.OrganisationOut:
    organisation = await service.get_organisation(
        session, organisation_id=organisation_id, user=user
    )
    return schemas.OrganisationOut.model_validate(organisation)


# ------------------------------------------------------------------------------ EOIs / teams


@router.post(
    "/cohorts/{cohort_id}/eois",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.TeamOut,
    responses=problem_responses(400, 404, 409),
    tags=["teams"],
    summary="Submit an expression of interest for a team (records enrolment.eoi.submitted)",
    description="422 lists every missing confirmation (agreement, meeting commitment, senior "
    "sponsor, service-user involvement for clinical teams). After the deadline: 409 "
    "(`eoi-deadline-passed`), unless a coordinator sets `late_entry`, which is recorded.",
)
async def submit_eoi(
    cohort_id: uuid.UUID,
    data: schemas.EoiCreate,
    session: Session,
    user: EoiSubmitter,
    now: Now,
) -> schemas.TeamOut:
    team = await service.submit_eoi(session, cohort_id=cohort_id, data=data, user=user, now=now)
    return schemas.TeamOut.model_validate(team)


@router.get("/teams", response_model=schemas.TeamPage, tags=["teams"])
async def list_teams(
    session: Session,
    user: TeamReader,
    cohort_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    team_status: Annotated[schemas.TeamStatusName | None, Query(alias="status")] = None,
    setting: schemas.Setting | None = None,
    nation: schemas.Nation | None = None,
    coach_id: uuid.UUID | None = None,
    awaiting_coach: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> schemas.TeamPage:
    items, total = await service.list_teams(
        session,
        user=user,
        filters=service.TeamFilters(
            cohort_id=cohort_id,
            organisation_id=organisation_id,
            status=team_status,
            setting=setting,
            nation=nation,
            coach_id=coach_id,
            awaiting_coach=awaiting_coach,
        ),
        limit=limit,
        offset=offset,
    )
    return schemas.TeamPage(
        items=[schemas.TeamOut.model_validate(t) for t in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/teams/{team_id}",
    response_model=schemas.TeamOut,
    responses=problem_responses(404),
    tags=["teams"],
)
async def get_team(team_id: uuid.UUID, session: ReadSession, user: TeamReader) -> schemas.TeamOut:
    return schemas.team_view_out(await service.get_team(session, team_id=team_id, user=user))


@router.patch(
    "/teams/{team_id}",
    response_model=schemas.TeamOut,
    responses=problem_responses(400, 404, 409),
    tags=["teams"],
    summary="Change an expression of interest before the team is confirmed",
)
async def update_eoi(
    team_id: uuid.UUID, data: schemas.EoiUpdate, session: Session, user: EoiSubmitter
) -> schemas.TeamOut:
    return schemas.TeamOut.model_validate(
        await service.update_eoi(session, team_id=team_id, data=data, user=user)
    )


@router.post(
    "/teams/{team_id}/accept",
    response_model=schemas.TeamOut,
    responses=problem_responses(400, 404, 409),
    tags=["teams"],
    summary="Accept an EOI (records enrolment.cohort.viable when the minimum is first reached)",
)
async def accept_team(
    team_id: uuid.UUID, session: Session, user: Coordinator, now: Now
) -> schemas.TeamOut:
    return schemas.TeamOut.model_validate(
        await service.accept_team(session, team_id=team_id, user=user, now=now)
    )


@router.post(
    "/teams/{team_id}/decline",
    response_model=schemas.TeamOut,
    responses=problem_responses(400, 404, 409),
    tags=["teams"],
)
async def decline_team(
    team_id: uuid.UUID,
    session: Session,
    user: Coordinator,
    now: Now,
    data: schemas.DeclineRequest | None = None,
) -> schemas.TeamOut:
    return schemas.TeamOut.model_validate(
        await service.decline_team(
            session, team_id=team_id, reason=data.reason if data else None, user=user, now=now
        )
    )


@router.post(
    "/teams/{team_id}/confirm",
    response_model=schemas.TeamOut,
    responses=problem_responses(400, 404, 409),
    tags=["teams"],
    summary="Confirm a late joiner into a confirmed cohort (records enrolment.team.confirmed)",
    description="Confirming a confirmed team again changes nothing and records nothing.",
)
async def confirm_team(
    team_id: uuid.UUID, session: Session, user: Coordinator, now: Now
) -> schemas.TeamOut:
    return schemas.TeamOut.model_validate(
        await service.confirm_team(session, team_id=team_id, user=user, now=now)
    )


@router.post(
    "/teams/{team_id}/withdraw",
    response_model=schemas.TeamOut,
    responses=problem_responses(400, 404, 409),
    tags=["teams"],
    summary="Withdraw a team (records enrolment.team.withdrawn for a confirmed team)",
)
async def withdraw_team(
    team_id: uuid.UUID,
    data: schemas.WithdrawRequest,
    session: Session,
    user: EoiSubmitter,
    now: Now,
) -> schemas.TeamOut:
    return schemas.TeamOut.model_validate(
        await service.withdraw_team(session, team_id=team_id, data=data, user=user, now=now)
    )


@router.put(
    "/teams/{team_id}/coach",
    response_model=schemas.TeamOut,
    responses=problem_responses(400, 404, 409),
    tags=["coaches"],
    summary="Reassign a confirmed team to a coach (never over the coach's capacity)",
)
async def assign_coach(
    team_id: uuid.UUID, data: schemas.CoachAssignment, session: Session, user: Coordinator
) -> schemas.TeamOut:
    return schemas.TeamOut.model_validate(
        await service.assign_coach(session, team_id=team_id, coach_id=data.coach_id, user=user)
    )


# ------------------------------------------------------------------------------ coaches


@router.post(
    "/coaches",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.CoachOut,
    responses=problem_responses(400, 409),
    tags=["coaches"],
)
async def create_coach(
    data: schemas.CoachCreate, session: Session, _user: Coordinator, now: Now
) -> schemas.CoachOut:
    coach = await service.create_coach(session, data=data, now=now)
    return schemas.CoachOut(
        id=coach.id,
        name=coach.name,
        email=coach.email,
        capacity=coach.capacity,
        load=0,
        free=coach.capacity,
        created_at=coach.created_at,
    )


@router.get("/coaches", response_model=list[schemas.CoachOut], tags=["coaches"])
async def list_coaches(session: Session, _user: Coordinator) -> list[schemas.CoachOut]:
    return [
        schemas.CoachOut(
            id=c.coach.id,
            name=c.coach.name,
            email=c.coach.email,
            capacity=c.coach.capacity,
            load=c.load,
            free=c.free,
            created_at=c.coach.created_at,
        )
        for c in await service.list_coaches(session)
    ]


# People's writes are rate limited per caller (429 with Retry-After; see shared/ratelimit.py).
limit_writes(router, WRITES)
