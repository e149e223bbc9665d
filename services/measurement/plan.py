"""The measurement plan: measures and their versioned definitions, each cohort's planned
measures and their targets (what coordinators do; everyone who follows teams reads them).

Every change to a cohort's plan, the default plan of a new cohort included, is recorded as
``measurement.plan.measure_added`` / ``.measure_removed`` (the improvement service reads a
team's readiness from them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.catalogue import DEFAULT_PLAN
from services.measurement.measures import MeasureDefinition, MeasureSpec, next_version
from services.measurement.models import PlanMeasure
from services.measurement.store import plan as store
from shared.errors import NotFound, Unprocessable
from shared.events.measurement import PlanMeasureAdded, PlanMeasureRemoved
from shared.outbox import record_event

FREQUENCY = {"week": "weekly", "month": "monthly"}
# A proportion's target is in percent, as its charts show it.
PERCENT_RANGE = (Decimal(0), Decimal(100))


@dataclass(frozen=True)
class SavedMeasure:
    measure: MeasureDefinition  # the current definition
    changed: bool  # False when the definition was already exactly this (no new version)


@dataclass(frozen=True)
class CohortPlan:
    cohort_id: uuid.UUID
    measures: list[MeasureDefinition]


async def list_measures(session: AsyncSession, *, now: datetime) -> list[MeasureDefinition]:
    await store.ensure_default_definitions(session, now=now)
    return list((await store.current_definitions(session)).values())


async def measure_versions(session: AsyncSession, *, key: str) -> list[MeasureDefinition]:
    versions = await store.definition_versions(session, key)
    if not versions:
        raise NotFound(f"no measure {key!r}")
    return versions


async def define_measure(
    session: AsyncSession, *, key: str, spec: MeasureSpec, by: str, now: datetime
) -> SavedMeasure:
    """Create the measure ``key`` or add a version of it."""
    if spec.key != key:
        raise Unprocessable("the key in the body differs from the key in the path")
    await store.ensure_default_definitions(session, now=now)
    current = (await store.current_definitions(session, [spec.key])).get(spec.key)
    try:
        new = next_version(current, spec)
    except ValueError as exc:
        raise Unprocessable(str(exc)) from exc
    if new is None:
        assert current is not None
        return SavedMeasure(current, changed=False)
    await store.add_definition(session, new, by=by, now=now)
    return SavedMeasure(new, changed=True)


async def _known_cohort(session: AsyncSession, cohort_id: uuid.UUID) -> None:
    if await store.cohort(session, cohort_id) is None:
        raise NotFound("no such cohort (measurement learns cohorts from confirmed teams)")


async def cohort_plan(session: AsyncSession, *, cohort_id: uuid.UUID) -> CohortPlan:
    await _known_cohort(session, cohort_id)
    keys = await store.plan_keys(session, cohort_id)
    measures = list((await store.current_definitions(session, keys)).values())
    return CohortPlan(cohort_id, measures)


async def _plan(
    session: AsyncSession, *, cohort_id: uuid.UUID, definition: MeasureDefinition, now: datetime
) -> None:
    await store.add_plan_entry(session, cohort_id=cohort_id, key=definition.key, now=now)
    await record_event(
        session,
        PlanMeasureAdded(
            cohort_id=cohort_id,
            measure_key=definition.key,
            name=definition.name,
            kind=definition.data_kind,
            frequency=FREQUENCY[definition.period],
        ),
        subject=str(cohort_id),
    )


async def start_plan(session: AsyncSession, *, cohort_id: uuid.UUID, now: datetime) -> None:
    """A new cohort's plan: the default plan's measures, each recorded as added."""
    await store.ensure_default_definitions(session, now=now)
    definitions = await store.current_definitions(session, [spec.key for spec in DEFAULT_PLAN])
    for spec in DEFAULT_PLAN:
        await _plan(session, cohort_id=cohort_id, definition=definitions[spec.key], now=now)


async def add_to_plan(
    session: AsyncSession, *, cohort_id: uuid.UUID, key: str, now: datetime
) -> CohortPlan:
    await _known_cohort(session, cohort_id)
    definition = (await store.current_definitions(session, [key])).get(key)
    if definition is None:
        raise NotFound(f"no measure {key!r}")
    if await store.plan_entry(session, cohort_id, key) is None:
        await _plan(session, cohort_id=cohort_id, definition=definition, now=now)
    return await cohort_plan(session, cohort_id=cohort_id)


async def _planned(session: AsyncSession, cohort_id: uuid.UUID, key: str) -> PlanMeasure:
    entry = await store.plan_entry(session, cohort_id, key)
    if entry is None:
        raise NotFound(f"{key!r} is not on this cohort's plan")
    return entry


async def remove_from_plan(session: AsyncSession, *, cohort_id: uuid.UUID, key: str) -> CohortPlan:
    """Stop collecting a measure for a cohort; the data already held is kept."""
    await store.remove_plan_entry(session, await _planned(session, cohort_id, key))
    await record_event(
        session,
        PlanMeasureRemoved(cohort_id=cohort_id, measure_key=key),
        subject=str(cohort_id),
    )
    return await cohort_plan(session, cohort_id=cohort_id)


async def set_target(
    session: AsyncSession, *, cohort_id: uuid.UUID, key: str, target: Decimal | None
) -> PlanMeasure:
    """Set (or clear) the cohort's target for a planned measure (its charts show it at once:
    the target is part of a cached chart's key). A target is in the measure's unit: percent
    for a proportion, within a value measure's bounds."""
    entry = await _planned(session, cohort_id, key)
    if target is not None:
        definition = (await store.current_definitions(session, [key]))[key]
        low, high = (
            PERCENT_RANGE
            if definition.data_kind == "proportion"
            else (definition.value_min, definition.value_max)
        )
        if (low is not None and target < low) or (high is not None and target > high):
            raise Unprocessable(
                f"target: {target} is outside {low if low is not None else '-'} to "
                f"{high if high is not None else '-'} ({definition.unit})",
                errors=[{"field": "target", "message": "outside the measure's range"}],
            )
    entry.target = target
    await session.flush()
    return entry
