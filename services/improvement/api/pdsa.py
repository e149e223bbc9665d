"""Change ideas and their PDSA cycles (the ramp)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from services.improvement import change_ideas, pdsa
from services.improvement.api.roles import ProjectPeople
from services.improvement.schemas import diagrams as diagram_schemas
from services.improvement.schemas import pdsa as schemas
from shared.clock import Clock
from shared.db import ReadSession, Session
from shared.errors import problem_responses
from shared.ratelimit import WRITES, limit_writes

router = APIRouter(tags=["change ideas and PDSA cycles"], responses=problem_responses(404))
Changes = problem_responses(403, 409)


@router.get("/teams/{team_id}/change-ideas", response_model=list[schemas.ChangeIdeaOut])
async def team_change_ideas(
    team_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> list[schemas.ChangeIdeaOut]:
    found = await change_ideas.team_change_ideas(session, user=user, team_id=team_id)
    return [schemas.change_idea_out(i) for i in found]


@router.get(
    "/change-ideas/{change_idea_id}",
    response_model=schemas.IdeaRampOut,
    summary="A change idea with its PDSA cycles in ramp order",
)
async def get_change_idea(
    change_idea_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> schemas.IdeaRampOut:
    found = await change_ideas.idea_ramp(session, user=user, change_idea_id=change_idea_id)
    return schemas.idea_ramp_out(found)


@router.patch(
    "/change-ideas/{change_idea_id}", response_model=diagram_schemas.DiagramOut, responses=Changes
)
async def update_change_idea(
    change_idea_id: uuid.UUID,
    data: diagram_schemas.ChangeIdeaUpdate,
    session: Session,
    user: ProjectPeople,
    clock: Clock,
) -> diagram_schemas.DiagramOut:
    view = await change_ideas.update_change_idea(
        session, user=user, change_idea_id=change_idea_id, data=data, now=clock.now()
    )
    return diagram_schemas.diagram_out(view)


@router.delete(
    "/change-ideas/{change_idea_id}",
    response_model=diagram_schemas.DiagramOut,
    responses=Changes,
    summary="Remove a change idea that has no PDSA cycle",
)
async def remove_change_idea(
    change_idea_id: uuid.UUID, session: Session, user: ProjectPeople, clock: Clock
) -> diagram_schemas.DiagramOut:
    view = await change_ideas.remove_change_idea(
        session, user=user, change_idea_id=change_idea_id, now=clock.now()
    )
    return diagram_schemas.diagram_out(view)


@router.post(
    "/change-ideas/{change_idea_id}/cycles",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.CycleOut,
    responses=problem_responses(409),
    summary="Plan the next PDSA cycle on the idea's ramp",
)
async def plan_cycle(
    change_idea_id: uuid.UUID,
    data: schemas.PlanIn,
    session: Session,
    user: ProjectPeople,
    clock: Clock,
) -> schemas.CycleOut:
    view = await pdsa.plan_cycle(
        session, user=user, change_idea_id=change_idea_id, data=data, now=clock.now()
    )
    return schemas.cycle_out(view)


@router.get("/cycles/{cycle_id}", response_model=schemas.CycleOut)
async def get_cycle(
    cycle_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> schemas.CycleOut:
    return schemas.cycle_out(await pdsa.cycle(session, user=user, cycle_id=cycle_id))


@router.put(
    "/cycles/{cycle_id}/plan", response_model=schemas.CycleOut, responses=problem_responses(409)
)
async def revise_plan(
    cycle_id: uuid.UUID, data: schemas.PlanIn, session: Session, user: ProjectPeople
) -> schemas.CycleOut:
    view = await pdsa.revise_plan(session, user=user, cycle_id=cycle_id, data=data)
    return schemas.cycle_out(view)


@router.post(
    "/cycles/{cycle_id}/start",
    response_model=schemas.CycleOut,
    responses=problem_responses(409),
    summary="The Do begins (records improvement.pdsa.started)",
)
async def start_cycle(
    cycle_id: uuid.UUID, data: schemas.StartIn, session: Session, user: ProjectPeople, clock: Clock
) -> schemas.CycleOut:
    view = await pdsa.start_cycle(session, user=user, cycle_id=cycle_id, data=data, now=clock.now())
    return schemas.cycle_out(view)


@router.put(
    "/cycles/{cycle_id}/do", response_model=schemas.CycleOut, responses=problem_responses(409)
)
async def record_do(
    cycle_id: uuid.UUID, data: schemas.DoIn, session: Session, user: ProjectPeople
) -> schemas.CycleOut:
    return schemas.cycle_out(await pdsa.record_do(session, user=user, cycle_id=cycle_id, data=data))


@router.put(
    "/cycles/{cycle_id}/study", response_model=schemas.CycleOut, responses=problem_responses(409)
)
async def record_study(
    cycle_id: uuid.UUID, data: schemas.StudyIn, session: Session, user: ProjectPeople
) -> schemas.CycleOut:
    view = await pdsa.record_study(session, user=user, cycle_id=cycle_id, data=data)
    return schemas.cycle_out(view)


@router.post(
    "/cycles/{cycle_id}/act",
    response_model=schemas.CycleOut,
    responses=problem_responses(409),
    summary="Adopt, adapt or abandon (records improvement.pdsa.completed)",
)
async def act(
    cycle_id: uuid.UUID, data: schemas.ActIn, session: Session, user: ProjectPeople, clock: Clock
) -> schemas.CycleOut:
    view = await pdsa.act(session, user=user, cycle_id=cycle_id, data=data, now=clock.now())
    return schemas.cycle_out(view)


@router.put(
    "/cycles/{cycle_id}/sharing",
    response_model=schemas.CycleOut,
    responses=problem_responses(409),
    summary="Share a completed cycle's summary with the cohort's other teams, or stop",
)
async def share_cycle(
    cycle_id: uuid.UUID, data: schemas.SharingIn, session: Session, user: ProjectPeople
) -> schemas.CycleOut:
    return schemas.cycle_out(await pdsa.share(session, user=user, cycle_id=cycle_id, data=data))


limit_writes(router, WRITES)
