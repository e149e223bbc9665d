"""Cohorts and teams (learned from enrolment's events), measure definitions and cohorts' plans."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Subquery, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.catalogue import CATALOGUE
from services.measurement.measures import MeasureDefinition
from services.measurement.models import Cohort, MeasureDefinitionRow, PlanMeasure, Team
from shared.db import dialect_insert

# A definition's own columns (who made it, and when, are not part of it).
DEFINITION_COLUMNS = [
    column
    for column in MeasureDefinitionRow.__table__.columns
    if column.name not in ("created_at", "created_by")
]


def definition_of(row: Any) -> MeasureDefinition:
    """The definition held in a row that carries ``DEFINITION_COLUMNS``."""
    return MeasureDefinition.model_validate(
        {column.name: getattr(row, column.name) for column in DEFINITION_COLUMNS}
    )


def latest_versions() -> Subquery:
    """Each measure's latest version number."""
    return (
        select(MeasureDefinitionRow.key, func.max(MeasureDefinitionRow.version).label("version"))
        .group_by(MeasureDefinitionRow.key)
        .subquery()
    )


# --- cohorts and teams --------------------------------------------------------------------------


async def cohort(session: AsyncSession, cohort_id: uuid.UUID) -> Cohort | None:
    return await session.get(Cohort, cohort_id)


async def add_cohort(session: AsyncSession, cohort: Cohort) -> Cohort:
    """A new cohort (its plan is added by ``plan.start_plan``)."""
    session.add(cohort)
    await session.flush()
    return cohort


async def team(session: AsyncSession, team_id: uuid.UUID) -> Team | None:
    return await session.get(Team, team_id)


def add_team(session: AsyncSession, new: Team) -> None:
    session.add(new)


async def cohorts_of_teams(
    session: AsyncSession, team_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """Team id -> its cohort id, for the known teams among ``team_ids``."""
    rows = await session.execute(
        select(Team.team_id, Team.cohort_id).where(Team.team_id.in_(list(team_ids)))
    )
    return {team_id: cohort_id for team_id, cohort_id in rows}


# --- measure definitions ------------------------------------------------------------------------


async def ensure_default_definitions(session: AsyncSession, *, now: datetime) -> None:
    """Version 1 of every measure of the catalogue that has no definition yet. Two first reads at
    once (two replicas, say) may both find some missing: the second insert gives way."""
    existing = set((await session.execute(select(MeasureDefinitionRow.key).distinct())).scalars())
    missing = [
        {**spec.model_dump(), "version": 1, "created_at": now, "created_by": "catalogue"}
        for spec in CATALOGUE
        if spec.key not in existing
    ]
    if missing:
        insert = dialect_insert(session)(MeasureDefinitionRow)
        await session.execute(insert.values(missing).on_conflict_do_nothing())


async def current_definitions(
    session: AsyncSession, keys: Iterable[str] | None = None
) -> dict[str, MeasureDefinition]:
    """Measure key -> its latest definition (of ``keys``, or of every measure), by key."""
    latest = latest_versions()
    query = select(MeasureDefinitionRow).join(
        latest,
        (MeasureDefinitionRow.key == latest.c.key)
        & (MeasureDefinitionRow.version == latest.c.version),
    )
    if keys is not None:
        query = query.where(MeasureDefinitionRow.key.in_(list(keys)))
    rows = (await session.execute(query.order_by(MeasureDefinitionRow.key))).scalars()
    return {row.key: definition_of(row) for row in rows}


async def definition_versions(session: AsyncSession, key: str) -> list[MeasureDefinition]:
    rows = (
        await session.execute(
            select(MeasureDefinitionRow)
            .where(MeasureDefinitionRow.key == key)
            .order_by(MeasureDefinitionRow.version)
        )
    ).scalars()
    return [definition_of(row) for row in rows]


async def add_definition(
    session: AsyncSession, definition: MeasureDefinition, *, by: str, now: datetime
) -> None:
    session.add(MeasureDefinitionRow(**definition.model_dump(), created_at=now, created_by=by))
    await session.flush()


# --- plans --------------------------------------------------------------------------------------


async def plan_keys(session: AsyncSession, cohort_id: uuid.UUID) -> list[str]:
    keys = await session.execute(
        select(PlanMeasure.measure_key).where(PlanMeasure.cohort_id == cohort_id)
    )
    return list(keys.scalars())


async def plan_entry(session: AsyncSession, cohort_id: uuid.UUID, key: str) -> PlanMeasure | None:
    return await session.get(PlanMeasure, (cohort_id, key))


async def add_plan_entry(
    session: AsyncSession, *, cohort_id: uuid.UUID, key: str, now: datetime
) -> None:
    session.add(PlanMeasure(cohort_id=cohort_id, measure_key=key, added_at=now))
    await session.flush()


async def remove_plan_entry(session: AsyncSession, entry: PlanMeasure) -> None:
    await session.delete(entry)
    await session.flush()


async def plan_target(session: AsyncSession, cohort_id: uuid.UUID, key: str) -> Decimal | None:
    """The cohort's target for a measure (None when it has none, or the measure is not planned)."""
    target: Decimal | None = (
        await session.execute(
            select(PlanMeasure.target).where(
                PlanMeasure.cohort_id == cohort_id, PlanMeasure.measure_key == key
            )
        )
    ).scalar_one_or_none()
    return target
