"""Routes of a team's project: the team and its readiness, project team, aim, meetings and
actions, what matters (ideas, themes) and multi-voting; and the cohort-wide readiness."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.improvement import ideas, meetings, project, readiness, teams, voting
from services.improvement.api import Reading, Writing
from services.improvement.models import (
    Aim,
    Idea,
    Meeting,
    MeetingAction,
    PlanMeasure,
    ProjectMember,
    Theme,
    VotingRound,
)
from services.improvement.schemas import projects as out
from shared.errors import problem_responses
from shared.ratelimit import WRITES, limit_writes

Id = uuid.UUID
CHANGES = problem_responses(409)

team_routes = APIRouter(prefix="/teams", tags=["teams"], responses=problem_responses(404))


@team_routes.get("", response_model=list[out.TeamOut])
async def list_teams(
    c: Reading, cohort_id: Annotated[Id | None, Query(description="This cohort's only")] = None
) -> list[teams.TeamView]:
    """The teams the caller may see (a coach: theirs; a team lead: their organisation's)."""
    return await teams.list_teams(c.session, user=c.user, cohort_id=cohort_id, now=c.now)


@team_routes.get("/{team_id}", response_model=out.TeamOut)
async def get_team(team_id: Id, c: Reading) -> teams.TeamView:
    return await teams.team_overview(c.session, user=c.user, team_id=team_id, now=c.now)


@team_routes.get("/{team_id}/readiness", response_model=out.ReadinessOut)
async def team_readiness(team_id: Id, c: Reading) -> readiness.TeamReadiness:
    """The lead-in checklist, computed from the project and from enrolment's and measurement's
    events."""
    return await readiness.team_readiness(c.session, user=c.user, team_id=team_id)


@team_routes.get("/{team_id}/members", response_model=list[out.MemberOut])
async def list_members(
    team_id: Id, c: Reading, include_former: Annotated[bool, Query()] = False
) -> Sequence[ProjectMember]:
    return await project.list_members(
        c.session, user=c.user, team_id=team_id, include_former=include_former
    )


@team_routes.post(
    "/{team_id}/members", status_code=201, response_model=out.MemberOut, responses=CHANGES
)
async def add_member(team_id: Id, data: project.MemberIn, c: Writing) -> ProjectMember:
    return await project.add_member(c.session, user=c.user, team_id=team_id, data=data, now=c.now)


@team_routes.patch(
    "/{team_id}/members/{member_id}", response_model=out.MemberOut, responses=CHANGES
)
async def update_member(
    team_id: Id, member_id: Id, data: project.MemberUpdate, c: Writing
) -> ProjectMember:
    return await project.update_member(
        c.session, user=c.user, team_id=team_id, member_id=member_id, data=data
    )


@team_routes.delete("/{team_id}/members/{member_id}", status_code=204, responses=CHANGES)
async def remove_member(team_id: Id, member_id: Id, c: Writing) -> Response:
    """The member leaves the project team (kept, for the meetings they attended)."""
    await project.remove_member(
        c.session, user=c.user, team_id=team_id, member_id=member_id, now=c.now
    )
    return Response(status_code=204)


@team_routes.get("/{team_id}/aim", response_model=out.AimOut)
async def get_aim(team_id: Id, c: Reading) -> Aim:
    return await project.aim(c.session, user=c.user, team_id=team_id)


@team_routes.put("/{team_id}/aim", response_model=out.AimOut, responses=CHANGES)
async def set_aim(team_id: Id, data: project.AimIn, c: Writing) -> Aim:
    """Write the aim statement: what will improve, by how much, by when (a changed aim must be
    agreed again)."""
    return await project.set_aim(c.session, user=c.user, team_id=team_id, data=data, now=c.now)


@team_routes.post("/{team_id}/aim/agreement", response_model=out.AimOut, responses=CHANGES)
async def agree_aim(team_id: Id, c: Writing) -> Aim:
    """The aim as it stands is agreed with the coach and the sponsor."""
    return await project.agree_aim(c.session, user=c.user, team_id=team_id, now=c.now)


cohort_routes = APIRouter(prefix="/cohorts", tags=["cohorts"], responses=problem_responses(404))


@cohort_routes.get("/{cohort_id}/readiness", response_model=out.CohortReadinessOut)
async def cohort_readiness(cohort_id: Id, c: Reading) -> readiness.CohortReadiness:
    """Readiness of the cohort's active teams the caller may see."""
    return await readiness.cohort_readiness(c.session, user=c.user, cohort_id=cohort_id)


@cohort_routes.get("/{cohort_id}/measures", response_model=list[out.PlanMeasureOut])
async def plan_measures(cohort_id: Id, c: Reading) -> Sequence[PlanMeasure]:
    """The measures of the cohort's plan, as measurement announced them."""
    return await teams.plan_measures(c.session, user=c.user, cohort_id=cohort_id)


meeting_routes = APIRouter(tags=["project meetings"], responses=problem_responses(404))


@meeting_routes.get("/teams/{team_id}/meetings", response_model=list[out.MeetingSummaryOut])
async def list_meetings(team_id: Id, c: Reading) -> Sequence[Meeting]:
    return await meetings.list_meetings(c.session, user=c.user, team_id=team_id)


@meeting_routes.post(
    "/teams/{team_id}/meetings", status_code=201, response_model=out.MeetingOut, responses=CHANGES
)
async def log_meeting(team_id: Id, data: meetings.MeetingIn, c: Writing) -> meetings.MeetingView:
    """Log a project meeting, the actions agreed at it and the open actions it saw done."""
    return await meetings.log_meeting(c.session, user=c.user, team_id=team_id, data=data, now=c.now)


@meeting_routes.get("/meetings/{meeting_id}", response_model=out.MeetingOut)
async def get_meeting(meeting_id: Id, c: Reading) -> meetings.MeetingView:
    """A meeting, its actions and the earlier actions carried over to it."""
    return await meetings.meeting(c.session, user=c.user, meeting_id=meeting_id)


@meeting_routes.get("/teams/{team_id}/actions", response_model=list[out.ActionOut])
async def list_actions(
    team_id: Id, c: Reading, open_only: Annotated[bool, Query()] = True
) -> Sequence[MeetingAction]:
    return await meetings.list_actions(c.session, user=c.user, team_id=team_id, open_only=open_only)


@meeting_routes.patch("/actions/{action_id}", response_model=out.ActionOut, responses=CHANGES)
async def update_action(action_id: Id, data: meetings.ActionUpdate, c: Writing) -> MeetingAction:
    return await meetings.update_action(
        c.session, user=c.user, action_id=action_id, data=data, now=c.now
    )


idea_routes = APIRouter(tags=["what matters"], responses=problem_responses(404))


@idea_routes.get("/teams/{team_id}/themes", response_model=list[out.ThemeOut])
async def list_themes(team_id: Id, c: Reading) -> Sequence[Theme]:
    return await ideas.list_themes(c.session, user=c.user, team_id=team_id)


@idea_routes.post(
    "/teams/{team_id}/themes", status_code=201, response_model=out.ThemeOut, responses=CHANGES
)
async def add_theme(team_id: Id, data: ideas.ThemeIn, c: Writing) -> Theme:
    return await ideas.add_theme(c.session, user=c.user, team_id=team_id, data=data)


@idea_routes.get("/teams/{team_id}/ideas", response_model=list[out.IdeaOut])
async def list_ideas(
    team_id: Id, c: Reading, kind: Annotated[ideas.IdeaKind | None, Query()] = None
) -> Sequence[Idea]:
    return await ideas.list_ideas(c.session, user=c.user, team_id=team_id, kind=kind)


@idea_routes.post(
    "/teams/{team_id}/ideas", status_code=201, response_model=out.IdeaOut, responses=CHANGES
)
async def add_idea(team_id: Id, data: ideas.IdeaIn, c: Writing) -> Idea:
    """Record what matters to staff, or a pebble in the shoe: anonymous, no names."""
    return await ideas.add_idea(c.session, user=c.user, team_id=team_id, data=data, now=c.now)


@idea_routes.patch("/ideas/{idea_id}", response_model=out.IdeaOut, responses=CHANGES)
async def update_idea(idea_id: Id, data: ideas.IdeaUpdate, c: Writing) -> Idea:
    """Group it under a theme; show back what was done ("you said, we did")."""
    return await ideas.update_idea(c.session, user=c.user, idea_id=idea_id, data=data)


@idea_routes.get("/teams/{team_id}/voting-rounds", response_model=list[out.RoundSummaryOut])
async def list_rounds(team_id: Id, c: Reading) -> Sequence[VotingRound]:
    return await voting.list_rounds(c.session, user=c.user, team_id=team_id)


@idea_routes.post(
    "/teams/{team_id}/voting-rounds",
    status_code=201,
    response_model=out.OpenedRoundOut,
    responses=CHANGES,
)
async def open_round(team_id: Id, data: voting.RoundIn, c: Writing) -> voting.OpenedRound:
    """Open a multi-voting round: one one-time ballot code per voter, shown only in this answer."""
    return await voting.open_round(c.session, user=c.user, team_id=team_id, data=data, now=c.now)


@idea_routes.get("/voting-rounds/{round_id}", response_model=out.RoundOut)
async def get_round(round_id: Id, c: Reading) -> voting.RoundView:
    """A round: its ideas, the ballots cast, and once it is closed the votes and ranks."""
    return await voting.round_view(c.session, user=c.user, round_id=round_id)


@idea_routes.post(
    "/voting-rounds/{round_id}/ballots",
    status_code=201,
    response_model=out.RoundSummaryOut,
    responses=CHANGES,
)
async def cast_ballot(round_id: Id, data: voting.BallotIn, c: Writing) -> VotingRound:
    """One voter's whole ballot, with their one-time code. Nothing of the voter is kept."""
    cast = await voting.cast_ballot(c.session, user=c.user, round_id=round_id, data=data, now=c.now)
    return cast.round


@idea_routes.post("/voting-rounds/{round_id}/close", response_model=out.RoundOut, responses=CHANGES)
async def close_round(round_id: Id, c: Writing) -> voting.RoundView:
    """No more ballots: the results are shown."""
    return await voting.close_round(c.session, user=c.user, round_id=round_id, now=c.now)


ROUTERS = [team_routes, cohort_routes, meeting_routes, idea_routes]
for _router in ROUTERS:
    limit_writes(_router, WRITES)
