"""Driver diagrams: the team's own (started from the change package), any diagram by id (JSON
or SVG), its versions, and changes to its aim, drivers and change ideas. The cohort's package is
changed through the same routes, by the coordinator only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from services.improvement import change_ideas, diagrams
from services.improvement.api.roles import ProjectPeople
from services.improvement.schemas import diagrams as schemas
from shared.clock import Clock
from shared.db import ReadSession, Session
from shared.errors import problem_responses
from shared.ratelimit import WRITES, limit_writes

router = APIRouter(tags=["driver diagrams"], responses=problem_responses(404))
Changes = problem_responses(403, 409)
SVG = "image/svg+xml"


@router.post(
    "/teams/{team_id}/diagram",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.DiagramOut,
    responses=problem_responses(409),
    summary="Start the team's driver diagram from the cohort's change package",
)
async def start_team_diagram(
    team_id: uuid.UUID, session: Session, user: ProjectPeople, clock: Clock
) -> schemas.DiagramOut:
    view = await diagrams.start_team_diagram(session, user=user, team_id=team_id, now=clock.now())
    return schemas.diagram_out(view)


@router.get("/teams/{team_id}/diagram", response_model=schemas.DiagramOut)
async def team_diagram(
    team_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> schemas.DiagramOut:
    return schemas.diagram_out(await diagrams.team_diagram(session, user=user, team_id=team_id))


@router.get(
    "/diagrams/{diagram_id}.svg",
    response_class=Response,
    responses={200: {"content": {SVG: {"schema": {"type": "string"}}}, "description": "SVG"}},
    summary="The diagram drawn as SVG (change ideas coloured by outcome)",
)
async def diagram_svg(diagram_id: uuid.UUID, session: ReadSession, user: ProjectPeople) -> Response:
    svg = await diagrams.picture(session, user=user, diagram_id=diagram_id)
    return Response(svg, media_type=SVG)


@router.get("/diagrams/{diagram_id}", response_model=schemas.DiagramOut)
async def get_diagram(
    diagram_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> schemas.DiagramOut:
    return schemas.diagram_out(await diagrams.diagram(session, user=user, diagram_id=diagram_id))


@router.get(
    "/diagrams/{diagram_id}/versions",
    response_model=list[schemas.VersionSummaryOut],
    summary="Every saved version, newest first",
)
async def list_versions(
    diagram_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> list[schemas.VersionSummaryOut]:
    found = await diagrams.versions(session, user=user, diagram_id=diagram_id)
    return [schemas.version_summary_out(v) for v in found]


@router.get("/diagrams/{diagram_id}/versions/{version}", response_model=schemas.VersionOut)
async def get_version(
    diagram_id: uuid.UUID,
    version: Annotated[int, Path(ge=1, le=1_000_000)],
    session: ReadSession,
    user: ProjectPeople,
) -> schemas.VersionOut:
    kept = await diagrams.version(session, user=user, diagram_id=diagram_id, number=version)
    return schemas.version_out(kept)


@router.put("/diagrams/{diagram_id}/aim", response_model=schemas.DiagramOut, responses=Changes)
async def set_diagram_aim(
    diagram_id: uuid.UUID,
    data: schemas.AimText,
    session: Session,
    user: ProjectPeople,
    clock: Clock,
) -> schemas.DiagramOut:
    view = await diagrams.set_aim(
        session, user=user, diagram_id=diagram_id, data=data, now=clock.now()
    )
    return schemas.diagram_out(view)


@router.post(
    "/diagrams/{diagram_id}/drivers",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.DiagramOut,
    responses=Changes,
    summary="Add a primary driver, or a secondary one under a primary driver",
)
async def add_driver(
    diagram_id: uuid.UUID,
    data: schemas.DriverIn,
    session: Session,
    user: ProjectPeople,
    clock: Clock,
) -> schemas.DiagramOut:
    view = await diagrams.add_driver(
        session, user=user, diagram_id=diagram_id, data=data, now=clock.now()
    )
    return schemas.diagram_out(view)


@router.patch(
    "/diagrams/{diagram_id}/drivers/{driver_id}",
    response_model=schemas.DiagramOut,
    responses=Changes,
)
async def update_driver(
    diagram_id: uuid.UUID,
    driver_id: uuid.UUID,
    data: schemas.DriverUpdate,
    session: Session,
    user: ProjectPeople,
    clock: Clock,
) -> schemas.DiagramOut:
    view = await diagrams.update_driver(
        session, user=user, diagram_id=diagram_id, driver_id=driver_id, data=data, now=clock.now()
    )
    return schemas.diagram_out(view)


@router.delete(
    "/diagrams/{diagram_id}/drivers/{driver_id}",
    response_model=schemas.DiagramOut,
    responses=Changes,
    summary="Remove a driver nothing hangs on",
)
async def remove_driver(
    diagram_id: uuid.UUID, driver_id: uuid.UUID, session: Session, user: ProjectPeople, clock: Clock
) -> schemas.DiagramOut:
    view = await diagrams.remove_driver(
        session, user=user, diagram_id=diagram_id, driver_id=driver_id, now=clock.now()
    )
    return schemas.diagram_out(view)


@router.post(
    "/diagrams/{diagram_id}/change-ideas",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.DiagramOut,
    responses=Changes,
)
async def add_change_idea(
    diagram_id: uuid.UUID,
    data: schemas.ChangeIdeaIn,
    session: Session,
    user: ProjectPeople,
    clock: Clock,
) -> schemas.DiagramOut:
    view = await change_ideas.add_change_idea(
        session, user=user, diagram_id=diagram_id, data=data, now=clock.now()
    )
    return schemas.diagram_out(view)


@router.post(
    "/diagrams/{diagram_id}/change-ideas/copies",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.DiagramOut,
    responses=Changes,
    summary="Copy an idea from the cohort's library into the team's diagram",
)
async def copy_change_idea(
    diagram_id: uuid.UUID,
    data: schemas.IdeaCopy,
    session: Session,
    user: ProjectPeople,
    clock: Clock,
) -> schemas.DiagramOut:
    view = await change_ideas.copy_change_idea(
        session, user=user, diagram_id=diagram_id, data=data, now=clock.now()
    )
    return schemas.diagram_out(view)


limit_writes(router, WRITES)
