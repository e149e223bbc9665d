"""Routes of the changes a team tests: driver diagrams (the cohort's change package and the
team's own, JSON and SVG, versions), change ideas and their PDSA cycles, progress scores, and
the cohort's idea library."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from services.improvement import change_ideas, diagrams, library, pdsa, progress
from services.improvement.api import Reading, Scoring, Writing
from services.improvement.models import DiagramVersion
from services.improvement.rules.library import LibraryEntry
from services.improvement.rules.programme import MONTH_PATTERN
from services.improvement.rules.progress import Level
from services.improvement.schemas import changes as out
from shared.errors import problem_responses
from shared.ratelimit import WRITES, limit_writes

Id = uuid.UUID
CHANGES = problem_responses(403, 409)
Month = Annotated[str, Path(pattern=MONTH_PATTERN, description="YYYY-MM, a programme month")]
Version = Annotated[int, Path(ge=1, le=1_000_000)]
SVG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}, "description": "SVG"}
}

diagram_routes = APIRouter(tags=["driver diagrams"], responses=problem_responses(404))


@diagram_routes.get("/cohorts/{cohort_id}/package", response_model=out.DiagramOut)
async def change_package(cohort_id: Id, c: Reading) -> diagrams.DiagramView:
    """The cohort's change package: its shared driver diagram, set by the coordinator."""
    return await diagrams.package(c.session, user=c.user, cohort_id=cohort_id)


@diagram_routes.post(
    "/teams/{team_id}/diagram", status_code=201, response_model=out.DiagramOut, responses=CHANGES
)
async def start_team_diagram(team_id: Id, c: Writing) -> diagrams.DiagramView:
    """Start the team's driver diagram from the cohort's change package as it stands."""
    return await diagrams.start_team_diagram(c.session, user=c.user, team_id=team_id, now=c.now)


@diagram_routes.get("/teams/{team_id}/diagram", response_model=out.DiagramOut)
async def team_diagram(team_id: Id, c: Reading) -> diagrams.DiagramView:
    return await diagrams.team_diagram(c.session, user=c.user, team_id=team_id)


@diagram_routes.get("/diagrams/{diagram_id}.svg", response_class=Response, responses=SVG)
async def diagram_svg(diagram_id: Id, c: Reading) -> Response:
    """The diagram drawn as SVG, change ideas coloured by their outcome."""
    svg = await diagrams.picture(c.session, user=c.user, diagram_id=diagram_id)
    return Response(svg, media_type="image/svg+xml")


@diagram_routes.get("/diagrams/{diagram_id}", response_model=out.DiagramOut)
async def get_diagram(diagram_id: Id, c: Reading) -> diagrams.DiagramView:
    return await diagrams.diagram(c.session, user=c.user, diagram_id=diagram_id)


@diagram_routes.get("/diagrams/{diagram_id}/versions", response_model=list[out.VersionSummaryOut])
async def list_versions(diagram_id: Id, c: Reading) -> Sequence[DiagramVersion]:
    """Every saved version, newest first."""
    return await diagrams.versions(c.session, user=c.user, diagram_id=diagram_id)


@diagram_routes.get("/diagrams/{diagram_id}/versions/{version}", response_model=out.VersionOut)
async def get_version(diagram_id: Id, version: Version, c: Reading) -> DiagramVersion:
    return await diagrams.version(c.session, user=c.user, diagram_id=diagram_id, number=version)


@diagram_routes.put("/diagrams/{diagram_id}/aim", response_model=out.DiagramOut, responses=CHANGES)
async def set_diagram_aim(
    diagram_id: Id, data: diagrams.AimText, c: Writing
) -> diagrams.DiagramView:
    return await diagrams.set_aim(
        c.session, user=c.user, diagram_id=diagram_id, data=data, now=c.now
    )


@diagram_routes.post(
    "/diagrams/{diagram_id}/drivers",
    status_code=201,
    response_model=out.DiagramOut,
    responses=CHANGES,
)
async def add_driver(diagram_id: Id, data: diagrams.DriverIn, c: Writing) -> diagrams.DiagramView:
    """Add a primary driver, or a secondary one under a primary driver."""
    return await diagrams.add_driver(
        c.session, user=c.user, diagram_id=diagram_id, data=data, now=c.now
    )


@diagram_routes.patch(
    "/diagrams/{diagram_id}/drivers/{driver_id}", response_model=out.DiagramOut, responses=CHANGES
)
async def update_driver(
    diagram_id: Id, driver_id: Id, data: diagrams.DriverUpdate, c: Writing
) -> diagrams.DiagramView:
    return await diagrams.update_driver(
        c.session, user=c.user, diagram_id=diagram_id, driver_id=driver_id, data=data, now=c.now
    )


@diagram_routes.delete(
    "/diagrams/{diagram_id}/drivers/{driver_id}", response_model=out.DiagramOut, responses=CHANGES
)
async def remove_driver(diagram_id: Id, driver_id: Id, c: Writing) -> diagrams.DiagramView:
    """Remove a driver nothing hangs on."""
    return await diagrams.remove_driver(
        c.session, user=c.user, diagram_id=diagram_id, driver_id=driver_id, now=c.now
    )


@diagram_routes.post(
    "/diagrams/{diagram_id}/change-ideas",
    status_code=201,
    response_model=out.DiagramOut,
    responses=CHANGES,
)
async def add_change_idea(
    diagram_id: Id, data: change_ideas.ChangeIdeaIn, c: Writing
) -> diagrams.DiagramView:
    return await change_ideas.add_change_idea(
        c.session, user=c.user, diagram_id=diagram_id, data=data, now=c.now
    )


@diagram_routes.post(
    "/diagrams/{diagram_id}/change-ideas/copies",
    status_code=201,
    response_model=out.DiagramOut,
    responses=CHANGES,
)
async def copy_change_idea(
    diagram_id: Id, data: change_ideas.IdeaCopy, c: Writing
) -> diagrams.DiagramView:
    """Copy an idea from the cohort's library into the team's diagram."""
    return await change_ideas.copy_change_idea(
        c.session, user=c.user, diagram_id=diagram_id, data=data, now=c.now
    )


pdsa_routes = APIRouter(tags=["change ideas and PDSA cycles"], responses=problem_responses(404))


@pdsa_routes.get("/teams/{team_id}/change-ideas", response_model=list[out.ChangeIdeaOut])
async def team_change_ideas(team_id: Id, c: Reading) -> list[change_ideas.IdeaSummary]:
    return await change_ideas.team_change_ideas(c.session, user=c.user, team_id=team_id)


@pdsa_routes.get("/change-ideas/{change_idea_id}", response_model=out.IdeaRampOut)
async def get_change_idea(change_idea_id: Id, c: Reading) -> change_ideas.IdeaRamp:
    """A change idea with its PDSA cycles in ramp order."""
    return await change_ideas.idea_ramp(c.session, user=c.user, change_idea_id=change_idea_id)


@pdsa_routes.patch(
    "/change-ideas/{change_idea_id}", response_model=out.DiagramOut, responses=CHANGES
)
async def update_change_idea(
    change_idea_id: Id, data: change_ideas.ChangeIdeaUpdate, c: Writing
) -> diagrams.DiagramView:
    """Rename it, or move it to another driver; answers with its diagram."""
    return await change_ideas.update_change_idea(
        c.session, user=c.user, change_idea_id=change_idea_id, data=data, now=c.now
    )


@pdsa_routes.delete(
    "/change-ideas/{change_idea_id}", response_model=out.DiagramOut, responses=CHANGES
)
async def remove_change_idea(change_idea_id: Id, c: Writing) -> diagrams.DiagramView:
    """Remove a change idea no PDSA cycle has tested."""
    return await change_ideas.remove_change_idea(
        c.session, user=c.user, change_idea_id=change_idea_id, now=c.now
    )


@pdsa_routes.post(
    "/change-ideas/{change_idea_id}/cycles",
    status_code=201,
    response_model=out.CycleOut,
    responses=CHANGES,
)
async def plan_cycle(change_idea_id: Id, data: pdsa.PlanIn, c: Writing) -> pdsa.CycleView:
    """Plan the next PDSA cycle on the idea's ramp."""
    return await pdsa.plan_cycle(
        c.session, user=c.user, change_idea_id=change_idea_id, data=data, now=c.now
    )


@pdsa_routes.get("/cycles/{cycle_id}", response_model=out.CycleOut)
async def get_cycle(cycle_id: Id, c: Reading) -> pdsa.CycleView:
    return await pdsa.cycle(c.session, user=c.user, cycle_id=cycle_id)


@pdsa_routes.put("/cycles/{cycle_id}/plan", response_model=out.CycleOut, responses=CHANGES)
async def revise_plan(cycle_id: Id, data: pdsa.PlanIn, c: Writing) -> pdsa.CycleView:
    return await pdsa.revise_plan(c.session, user=c.user, cycle_id=cycle_id, data=data)


@pdsa_routes.post("/cycles/{cycle_id}/start", response_model=out.CycleOut, responses=CHANGES)
async def start_cycle(cycle_id: Id, data: pdsa.StartIn, c: Writing) -> pdsa.CycleView:
    """The Do begins: records improvement.pdsa.started."""
    return await pdsa.start_cycle(c.session, user=c.user, cycle_id=cycle_id, data=data, now=c.now)


@pdsa_routes.put("/cycles/{cycle_id}/do", response_model=out.CycleOut, responses=CHANGES)
async def record_do(cycle_id: Id, data: pdsa.DoIn, c: Writing) -> pdsa.CycleView:
    return await pdsa.record_do(c.session, user=c.user, cycle_id=cycle_id, data=data)


@pdsa_routes.put("/cycles/{cycle_id}/study", response_model=out.CycleOut, responses=CHANGES)
async def record_study(cycle_id: Id, data: pdsa.StudyIn, c: Writing) -> pdsa.CycleView:
    return await pdsa.record_study(c.session, user=c.user, cycle_id=cycle_id, data=data)


@pdsa_routes.post("/cycles/{cycle_id}/act", response_model=out.CycleOut, responses=CHANGES)
async def act(cycle_id: Id, data: pdsa.ActIn, c: Writing) -> pdsa.CycleView:
    """Adopt, adapt or abandon: records improvement.pdsa.completed."""
    return await pdsa.act(c.session, user=c.user, cycle_id=cycle_id, data=data, now=c.now)


@pdsa_routes.put("/cycles/{cycle_id}/sharing", response_model=out.CycleOut, responses=CHANGES)
async def share_cycle(cycle_id: Id, data: pdsa.SharingIn, c: Writing) -> pdsa.CycleView:
    """Share a completed cycle's summary with the cohort's other teams (null: stop sharing)."""
    return await pdsa.share(c.session, user=c.user, cycle_id=cycle_id, data=data)


progress_routes = APIRouter(tags=["progress scores"], responses=problem_responses(404))


@progress_routes.get("/progress-score-levels", response_model=list[out.LevelOut])
async def score_levels(_c: Reading) -> tuple[Level, ...]:
    """The IHI progress score levels, 0.5 to 5, with their definitions."""
    return progress.score_levels()


@progress_routes.get("/teams/{team_id}/progress-scores", response_model=out.TeamProgressOut)
async def team_scores(team_id: Id, c: Reading) -> progress.TeamProgress:
    """The team's score for every programme month, each with its history."""
    return await progress.team_progress(c.session, user=c.user, team_id=team_id)


@progress_routes.put(
    "/teams/{team_id}/progress-scores/{month}", response_model=out.MonthScoreOut, responses=CHANGES
)
async def set_score(
    team_id: Id, month: Month, data: progress.ScoreIn, c: Scoring
) -> progress.MonthScores:
    """Set the team's score for a month: the coach, with the team."""
    return await progress.set_score(
        c.session, user=c.user, team_id=team_id, month=month, data=data, now=c.now
    )


@progress_routes.get(
    "/cohorts/{cohort_id}/progress-scores", response_model=list[out.DistributionOut]
)
async def cohort_scores(cohort_id: Id, c: Reading) -> list[progress.MonthDistribution]:
    """How many of the cohort's teams stand at each level, month by month (no team named)."""
    return await progress.cohort_distribution(c.session, user=c.user, cohort_id=cohort_id)


library_routes = APIRouter(tags=["sharing across teams"], responses=problem_responses(404))


@library_routes.get("/cohorts/{cohort_id}/library", response_model=list[LibraryEntry])
async def idea_library(cohort_id: Id, c: Reading) -> list[LibraryEntry]:
    """Every change idea tested in the cohort: how many teams tested, adopted, adapted or
    abandoned it, and the PDSA summaries teams chose to share."""
    return await library.cohort_library(c.session, user=c.user, cohort_id=cohort_id)


@library_routes.get("/cohorts/{cohort_id}/library/{library_idea_id}", response_model=LibraryEntry)
async def library_idea(cohort_id: Id, library_idea_id: Id, c: Reading) -> LibraryEntry:
    return await library.library_entry(
        c.session, user=c.user, cohort_id=cohort_id, library_idea_id=library_idea_id
    )


ROUTERS = [diagram_routes, pdsa_routes, progress_routes, library_routes]
for _router in ROUTERS:
    limit_writes(_router, WRITES)
