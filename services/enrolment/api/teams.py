"""Routes of expressions of interest and teams: submit (applicants too, with a limit of their
own), list and read, edit, accept, decline, confirm a late joiner, withdraw."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from services.enrolment import decisions, interest, schemas, teams, withdrawals
from services.enrolment.api.common import CHANGES, EoiSubmitter, Now, TeamReader
from services.enrolment.fields import Nation, Setting, TeamStatusName
from shared.auth import Coordinator, CurrentUser, Role
from shared.db import ReadSession, Session
from shared.errors import problem_responses
from shared.ratelimit import APPLICATIONS

eoi_routes = APIRouter(prefix="/cohorts/{cohort_id}/eois", tags=["teams"])
team_routes = APIRouter(prefix="/teams", tags=["teams"])


async def limit_applications(request: Request, user: CurrentUser) -> None:
    """Applicants' applications take the table's tighter ``applications`` limit (a burst of 20,
    then one every 3 minutes, per applicant and replica); other people's the usual ``writes``."""
    if user.role is Role.applicant:
        await APPLICATIONS(request, user)


@eoi_routes.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={**CHANGES, **APPLICATIONS.responses},
    dependencies=[Depends(limit_applications)],
    summary="Submit an expression of interest for a team (records enrolment.eoi.submitted)",
    description="422 lists every missing answer with its own message (senior sponsor, team size, "
    "contact phone, what the team hopes to improve, each commitment, service-user involvement "
    "for clinical teams). An applicant names the organisation by its ODS code (`organisation`): "
    "an unknown code registers it, unverified. The same team name from the same organisation "
    "in the same cohort is a 409 (`duplicate-eoi`). After the deadline: 409 "
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
    responses=CHANGES,
    summary="Change an expression of interest before the team is confirmed",
)
async def update_eoi(
    team_id: uuid.UUID, data: interest.EoiUpdate, session: Session, user: EoiSubmitter
) -> schemas.TeamOut:
    team = await interest.update_eoi(session, team_id=team_id, data=data, user=user)
    return schemas.team_out(team)


@team_routes.post(
    "/{team_id}/accept",
    responses=CHANGES,
    summary="Accept an EOI (records enrolment.cohort.viable when the minimum is first reached)",
    description="A team of an unverified organisation is refused (409 `organisation-unverified`).",
)
async def accept_team(
    team_id: uuid.UUID, session: Session, user: Coordinator, now: Now
) -> schemas.TeamOut:
    team = await interest.accept_team(session, team_id=team_id, user=user, now=now)
    return schemas.team_out(team)


@team_routes.post("/{team_id}/decline", responses=CHANGES)
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
    responses=CHANGES,
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
    responses=CHANGES,
    summary="Withdraw a team (records enrolment.team.withdrawn for a confirmed team)",
    description="The withdrawal takes effect today (UK) unless a coordinator gives another "
    "`withdrawn_on` (403 for anyone else), never before the team was confirmed nor in the "
    "future (422). An applicant withdraws their own application until it is confirmed.",
)
async def withdraw_team(
    team_id: uuid.UUID,
    data: schemas.WithdrawRequest,
    session: Session,
    user: EoiSubmitter,
    now: Now,
) -> schemas.TeamOut:
    team = await withdrawals.withdraw_team(
        session,
        team_id=team_id,
        reason=data.reason,
        withdrawn_on=data.withdrawn_on,
        user=user,
        now=now,
    )
    return schemas.team_out(team)
