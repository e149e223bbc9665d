"""Change ideas with their ramps, and PDSA cycles."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from services.improvement.change_ideas import IdeaRamp, IdeaSummary
from services.improvement.models import PdsaCycle
from services.improvement.pdsa import ActIn, CycleView, DoIn, PlanIn, SharingIn, StartIn, StudyIn
from services.improvement.rules.ramp import Decision, Outcome
from services.improvement.schemas import Out

__all__ = ["ActIn", "DoIn", "PlanIn", "SharingIn", "StartIn", "StudyIn"]


class PlanOut(Out):
    objective: str
    questions: list[str]
    prediction: str
    who: str | None
    what: str | None
    when: str | None
    where: str | None
    measure_keys: list[str]


class DoOut(Out):
    started_on: date
    what_happened: str | None
    observations: str | None


class StudyOut(Out):
    results: str
    against_prediction: str | None
    learning: str | None


class ActOut(Out):
    decision: Decision
    next_steps: str | None
    completed_on: date


class CycleOut(Out):
    id: uuid.UUID
    change_idea_id: uuid.UUID
    change_idea_name: str
    team_id: uuid.UUID
    ramp_step: int
    status: Literal["planned", "doing", "completed"]
    planned_at: datetime
    plan: PlanOut
    do: DoOut | None
    study: StudyOut | None
    act: ActOut | None
    shared_summary: str | None


def _cycle_out(c: PdsaCycle, idea_name: str) -> CycleOut:
    return CycleOut(
        id=c.id,
        change_idea_id=c.change_idea_id,
        change_idea_name=idea_name,
        team_id=c.team_id,
        ramp_step=c.ramp_step,
        status=c.status,
        planned_at=c.planned_at,
        plan=PlanOut(
            objective=c.objective,
            questions=list(c.questions),
            prediction=c.prediction,
            who=c.plan_who,
            what=c.plan_what,
            when=c.plan_when,
            where=c.plan_where,
            measure_keys=list(c.measure_keys),
        ),
        do=DoOut(
            started_on=c.started_on, what_happened=c.what_happened, observations=c.observations
        )
        if c.started_on
        else None,
        study=StudyOut(
            results=c.results, against_prediction=c.against_prediction, learning=c.learning
        )
        if c.results
        else None,
        act=ActOut(decision=c.decision, next_steps=c.next_steps, completed_on=c.completed_on)
        if c.decision and c.completed_on
        else None,
        shared_summary=c.shared_summary,
    )


def cycle_out(view: CycleView) -> CycleOut:
    return _cycle_out(view.cycle, view.idea.name)


class ChangeIdeaOut(Out):
    id: uuid.UUID
    diagram_id: uuid.UUID
    driver_id: uuid.UUID
    driver_name: str
    name: str
    description: str | None
    origin_id: uuid.UUID
    outcome: Outcome
    cycles: int


def change_idea_out(found: IdeaSummary) -> ChangeIdeaOut:
    idea = found.idea
    return ChangeIdeaOut(
        id=idea.id,
        diagram_id=idea.diagram_id,
        driver_id=idea.driver_id,
        driver_name=found.driver.name,
        name=idea.name,
        description=idea.description,
        origin_id=idea.origin_id,
        outcome=found.outcome,
        cycles=found.cycles,
    )


class IdeaRampOut(ChangeIdeaOut):
    team_id: uuid.UUID | None
    ramp: list[CycleOut]


def idea_ramp_out(found: IdeaRamp) -> IdeaRampOut:
    summary = change_idea_out(
        IdeaSummary(found.idea, found.driver, found.outcome, len(found.cycles))
    )
    return IdeaRampOut(
        **summary.model_dump(),
        team_id=found.diagram.team_id,
        ramp=[_cycle_out(c, found.idea.name) for c in found.cycles],
    )
