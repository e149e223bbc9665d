"""Notes from the improvement service's PDSA cycles on a team's charts: when a team starts
testing a change idea (``improvement.pdsa.started``), its charts of the cycle's measures get a
note at the start date naming the idea; when the cycle is acted on (``.completed``), a note at
the completion date says what was decided (adopt, adapt or abandon). A chart then tells the story
of what was tried.

One note per team, measure, cycle and stage: a redelivered or repeated event adds nothing (the
inbox drops a redelivery; a repeat with a new event id finds the note already there).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.models import ChartAnnotation
from services.measurement.settings import MeasurementSettings
from services.measurement.store import charts as store
from services.measurement.store import plan as plan_store
from services.measurement.store import rollup
from shared.events.improvement import PdsaCompleted, PdsaStarted
from shared.handlers import HandlerContext

Context = HandlerContext[MeasurementSettings]
AUTHOR = "improvement service"
DECIDED = {"adopt": "adopted", "adapt": "adapted", "abandon": "abandoned"}
NOTE_LENGTH = 500  # the note column's length


def _idea(name: str, step: int, room: int) -> str:
    """The idea's name in quotes, shortened to leave ``room`` characters for the rest."""
    cycle = f" (PDSA cycle {step})"
    longest = NOTE_LENGTH - room - len(cycle) - 2
    shown = name if len(name) <= longest else name[: longest - 1] + "…"
    return f"'{shown}'{cycle}"


def started_note(name: str, step: int) -> str:
    return f"Testing {_idea(name, step, len('Testing '))}"


def completed_note(name: str, step: int, decision: str) -> str:
    verb = DECIDED[decision]
    return f"{_idea(name, step, len(verb) + 1)} {verb}"


async def _annotate(
    session: AsyncSession,
    *,
    event: PdsaStarted | PdsaCompleted,
    stage: str,
    day: date,
    note: str,
    now: datetime,
) -> None:
    """The note on the team's charts of each of the cycle's measures measurement knows."""
    team_id = event.team_id
    if await plan_store.team(session, team_id) is None:
        # Out of order (the team's confirmation not handled yet): fail, so the runner retries.
        raise LookupError(f"team {team_id} is not known yet")
    known = await plan_store.current_definitions(session, set(event.measure_keys))
    added = []
    for key in sorted(known):
        fresh = await store.add_cycle_note(
            session,
            ChartAnnotation(
                id=uuid.uuid4(),
                team_id=team_id,
                measure_key=key,
                day=day,
                note=note,
                created_at=now,
                created_by=AUTHOR,
                pdsa_cycle_id=event.cycle_id,
                pdsa_stage=stage,
            ),
        )
        if fresh:
            added.append((team_id, key))
    await rollup.bump_versions(session, added)  # those charts are stale now


async def pdsa_started(session: AsyncSession, *, event: PdsaStarted, context: Context) -> None:
    note = started_note(event.change_idea_name, event.ramp_step)
    await _annotate(
        session, event=event, stage="started", day=event.started_on, note=note,
        now=context.clock.now(),
    )  # fmt: skip


async def pdsa_completed(session: AsyncSession, *, event: PdsaCompleted, context: Context) -> None:
    note = completed_note(event.change_idea_name, event.ramp_step, event.decision)
    await _annotate(
        session, event=event, stage="completed", day=event.completed_on, note=note,
        now=context.clock.now(),
    )  # fmt: skip
