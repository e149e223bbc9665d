"""PDSA cycles: a team tests one change idea per cycle. Plan (objective, questions, prediction,
who/what/when/where, which plan measures will show the effect), Do (what happened, what was
observed), Study (results against the prediction), Act (adopt, adapt or abandon, and what next).

Starting a cycle records ``improvement.pdsa.started``, acting on it ``improvement.pdsa.completed``
(measurement annotates the team's charts with them). Ramp rules: ``rules/ramp.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement import change_ideas, store, teams
from services.improvement.inputs import Input, Text, Words, apply_changes
from services.improvement.models import ChangeIdea, PdsaCycle, Team
from services.improvement.problems import present, problem
from services.improvement.rules import ramp
from services.improvement.store import diagrams as diagram_store
from services.improvement.store import programme as programme_store
from services.improvement.store.access import readable_row
from shared.auth import Principal
from shared.clock import uk_date
from shared.errors import Conflict, Unprocessable
from shared.events.improvement import PdsaCompleted, PdsaStarted
from shared.outbox import record_event

MeasureKey = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class PlanIn(Input):
    objective: Words
    questions: list[Words] = Field(default_factory=list, max_length=20)
    prediction: Words
    who: Text | None = None
    what: Text | None = None
    when: Text | None = None
    where: Text | None = None
    measure_keys: list[MeasureKey] = Field(
        default_factory=list,
        max_length=20,
        description="Measures of the cohort's plan that will show the effect",
    )


class StartIn(Input):
    started_on: date | None = Field(default=None, description="UK date; today by default")


class DoIn(Input):
    what_happened: Words
    observations: Text | None = Field(default=None, description="Problems and surprises")


class StudyIn(Input):
    results: Words
    against_prediction: Words
    learning: Text | None = None


class ActIn(Input):
    decision: ramp.Decision
    next_steps: Text | None = Field(default=None, description="The next cycle, if any")
    completed_on: date | None = Field(default=None, description="UK date; today by default")


class SharingIn(Input):
    summary: Words | None = Field(
        description="What the other teams of the cohort may read; null stops sharing"
    )


@dataclass(frozen=True)
class CycleView:
    cycle: PdsaCycle
    idea: ChangeIdea


def _refused(detail: str, code: str) -> Conflict:
    return Conflict(detail, type=problem(code))


async def _check_measures(session: AsyncSession, team: Team, keys: list[str]) -> list[str]:
    plan = {m.measure_key for m in await programme_store.plan_measures(session, team.cohort_id)}
    unknown = sorted(set(keys) - plan)
    if unknown:
        raise Unprocessable(
            "not measures of the cohort's plan: " + ", ".join(unknown),
            type=problem("unknown-measure"),
        )
    return list(dict.fromkeys(keys))


def _apply_plan(cycle: PdsaCycle, data: PlanIn, measure_keys: list[str]) -> None:
    cycle.objective = data.objective
    cycle.questions = list(data.questions)
    cycle.prediction = data.prediction
    cycle.plan_who, cycle.plan_what = data.who, data.what
    cycle.plan_when, cycle.plan_where = data.when, data.where
    cycle.measure_keys = measure_keys


async def plan_cycle(
    session: AsyncSession,
    *,
    user: Principal,
    change_idea_id: uuid.UUID,
    data: PlanIn,
    now: datetime,
) -> CycleView:
    idea, diagram = await change_ideas.readable_idea(
        session, user=user, change_idea_id=change_idea_id
    )
    if diagram.team_id is None:
        raise _refused("test a team's copy of a package idea", "not-a-team-idea")
    team = await teams.writable_team(session, user, diagram.team_id)
    states = (await diagram_store.cycle_states(session, [idea.id])).get(idea.id, [])
    try:
        step = ramp.next_ramp_step(states)
    except ramp.RampRefused as exc:
        raise _refused(str(exc), "ramp") from exc
    cycle = PdsaCycle(
        change_idea_id=idea.id, team_id=team.id, ramp_step=step, status="planned", planned_at=now
    )
    _apply_plan(cycle, data, await _check_measures(session, team, data.measure_keys))
    await store.save(session, cycle)
    return CycleView(cycle, idea)


async def cycle(session: AsyncSession, *, user: Principal, cycle_id: uuid.UUID) -> CycleView:
    found = await readable_row(session, user, PdsaCycle, cycle_id)
    found = present(found, "no such PDSA cycle", "unknown-cycle")
    idea = await diagram_store.change_idea(session, found.change_idea_id)
    assert idea is not None  # a cycle's idea cannot be removed
    return CycleView(found, idea)


async def _writable(
    session: AsyncSession, user: Principal, cycle_id: uuid.UUID, *, status: str | None
) -> tuple[CycleView, Team]:
    view = await cycle(session, user=user, cycle_id=cycle_id)
    team = await teams.writable_team(session, user, view.cycle.team_id)
    locked = await store.locked(session, PdsaCycle, cycle_id)
    assert locked is not None
    if status is not None and locked.status != status:
        raise _refused(f"the cycle is {locked.status}, not {status}", f"cycle-{locked.status}")
    return CycleView(locked, view.idea), team


async def revise_plan(
    session: AsyncSession, *, user: Principal, cycle_id: uuid.UUID, data: PlanIn
) -> CycleView:
    """Change the Plan of a cycle that has not started."""
    view, team = await _writable(session, user, cycle_id, status="planned")
    _apply_plan(view.cycle, data, await _check_measures(session, team, data.measure_keys))
    await store.save(session, view.cycle)
    return view


def _on_or_before_today(day: date | None, now: datetime, what: str) -> date:
    today = uk_date(now)
    if day is None:
        return today
    if day > today:
        raise Unprocessable(f"{what} is in the future", type=problem("future-date"))
    return day


async def _announce(
    session: AsyncSession,
    view: CycleView,
    team: Team,
    event: type[PdsaStarted] | type[PdsaCompleted],
    **told: Any,
) -> CycleView:
    """Save the cycle and record the event about it in the same transaction: what both PDSA
    events say (measurement annotates the team's charts with it), and what ``told`` adds."""
    c = view.cycle
    await store.save(session, c)
    about = {
        "cycle_id": c.id,
        "cohort_id": team.cohort_id,
        "team_id": team.id,
        "change_idea_id": view.idea.id,
        "change_idea_name": view.idea.name,
        "ramp_step": c.ramp_step,
        "started_on": c.started_on,
        "measure_keys": list(c.measure_keys),
    }
    await record_event(session, event(**about, **told), subject=str(team.id))
    return view


async def start_cycle(
    session: AsyncSession, *, user: Principal, cycle_id: uuid.UUID, data: StartIn, now: datetime
) -> CycleView:
    view, team = await _writable(session, user, cycle_id, status="planned")
    cycle_row = view.cycle
    cycle_row.started_on = _on_or_before_today(data.started_on, now, "started_on")
    cycle_row.status = "doing"
    return await _announce(session, view, team, PdsaStarted, objective=cycle_row.objective)


async def _record(
    session: AsyncSession, user: Principal, cycle_id: uuid.UUID, data: DoIn | StudyIn
) -> CycleView:
    """Record a running cycle's Do or its Study (the Study of what was done: Do first)."""
    view, _team = await _writable(session, user, cycle_id, status="doing")
    if isinstance(data, StudyIn) and view.cycle.what_happened is None:
        raise _refused("record what happened (Do) before studying it", "do-first")
    apply_changes(view.cycle, data, clearable=("observations", "learning"))
    await store.save(session, view.cycle)
    return view


async def record_do(
    session: AsyncSession, *, user: Principal, cycle_id: uuid.UUID, data: DoIn
) -> CycleView:
    """The Do: what happened, and the problems and surprises observed."""
    return await _record(session, user, cycle_id, data)


async def record_study(
    session: AsyncSession, *, user: Principal, cycle_id: uuid.UUID, data: StudyIn
) -> CycleView:
    """The Study: the results against the prediction, and what was learned."""
    return await _record(session, user, cycle_id, data)


async def act(
    session: AsyncSession, *, user: Principal, cycle_id: uuid.UUID, data: ActIn, now: datetime
) -> CycleView:
    view, team = await _writable(session, user, cycle_id, status="doing")
    cycle_row = view.cycle
    missing = ramp.missing_before_act(
        did=cycle_row.what_happened is not None, studied=cycle_row.results is not None
    )
    if missing:
        raise _refused("record " + " and ".join(missing) + " before acting", "study-first")
    completed_on = _on_or_before_today(data.completed_on, now, "completed_on")
    assert cycle_row.started_on is not None
    if completed_on < cycle_row.started_on:
        raise Unprocessable("completed_on is before started_on", type=problem("dates"))
    cycle_row.decision = data.decision
    cycle_row.next_steps = data.next_steps
    cycle_row.completed_on = completed_on
    cycle_row.status = "completed"
    return await _announce(
        session, view, team, PdsaCompleted, completed_on=completed_on, decision=data.decision
    )


async def share(
    session: AsyncSession, *, user: Principal, cycle_id: uuid.UUID, data: SharingIn
) -> CycleView:
    """Share a completed cycle's summary with the cohort's other teams (or stop sharing it)."""
    view, _team = await _writable(session, user, cycle_id, status="completed")
    view.cycle.shared_summary = data.summary
    await store.save(session, view.cycle)
    return view
