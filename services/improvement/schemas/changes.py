"""Driver diagrams, change ideas and PDSA cycles, progress scores."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from services.improvement.change_ideas import (
    IdeaRamp,
    IdeaSummary,
)
from services.improvement.diagrams import DiagramView
from services.improvement.models import DiagramVersion
from services.improvement.pdsa import CycleView
from services.improvement.progress import MonthDistribution, MonthScores
from services.improvement.rules.programme import month_label
from services.improvement.rules.progress import LEVELS, level_of
from services.improvement.rules.ramp import Decision, Outcome
from services.improvement.schemas import Out

# --- driver diagrams -----------------------------------------------------------------------


class IdeaNodeOut(Out):
    id: uuid.UUID
    name: str
    description: str | None
    origin_id: uuid.UUID = Field(description="The idea it was copied from (its own id if none)")
    outcome: Outcome | None = Field(description="A team's idea: how its testing stands")


class SecondaryDriverOut(Out):
    id: uuid.UUID
    name: str
    description: str | None
    component: str | None = Field(description="The IHI Joy in Work component it stands for")
    origin_id: uuid.UUID
    change_ideas: list[IdeaNodeOut]


class PrimaryDriverOut(SecondaryDriverOut):
    secondary_drivers: list[SecondaryDriverOut]


class DiagramOut(Out):
    id: uuid.UUID
    kind: Literal["package", "team"]
    cohort_id: uuid.UUID
    team_id: uuid.UUID | None
    title: str
    version: int
    updated_at: datetime
    aim: str
    primary_drivers: list[PrimaryDriverOut]

    @classmethod
    def shaped(cls, v: DiagramView) -> dict[str, Any]:
        d = v.diagram
        kind = "package" if d.team_id is None else "team"
        own = {"id": d.id, "cohort_id": d.cohort_id, "team_id": d.team_id, "kind": kind}
        return (
            own
            | {"title": v.title, "version": d.version, "updated_at": d.updated_at}
            | (v.document)
        )


class VersionSummaryOut(Out):
    version: int
    change: str
    saved_at: datetime


class VersionOut(VersionSummaryOut):
    diagram_id: uuid.UUID
    aim: str
    primary_drivers: list[PrimaryDriverOut]

    @classmethod
    def shaped(cls, v: DiagramVersion) -> dict[str, Any]:
        own = {"diagram_id": v.diagram_id, "version": v.version, "change": v.change}
        return own | {"saved_at": v.saved_at} | v.document


# --- change ideas, PDSA cycles -------------------------------------------------------------


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
    shared_summary: str | None = Field(description="What the cohort's other teams may read")

    @classmethod
    def shaped(cls, v: CycleView) -> dict[str, Any]:
        c = v.cycle
        plan = {k: getattr(c, k) for k in ("objective", "questions", "prediction", "measure_keys")}
        plan |= {k: getattr(c, f"plan_{k}") for k in ("who", "what", "when", "where")}
        return cls.attrs(c) | {
            "change_idea_name": v.idea.name,
            "plan": plan,
            "do": c if c.started_on else None,
            "study": c if c.results else None,
            "act": c if c.decision else None,
        }


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

    @classmethod
    def shaped(cls, v: IdeaSummary | IdeaRamp) -> dict[str, Any]:
        count = v.cycles if isinstance(v, IdeaSummary) else len(v.cycles)
        return (
            cls.attrs(v.idea)
            | {"driver_name": v.driver.name, "outcome": v.outcome}
            | {"cycles": count}
        )


class IdeaRampOut(ChangeIdeaOut):
    team_id: uuid.UUID | None
    ramp: list[CycleOut] = Field(description="Its PDSA cycles in ramp order")

    @classmethod
    def shaped(cls, v: IdeaSummary | IdeaRamp) -> dict[str, Any]:
        assert isinstance(v, IdeaRamp)  # what the ramp route answers with
        ramp = [CycleView(c, v.idea) for c in v.cycles]
        return super().shaped(v) | {"team_id": v.diagram.team_id, "ramp": ramp}


# --- progress scores -----------------------------------------------------------------------


class LevelOut(Out):
    score: float
    label: str
    definition: str


class ScoreChangeOut(Out):
    revision: int
    score: float
    note: str | None
    set_by_role: str
    set_at: datetime


class MonthScoreOut(Out):
    month: str = Field(description="YYYY-MM")
    programme_month: int
    score: float | None
    label: str | None
    note: str | None
    history: list[ScoreChangeOut]

    @classmethod
    def shaped(cls, v: MonthScores) -> dict[str, Any]:
        now = v.current
        label = level_of(now.score).label if now else None
        own = {"month": month_label(v.month), "programme_month": v.programme_month}
        return (
            own
            | {"score": now and now.score, "note": now and now.note, "label": label}
            | {"history": v.scores}
        )


class TeamProgressOut(Out):
    team_id: uuid.UUID
    team_name: str
    months: list[MonthScoreOut]


class LevelCountOut(Out):
    score: float
    label: str
    teams: int


class DistributionOut(Out):
    month: str = Field(description="YYYY-MM")
    programme_month: int
    teams_scored: int
    median: float | None
    levels: list[LevelCountOut]

    @classmethod
    def shaped(cls, v: MonthDistribution) -> dict[str, Any]:
        d = v.distribution
        levels = [
            {"score": level.score, "label": level.label, "teams": d.counts[level.score]}
            for level in LEVELS
        ]
        own = {"month": month_label(v.month), "programme_month": v.programme_month}
        return own | {"teams_scored": d.teams, "median": d.median, "levels": levels}
