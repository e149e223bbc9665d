"""Use cases of the measurement service. Functions take the session explicitly and never commit
(the request or the event handler runner owns the transaction), except ``ingest_batch``, which
runs its own units of work because an ``Idempotency-Key`` must be visible to a concurrent request
before the batch commits (see ``idempotency.py``).
"""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Literal

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement import charts, idempotency, ingestion, rollup, schemas
from services.measurement.analytics import (
    Chart,
    CollaborativeChart,
    aggregate_chart,
    compute_chart,
    render_png,
    render_svg,
)
from services.measurement.models import (
    ApiKey,
    Batch,
    ChartAnnotation,
    Cohort,
    MeasureDefinitionRow,
    MeasureValue,
    PlanMeasure,
    SeriesVersion,
    Team,
)
from services.measurement.periods import LONDON, Period
from services.measurement.plan import (
    DEFAULT_PLAN,
    MeasureDefinition,
    MeasureSpec,
    next_version,
    ratio,
)
from services.measurement.rows import (
    BatchInvalid,
    BatchKind,
    BatchTooLarge,
    ResponseRow,
    RowError,
    ValueRow,
    parse_csv,
    parse_json,
    plain_json_rows,
)
from services.measurement.validation import (
    Plans,
    TeamInfo,
    foreign_rows,
    validate_responses,
    validate_values,
)
from shared import metrics
from shared.auth import Principal, Role, api_key_matches, api_key_prefix, generate_api_key
from shared.db import Database
from shared.errors import (
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
)
from shared.events.enrolment import CoachAllocated, TeamConfirmed, TeamWithdrawn
from shared.events.measurement import BatchAccepted, BatchCount
from shared.outbox import record_event

Picture = Literal["svg", "png"]

# --- teams, from enrolment events ---------------------------------------------------------------


def _definition(row: MeasureDefinitionRow) -> MeasureDefinition:
    return MeasureDefinition.model_validate(row, from_attributes=True)


async def _ensure_default_definitions(session: AsyncSession, *, now: datetime) -> None:
    existing = set((await session.execute(select(MeasureDefinitionRow.key).distinct())).scalars())
    for spec in DEFAULT_PLAN:
        if spec.key not in existing:
            session.add(
                MeasureDefinitionRow(
                    **spec.model_dump(), version=1, created_at=now, created_by="default plan"
                )
            )


async def ensure_cohort(
    session: AsyncSession, *, cohort_id: uuid.UUID, name: str, start_date: date
) -> Cohort:
    """The cohort, created with the default measurement plan the first time it is heard of."""
    cohort = await session.get(Cohort, cohort_id)
    if cohort is not None:
        cohort.name, cohort.start_date = name, start_date
        return cohort
    now = datetime.now(UTC)
    await _ensure_default_definitions(session, now=now)
    cohort = Cohort(cohort_id=cohort_id, name=name, start_date=start_date, created_at=now)
    session.add(cohort)
    await session.flush()
    for spec in DEFAULT_PLAN:
        session.add(PlanMeasure(cohort_id=cohort_id, measure_key=spec.key, added_at=now))
    await session.flush()
    return cohort


async def team_confirmed(session: AsyncSession, *, event: TeamConfirmed) -> None:
    await ensure_cohort(
        session,
        cohort_id=event.cohort_id,
        name=event.cohort_name,
        start_date=event.terms.start_date,
    )
    team = await session.get(Team, event.team_id)
    if team is None:
        session.add(
            Team(
                team_id=event.team_id,
                organisation_id=event.organisation.id,
                cohort_id=event.cohort_id,
                name=event.team_name,
                coach_id=event.coach_id,
                confirmed_at=event.confirmed_at,
                withdrawn_on=None,
            )
        )
        return
    team.organisation_id = event.organisation.id
    team.cohort_id = event.cohort_id
    team.name = event.team_name
    if event.coach_id is not None:
        team.coach_id = event.coach_id
    team.confirmed_at = event.confirmed_at


async def _known_team(session: AsyncSession, team_id: uuid.UUID) -> Team:
    team = await session.get(Team, team_id)
    if team is None:
        # Out of order (a redelivered confirmation still pending): fail, so the runner retries.
        raise LookupError(f"team {team_id} is not known yet")
    return team


async def team_withdrawn(session: AsyncSession, *, event: TeamWithdrawn) -> None:
    team = await _known_team(session, event.team_id)
    team.withdrawn_on = event.withdrawn_on


async def coach_allocated(session: AsyncSession, *, event: CoachAllocated) -> None:
    team = await _known_team(session, event.team_id)
    team.coach_id = event.coach_id


# --- measures and plans -------------------------------------------------------------------------


async def current_definitions(
    session: AsyncSession, keys: Iterable[str] | None = None
) -> dict[str, MeasureDefinition]:
    latest = (
        select(MeasureDefinitionRow.key, func.max(MeasureDefinitionRow.version).label("version"))
        .group_by(MeasureDefinitionRow.key)
        .subquery()
    )
    query = select(MeasureDefinitionRow).join(
        latest,
        (MeasureDefinitionRow.key == latest.c.key)
        & (MeasureDefinitionRow.version == latest.c.version),
    )
    if keys is not None:
        query = query.where(MeasureDefinitionRow.key.in_(list(keys)))
    rows = (await session.execute(query.order_by(MeasureDefinitionRow.key))).scalars()
    return {row.key: _definition(row) for row in rows}


async def list_measures(session: AsyncSession) -> list[MeasureDefinition]:
    await _ensure_default_definitions(session, now=datetime.now(UTC))
    await session.flush()
    return list((await current_definitions(session)).values())


async def measure_versions(session: AsyncSession, *, key: str) -> list[MeasureDefinition]:
    rows = (
        await session.execute(
            select(MeasureDefinitionRow)
            .where(MeasureDefinitionRow.key == key)
            .order_by(MeasureDefinitionRow.version)
        )
    ).scalars()
    versions = [_definition(row) for row in rows]
    if not versions:
        raise NotFound(f"no measure {key!r}")
    return versions


async def define_measure(
    session: AsyncSession, *, spec: MeasureSpec, by: str
) -> tuple[MeasureDefinition, bool]:
    """Create a measure or add a version of it. Returns (current definition, whether it changed)."""
    await _ensure_default_definitions(session, now=datetime.now(UTC))
    await session.flush()
    current = (await current_definitions(session, [spec.key])).get(spec.key)
    try:
        new = next_version(current, spec)
    except ValueError as exc:
        raise Unprocessable(str(exc)) from exc
    if new is None:
        assert current is not None
        return current, False
    session.add(
        MeasureDefinitionRow(**new.model_dump(), created_at=datetime.now(UTC), created_by=by)
    )
    await session.flush()
    return new, True


async def _cohort(session: AsyncSession, cohort_id: uuid.UUID) -> Cohort:
    cohort = await session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("no such cohort (measurement learns cohorts from confirmed teams)")
    return cohort


async def cohort_plan(session: AsyncSession, *, cohort_id: uuid.UUID) -> list[MeasureDefinition]:
    await _cohort(session, cohort_id)
    keys = (
        await session.execute(
            select(PlanMeasure.measure_key).where(PlanMeasure.cohort_id == cohort_id)
        )
    ).scalars()
    return list((await current_definitions(session, list(keys))).values())


async def add_to_plan(
    session: AsyncSession, *, cohort_id: uuid.UUID, key: str
) -> list[MeasureDefinition]:
    await _cohort(session, cohort_id)
    if key not in await current_definitions(session, [key]):
        raise NotFound(f"no measure {key!r}")
    if await session.get(PlanMeasure, (cohort_id, key)) is None:
        session.add(PlanMeasure(cohort_id=cohort_id, measure_key=key, added_at=datetime.now(UTC)))
        await session.flush()
    return await cohort_plan(session, cohort_id=cohort_id)


async def remove_from_plan(
    session: AsyncSession, *, cohort_id: uuid.UUID, key: str
) -> list[MeasureDefinition]:
    """Stop collecting a measure for a cohort; the data already held is kept."""
    entry = await session.get(PlanMeasure, (cohort_id, key))
    if entry is None:
        raise NotFound(f"{key!r} is not on this cohort's plan")
    await session.delete(entry)
    await session.flush()
    return await cohort_plan(session, cohort_id=cohort_id)


# --- API keys -----------------------------------------------------------------------------------


async def create_api_key(
    session: AsyncSession, *, organisation_id: uuid.UUID, label: str, by: str
) -> tuple[ApiKey, str]:
    """A new key; the secret is returned here once and only its hash is stored."""
    new = generate_api_key()
    key = ApiKey(
        id=uuid.uuid4(),
        prefix=new.prefix,
        key_hash=new.hash,
        organisation_id=organisation_id,
        label=label,
        created_at=datetime.now(UTC),
        created_by=by,
        revoked_at=None,
    )
    session.add(key)
    await session.flush()
    return key, new.secret


async def list_api_keys(
    session: AsyncSession, *, organisation_id: uuid.UUID | None = None
) -> list[ApiKey]:
    query = select(ApiKey).order_by(ApiKey.created_at)
    if organisation_id is not None:
        query = query.where(ApiKey.organisation_id == organisation_id)
    return list((await session.execute(query)).scalars())


async def revoke_api_key(session: AsyncSession, *, key_id: uuid.UUID) -> ApiKey:
    key = await session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("no such API key")
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
    return key


async def resolve_api_key(session: AsyncSession, *, token: str) -> Principal:
    prefix = api_key_prefix(token)
    key = None
    if prefix is not None:
        key = (
            await session.execute(select(ApiKey).where(ApiKey.prefix == prefix))
        ).scalar_one_or_none()
    if key is None or not api_key_matches(token, key.key_hash):
        raise Unauthorized("unknown API key")
    if key.revoked_at is not None:
        raise Unauthorized("the API key has been revoked")
    return Principal(
        subject=f"api-key:{key.prefix}",
        role=None,
        organisation_id=key.organisation_id,
        api_key_id=str(key.id),
    )


# --- ingestion ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchResult:
    batch_id: uuid.UUID
    rows: int
    new_rows: int
    repeated_rows: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": str(self.batch_id),
            "rows": self.rows,
            "new_rows": self.new_rows,
            "repeated_rows": self.repeated_rows,
        }


def parse_body(body: bytes, *, content_type: str, kind: BatchKind) -> list[Any]:
    media_type = content_type.split(";", 1)[0].strip().lower()
    try:
        if media_type == "application/json":
            return parse_json(body, kind)
        if media_type == "text/csv":
            return parse_csv(body, kind)
    except BatchTooLarge as exc:
        raise PayloadTooLarge(
            "a batch holds at most 10,000 rows and 10 MB; split it into several batches"
        ) from exc
    except BatchInvalid as exc:
        raise Unprocessable(
            "the batch did not validate; nothing was written",
            errors=[error.as_dict() for error in exc.errors],
        ) from exc
    raise UnsupportedMediaType("send application/json or text/csv")


_DEFINITION_COLUMNS = [
    column
    for column in MeasureDefinitionRow.__table__.columns
    if column.name not in ("created_at", "created_by")
]


async def _teams_and_plans(
    session: AsyncSession, team_ids: set[uuid.UUID]
) -> tuple[dict[uuid.UUID, TeamInfo], Plans]:
    """The batch's teams and their cohorts' plans (measure key -> current definition), in one
    query: a row per team and planned measure."""
    teams: dict[uuid.UUID, TeamInfo] = {}
    plans: dict[uuid.UUID, dict[str, MeasureDefinition]] = {}
    if not team_ids:
        return teams, plans
    latest = (
        select(MeasureDefinitionRow.key, func.max(MeasureDefinitionRow.version).label("version"))
        .group_by(MeasureDefinitionRow.key)
        .subquery()
    )
    current = (
        select(*_DEFINITION_COLUMNS)
        .join(
            latest,
            (MeasureDefinitionRow.key == latest.c.key)
            & (MeasureDefinitionRow.version == latest.c.version),
        )
        .subquery()
    )
    rows = await session.execute(
        select(
            Team.team_id,
            Team.organisation_id,
            Team.cohort_id,
            Team.withdrawn_on,
            Cohort.start_date,
            *current.c,
        )
        .join(Cohort, Cohort.cohort_id == Team.cohort_id)
        .outerjoin(PlanMeasure, PlanMeasure.cohort_id == Team.cohort_id)
        .outerjoin(current, current.c.key == PlanMeasure.measure_key)
        .where(Team.team_id.in_(list(team_ids)))
    )
    for row in rows:
        if row.team_id not in teams:
            teams[row.team_id] = TeamInfo(
                team_id=row.team_id,
                organisation_id=row.organisation_id,
                cohort_id=row.cohort_id,
                cohort_start=row.start_date,
                withdrawn=row.withdrawn_on is not None,
            )
        plan = plans.setdefault(row.cohort_id, {})
        if row.key is not None and row.key not in plan:
            plan[row.key] = MeasureDefinition.model_validate(
                {column.name: getattr(row, column.name) for column in _DEFINITION_COLUMNS}
            )
    return teams, plans


_batches_in_flight = 0
_collector_paused = False  # whether this module turned the collector off (and must turn it on)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector off while batches are being handled.

    A 5,000-row batch allocates tens of thousands of small, acyclic objects; left on, the
    collector would walk them (and the heap) repeatedly while they are alive, costing more than
    the batch itself. They are freed by reference counting when the batch ends, and the collector
    comes back on as soon as no batch is in flight.
    """
    global _batches_in_flight, _collector_paused
    if _batches_in_flight == 0 and gc.isenabled():
        gc.disable()
        _collector_paused = True
    _batches_in_flight += 1
    try:
        yield
    finally:
        _batches_in_flight -= 1
        if _batches_in_flight == 0 and _collector_paused:
            _collector_paused = False
            gc.enable()


def _check_and_build(
    kind: BatchKind,
    rows: Sequence[ResponseRow] | Sequence[ValueRow],
    *,
    organisation_id: uuid.UUID,
    batch_id: uuid.UUID,
    teams: dict[uuid.UUID, TeamInfo],
    plans: Plans,
    now: datetime,
) -> tuple[list[RowError], ingestion.Built | None]:
    """Every failing row and field, or (when there are none) the records to store."""
    if kind == "responses":
        responses: Sequence[ResponseRow] = rows  # type: ignore[assignment]
        built = ingestion.response_records(
            responses,
            organisation_id=organisation_id,
            batch_id=batch_id,
            teams=teams,
            plans=plans,
            now=now,
        )
        if built is not None:
            return [], built
        # Some row breaks a rule: the validator names every failing row and field.
        errors = validate_responses(responses, teams=teams, plans=plans, now=now)
        if not errors:
            raise RuntimeError("the ingestion loop refused a batch that the validator accepts")
        return errors, None
    values: Sequence[ValueRow] = rows  # type: ignore[assignment]
    errors = validate_values(values, teams=teams, plans=plans, today=now.astimezone(LONDON).date())
    if errors:
        return errors, None
    return [], ingestion.value_records(
        values, organisation_id=organisation_id, batch_id=batch_id, teams=teams, plans=plans
    )


async def store_batch(
    session: AsyncSession,
    *,
    principal: Principal,
    kind: BatchKind,
    rows: Sequence[ResponseRow] | Sequence[ValueRow],
) -> BatchResult:
    """Check, then write a whole batch or nothing (the caller's transaction is rolled back on
    any error raised here)."""
    organisation_id = principal.organisation_id
    assert organisation_id is not None
    team_ids = {uuid.UUID(int=i) for i in {row.team_id.int for row in rows}}
    teams, plans = await _teams_and_plans(session, team_ids)
    foreign = foreign_rows(rows, teams=teams, organisation_id=organisation_id)
    if foreign:
        shown = ", ".join(map(str, foreign[:20])) + (" ..." if len(foreign) > 20 else "")
        raise Forbidden(
            f"rows {shown} are for teams of another organisation; nothing was written",
            rows=foreign[:1000],
        )
    now = datetime.now(UTC)
    batch_id = uuid.uuid4()
    errors, built = _check_and_build(
        kind,
        rows,
        organisation_id=organisation_id,
        batch_id=batch_id,
        teams=teams,
        plans=plans,
        now=now,
    )
    if errors:
        raise Unprocessable(
            f"{len({e.row for e in errors})} row(s) did not validate; nothing was written",
            errors=[error.as_dict() for error in errors],
        )
    assert built is not None
    return await _store_built(
        session, principal=principal, kind=kind, built=built, batch_id=batch_id, now=now
    )


async def _store_plain_responses(
    session: AsyncSession, *, principal: Principal, rows: list[Any], body: bytes
) -> BatchResult:
    """A JSON batch of responses in the plain form (``rows.plain_json_rows``): checked and
    turned into records in one pass over the parsed objects. Anything else about it (a row not
    plain, a rule broken, another organisation's team) hands the batch to ``store_batch``, which
    stores it or names every problem exactly as it always has."""
    organisation_id = principal.organisation_id
    assert organisation_id is not None
    team_of = ingestion.plain_team_ids(rows)
    if team_of is not None:
        teams, plans = await _teams_and_plans(session, set(team_of.values()))
        if all(team.organisation_id == organisation_id for team in teams.values()):
            now = datetime.now(UTC)
            batch_id = uuid.uuid4()
            built = await ingestion.plain_response_records(
                rows,
                team_of=team_of,
                organisation_id=organisation_id,
                batch_id=batch_id,
                teams=teams,
                plans=plans,
                now=now,
            )
            if built is not None:
                return await _store_built(
                    session,
                    principal=principal,
                    kind="responses",
                    built=built,
                    batch_id=batch_id,
                    now=now,
                )
    validated = parse_body(body, content_type="application/json", kind="responses")
    return await store_batch(session, principal=principal, kind="responses", rows=validated)


async def _store_built(
    session: AsyncSession,
    *,
    principal: Principal,
    kind: BatchKind,
    built: ingestion.Built,
    batch_id: uuid.UUID,
    now: datetime,
) -> BatchResult:
    organisation_id = principal.organisation_id
    assert organisation_id is not None
    new_counts = await ingestion.store(session, kind, built)
    totals = built.totals
    new_rows = sum(new_counts.values())
    count = len(built.records)
    result = BatchResult(
        batch_id=batch_id, rows=count, new_rows=new_rows, repeated_rows=count - new_rows
    )
    await session.execute(
        insert(Batch).values(
            batch_id=batch_id,
            organisation_id=organisation_id,
            api_key_id=uuid.UUID(principal.api_key_id) if principal.api_key_id else None,
            kind=kind,
            new_rows=result.new_rows,
            repeated_rows=result.repeated_rows,
            accepted_at=now,
        )
    )
    if new_rows:
        await record_event(
            session,
            BatchAccepted(
                batch_id=batch_id,
                organisation_id=organisation_id,
                kind=kind,
                new_rows=result.new_rows,
                repeated_rows=result.repeated_rows,
                counts=[
                    BatchCount(
                        team_id=uuid.UUID(int=team_int),
                        measure_key=measure,
                        new_rows=new_counts.get((team_int, measure), 0),
                        repeated_rows=total - new_counts.get((team_int, measure), 0),
                    )
                    for (team_int, measure), total in sorted(totals.items())
                ],
                accepted_at=now,
            ),
            subject=str(batch_id),
        )
    return result


async def ingest_batch(
    database: Database,
    *,
    principal: Principal,
    kind: BatchKind,
    body: bytes,
    content_type: str,
    idempotency_key: str | None,
) -> tuple[int, dict[str, Any], bool]:
    """Parse, check and store one batch. Returns (status, answer, whether it is a replay)."""
    if not principal.is_machine or principal.organisation_id is None:
        raise Forbidden("batches are posted by trust systems with an organisation's API key")
    organisation_id = principal.organisation_id
    if idempotency_key is not None:
        replay = await idempotency.begin(
            database,
            organisation_id=organisation_id,
            key=idempotency_key,
            fingerprint=idempotency.fingerprint(kind, content_type, body),
        )
        if replay is not None:
            return replay.status, replay.body, True
    try:
        with gc_paused():
            media_type = content_type.split(";", 1)[0].strip().lower()
            plain = (
                plain_json_rows(body)
                if kind == "responses" and media_type == "application/json"
                else None
            )
            rows = parse_body(body, content_type=content_type, kind=kind) if plain is None else []
            async with database.transaction() as session:
                session.info["service"] = database.settings.service_name
                if plain is not None:
                    result = await _store_plain_responses(
                        session, principal=principal, rows=plain, body=body
                    )
                else:
                    result = await store_batch(session, principal=principal, kind=kind, rows=rows)
                answer = result.as_dict()
                if idempotency_key is not None:
                    await idempotency.finish(
                        session,
                        organisation_id=organisation_id,
                        key=idempotency_key,
                        status=200,
                        body=answer,
                    )
            del rows, plain  # freed now, by reference counting, before the collector is back
        service_name = database.settings.service_name
        metrics.INGESTED_ROWS.labels(service=service_name, outcome="new").inc(result.new_rows)
        metrics.INGESTED_ROWS.labels(service=service_name, outcome="repeated").inc(
            result.repeated_rows
        )
    except BaseException:
        if idempotency_key is not None:
            # Nothing was written: free the key so the client may fix the batch and retry with it.
            await idempotency.abandon(
                database, organisation_id=organisation_id, key=idempotency_key
            )
        raise
    return 200, answer, False


async def batch_accepted(session: AsyncSession, *, event: BatchAccepted) -> int:
    """After a batch: record `measurement.signal.detected` for every rule that the new data made
    fire on a (team, measure) the batch added rows to. Returns how many signals were recorded.

    A follow-up step, run by the inbox on the service's own `measurement.batch.accepted`: that
    event is written in the batch's transaction, so the step is as certain as the batch, yet the
    batch does not wait for a whole-history series read and chart per team it touched.
    """
    pairs = [(count.team_id, count.measure_key) for count in event.counts if count.new_rows]
    if not pairs:
        return 0
    definitions = await current_definitions(session, {key for _, key in pairs})
    cohorts = {
        team_id: cohort_id
        for team_id, cohort_id in await session.execute(
            select(Team.team_id, Team.cohort_id).where(
                Team.team_id.in_(list({team for team, _ in pairs}))
            )
        )
    }
    touched = [
        (team_id, definitions[key], cohorts[team_id])
        for team_id, key in pairs
        if key in definitions and team_id in cohorts
    ]
    return await charts.record_new_signals(session, touched=touched, now=datetime.now(UTC))


# --- series -------------------------------------------------------------------------------------


def _may_read(user: Principal, *, organisation_id: uuid.UUID, coach_id: uuid.UUID | None) -> bool:
    return (
        user.role == Role.coordinator
        or (
            (user.role == Role.team_lead or user.is_machine)
            and user.organisation_id is not None
            and user.organisation_id == organisation_id
        )
        or (user.role == Role.coach and user.coach_id is not None and user.coach_id == coach_id)
    )


async def _readable_team_and_measure(
    session: AsyncSession, *, team_id: uuid.UUID, measure_key: str, user: Principal
) -> MeasureDefinition:
    """The measure's current definition, once the caller may read the team (one query)."""
    row = (
        await session.execute(
            select(Team.organisation_id, Team.coach_id, *_DEFINITION_COLUMNS)
            .select_from(Team)
            .outerjoin(MeasureDefinitionRow, MeasureDefinitionRow.key == measure_key)
            .where(Team.team_id == team_id)
            .order_by(MeasureDefinitionRow.version.desc())
            .limit(1)
        )
    ).one_or_none()
    if row is None or not _may_read(
        user, organisation_id=row.organisation_id, coach_id=row.coach_id
    ):
        # One answer for "no such team" and "not yours": others' team ids are not confirmed.
        raise NotFound("no such team")
    if row.key is None:
        raise NotFound(f"no measure {measure_key!r}")
    return MeasureDefinition.model_validate(
        {column.name: getattr(row, column.name) for column in _DEFINITION_COLUMNS}
    )


@dataclass(frozen=True)
class SeriesPoint:
    period_start: date
    n: int
    mean_raw: Decimal | None = None
    mean_metric: Decimal | None = None
    net_promoter: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    value: Decimal | None = None


async def series(
    session: AsyncSession,
    *,
    user: Principal,
    team_id: uuid.UUID,
    measure_key: str,
    first: date,
    last: date,
    period: Period | None = None,
) -> tuple[MeasureDefinition, Period, list[SeriesPoint]]:
    """The team's period values for [first, last] (London dates), computed by the database."""
    definition = await _readable_team_and_measure(
        session, team_id=team_id, measure_key=measure_key, user=user
    )
    chosen, points = await _series_of(
        session, team_id=team_id, definition=definition, first=first, last=last, period=period
    )
    return definition, chosen, points


async def _series_of(
    session: AsyncSession,
    *,
    team_id: uuid.UUID,
    definition: MeasureDefinition,
    first: date,
    last: date,
    period: Period | None,
) -> tuple[Period, list[SeriesPoint]]:
    if last < first:
        raise Unprocessable("the range ends before it starts")
    if last - first > timedelta(days=366 * 5):
        raise Unprocessable("a series covers at most five years")
    if definition.takes_responses:
        chosen: Period = period or definition.period
        return chosen, await _response_series(
            session, team_id=team_id, definition=definition, first=first, last=last, period=chosen
        )
    if period is not None and period != definition.period:
        raise Unprocessable(f"{definition.key!r} is collected per {definition.period}")
    return definition.period, await _value_series(
        session, team_id=team_id, key=definition.key, first=first, last=last
    )


async def _response_series(
    session: AsyncSession,
    *,
    team_id: uuid.UUID,
    definition: MeasureDefinition,
    first: date,
    last: date,
    period: Period,
) -> list[SeriesPoint]:
    """From the day sums kept at ingestion: one row per day in range, not per response."""
    points = await rollup.response_points(
        session,
        team_ids=[team_id],
        measure_key=definition.key,
        net_promoter=definition.scoring == "net_promoter",
        first=first,
        last=last,
        period=period,
    )
    return [SeriesPoint(**point) for point in points[team_id]]


async def _value_series(
    session: AsyncSession, *, team_id: uuid.UUID, key: str, first: date, last: date
) -> list[SeriesPoint]:
    table = MeasureValue
    rows = (
        await session.execute(
            select(
                table.period_start,
                func.count().label("n"),
                func.sum(table.numerator).label("numerator"),
                func.sum(table.denominator).label("denominator"),
                func.sum(table.value).label("value"),
            )
            .where(
                table.team_id == team_id,
                table.measure_key == key,
                table.period_start >= first,
                table.period_start <= last,
            )
            .group_by(table.period_start)
            .order_by(table.period_start)
        )
    ).all()
    return [
        SeriesPoint(
            period_start=_as_date(row.period_start),
            n=int(row.n),
            numerator=_decimal(row.numerator),
            denominator=_decimal(row.denominator),
            value=_decimal(row.value),
        )
        for row in rows
    ]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.0001"))


def point_ratio(point: SeriesPoint) -> Decimal | None:
    if point.numerator is None or point.denominator is None:
        return None
    return ratio(point.numerator, point.denominator)


# --- charts -------------------------------------------------------------------------------------

# A chart without a range shows up to today and as far back as a series may reach.
DEFAULT_CHART_YEARS = 5


def _chart_range(first: date | None, last: date | None) -> tuple[date, date]:
    last = last or datetime.now(LONDON).date()
    first = first or last - timedelta(days=365 * DEFAULT_CHART_YEARS)
    return first, last


@dataclass(frozen=True)
class TeamChart:
    team_id: uuid.UUID
    team_name: str
    definition: MeasureDefinition
    period: Period
    first: date
    last: date
    chart: Chart

    @property
    def title(self) -> str:
        return f"{self.definition.name} · {self.team_name}"


@dataclass(frozen=True)
class CohortChart:
    cohort_id: uuid.UUID
    definition: MeasureDefinition
    period: Period
    first: date
    last: date
    team_names: dict[str, str]
    collaborative: CollaborativeChart

    @property
    def title(self) -> str:
        return f"{self.definition.name} · collaborative ({len(self.team_names)} teams)"


@dataclass(frozen=True, slots=True)
class _ChartState:
    """What a team chart depends on besides its series, read in one query per request."""

    team_name: str
    target: Decimal | None
    data_version: int  # series_version: raised by new rows and notes
    definition: MeasureDefinition


_DEFINITION_CACHE: dict[tuple[str, int], MeasureDefinition] = {}
_CHART_STATE = (
    select(
        Team.organisation_id,
        Team.coach_id,
        Team.name.label("team_name"),
        PlanMeasure.target,
        SeriesVersion.version.label("data_version"),
        *_DEFINITION_COLUMNS,
    )
    .select_from(Team)
    .outerjoin(MeasureDefinitionRow, MeasureDefinitionRow.key == bindparam("measure_key"))
    .outerjoin(
        PlanMeasure,
        (PlanMeasure.cohort_id == Team.cohort_id)
        & (PlanMeasure.measure_key == bindparam("measure_key")),
    )
    .outerjoin(
        SeriesVersion,
        (SeriesVersion.team_id == Team.team_id)
        & (SeriesVersion.measure_key == bindparam("measure_key")),
    )
    .where(Team.team_id == bindparam("team_id"))
    .order_by(MeasureDefinitionRow.version.desc())
    .limit(1)
)


# _CHART_STATE as PostgreSQL SQL, for asyncpg (column names from the model only).
_DEFINITION_NAMES = ", ".join(f"d.{column.name}" for column in _DEFINITION_COLUMNS)
_CHART_STATE_SQL = (
    "SELECT t.organisation_id, t.coach_id, t.name AS team_name, p.target,"  # noqa: S608
    f" v.version AS data_version, {_DEFINITION_NAMES}"
    " FROM team t"
    " LEFT JOIN measure_definition d ON d.key = $2"
    " LEFT JOIN plan_measure p ON p.cohort_id = t.cohort_id AND p.measure_key = $2"
    " LEFT JOIN series_version v ON v.team_id = t.team_id AND v.measure_key = $2"
    " WHERE t.team_id = $1 ORDER BY d.version DESC LIMIT 1"
)


async def _chart_state(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, measure_key: str
) -> _ChartState:
    """The team's name, its cohort's target, the data version and the measure's current
    definition, once the caller may read the team (one query; definitions never change once
    written, so each version is validated once per process)."""
    row: Any
    if session.bind.dialect.name == "postgresql":
        # The hottest read of the service: straight through asyncpg (a prepared statement it
        # keeps per connection) skips SQLAlchemy's per-execution work, the larger part here.
        connection = await session.connection()
        driver: Any = (await connection.get_raw_connection()).driver_connection
        record = await driver.fetchrow(_CHART_STATE_SQL, team_id, measure_key)
        row = None if record is None else SimpleNamespace(**record)
    else:
        row = (
            await session.execute(_CHART_STATE, {"team_id": team_id, "measure_key": measure_key})
        ).one_or_none()
    if row is None or not _may_read(
        user, organisation_id=row.organisation_id, coach_id=row.coach_id
    ):
        raise NotFound("no such team")
    if row.key is None:
        raise NotFound(f"no measure {measure_key!r}")
    definition = _DEFINITION_CACHE.get((row.key, row.version))
    if definition is None:
        definition = MeasureDefinition.model_validate(
            {column.name: getattr(row, column.name) for column in _DEFINITION_COLUMNS}
        )
        if len(_DEFINITION_CACHE) > 1000:
            _DEFINITION_CACHE.clear()
        _DEFINITION_CACHE[(row.key, row.version)] = definition
    return _ChartState(
        team_name=row.team_name,
        target=row.target,
        data_version=int(row.data_version or 0),
        definition=definition,
    )


async def _compute_team_chart(
    session: AsyncSession,
    *,
    state: _ChartState,
    team_id: uuid.UUID,
    request: charts.ChartRequest,
    first: date,
    last: date,
    period: Period | None,
) -> TeamChart:
    definition = state.definition
    chosen, points = await _series_of(
        session, team_id=team_id, definition=definition, first=first, last=last, period=period
    )
    notes = await charts.notes(session, team_id=team_id, measure_key=definition.key)
    options = charts.chart_options(
        request,
        definition,
        period=chosen,
        target=state.target,
        annotations=charts.annotations_by_period(notes, chosen, first, last),
    )
    return TeamChart(
        team_id=team_id,
        team_name=state.team_name,
        definition=definition,
        period=chosen,
        first=first,
        last=last,
        chart=compute_chart(charts.chart_series(points, definition), options),
    )


async def team_chart(
    session: AsyncSession,
    *,
    user: Principal,
    team_id: uuid.UUID,
    measure_key: str,
    request: charts.ChartRequest,
    first: date | None = None,
    last: date | None = None,
    period: Period | None = None,
) -> TeamChart:
    """A team's chart of a measure: its series (read as ``series`` reads it), the cohort's
    target and direction of the measure, and the notes attached to its periods."""
    first, last = _chart_range(first, last)
    state = await _chart_state(session, user=user, team_id=team_id, measure_key=measure_key)
    return await _compute_team_chart(
        session,
        state=state,
        team_id=team_id,
        request=request,
        first=first,
        last=last,
        period=period,
    )


def chart_context(
    definition: MeasureDefinition, *, period: Period, first: date, last: date
) -> dict[str, Any]:
    """The fields every chart answer (team or collaborative) carries about its measure."""
    return {
        "measure_key": definition.key,
        "measure_name": definition.name,
        "measure_version": definition.version,
        "data_kind": definition.data_kind,
        "unit": definition.unit,
        "period": period,
        "first": first,
        "last": last,
    }


# Team chart answers (JSON), keyed by everything they depend on, the data version included:
# a version read from the database, so a replica never serves a chart another one made stale.
CHART_CACHE_SIZE = 512
_chart_cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
_charts_in_flight: dict[tuple[Any, ...], asyncio.Future[bytes | None]] = {}


async def team_chart_json(
    session: AsyncSession,
    *,
    user: Principal,
    team_id: uuid.UUID,
    measure_key: str,
    request: charts.ChartRequest,
    first: date | None = None,
    last: date | None = None,
    period: Period | None = None,
) -> bytes:
    """``team_chart`` as its JSON answer, computed once per data version (one query when it is
    cached). Concurrent requests for a chart being computed wait for that computation."""
    first, last = _chart_range(first, last)
    state = await _chart_state(session, user=user, team_id=team_id, measure_key=measure_key)
    key = (
        session.bind,  # the database (tests run several in one process): never another's chart
        team_id,
        measure_key,
        request,
        first,
        last,
        period,
        state.definition.version,
        state.team_name,
        state.target,
        state.data_version,
    )
    body = _chart_cache.get(key)
    if body is not None:
        _chart_cache.move_to_end(key)
        return body
    pending = _charts_in_flight.get(key)
    if pending is not None:
        await asyncio.wait([pending])
        body = None if pending.cancelled() else pending.result()
        if body is not None:
            return body
        # The first request failed or went away: compute it here (the same error, if any).
    future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
    _charts_in_flight[key] = future
    try:
        answer = await _compute_team_chart(
            session,
            state=state,
            team_id=team_id,
            request=request,
            first=first,
            last=last,
            period=period,
        )
        body = (
            schemas.TeamChartOut(
                team_id=team_id,
                team_name=answer.team_name,
                chart=answer.chart,
                **chart_context(
                    answer.definition, period=answer.period, first=answer.first, last=answer.last
                ),
            )
            .model_dump_json(by_alias=True)
            .encode()
        )
    finally:
        if _charts_in_flight.get(key) is future:
            del _charts_in_flight[key]
        future.set_result(body)
    _chart_cache[key] = body
    if len(_chart_cache) > CHART_CACHE_SIZE:
        _chart_cache.popitem(last=False)
    return body


async def cohort_chart(
    session: AsyncSession,
    *,
    user: Principal,
    cohort_id: uuid.UUID,
    measure_key: str,
    request: charts.ChartRequest,
    first: date | None = None,
    last: date | None = None,
    period: Period | None = None,
) -> CohortChart:
    """The collaborative chart of a measure over the cohort's teams the caller may read
    (coordinators: all; team leads: their organisation's; coaches: their own), with the
    summary and per-team table."""
    first, last = _chart_range(first, last)
    if last < first:
        raise Unprocessable("the range ends before it starts")
    if last - first > timedelta(days=366 * 5):
        raise Unprocessable("a chart covers at most five years")
    teams = [
        row
        for row in await session.execute(
            select(Team.team_id, Team.name, Team.organisation_id, Team.coach_id)
            .where(Team.cohort_id == cohort_id)
            .order_by(Team.name, Team.team_id)
        )
        if _may_read(user, organisation_id=row.organisation_id, coach_id=row.coach_id)
    ]
    if not teams:
        raise NotFound("no such cohort")
    definition = (await current_definitions(session, [measure_key])).get(measure_key)
    if definition is None:
        raise NotFound(f"no measure {measure_key!r}")
    if definition.takes_responses:
        chosen: Period = period or definition.period
    elif period is not None and period != definition.period:
        raise Unprocessable(f"{measure_key!r} is collected per {definition.period}")
    else:
        chosen = definition.period
    target = (
        await session.execute(
            select(PlanMeasure.target).where(
                PlanMeasure.cohort_id == cohort_id, PlanMeasure.measure_key == measure_key
            )
        )
    ).scalar_one_or_none()
    points = await charts.team_points(
        session,
        team_ids=[row.team_id for row in teams],
        definition=definition,
        first=first,
        last=last,
        period=chosen,
    )
    options = charts.chart_options(request, definition, period=chosen, target=target)
    collaborative = aggregate_chart(
        {
            str(team_id): charts.chart_series(team_points, definition)
            for team_id, team_points in points.items()
            if team_points
        },
        options,
    )
    return CohortChart(
        cohort_id=cohort_id,
        definition=definition,
        period=chosen,
        first=first,
        last=last,
        team_names={str(row.team_id): row.name for row in teams if points[row.team_id]},
        collaborative=collaborative,
    )


def _render(chart: Chart, title: str, picture: Picture) -> bytes:
    return render_svg(chart, title=title) if picture == "svg" else render_png(chart, title=title)


async def chart_picture(chart: Chart, *, title: str, picture: Picture) -> bytes:
    """The chart drawn as SVG or PNG (off the event loop: drawing takes tens of milliseconds)."""
    return await asyncio.to_thread(_render, chart, title, picture)


async def annotate(
    session: AsyncSession,
    *,
    user: Principal,
    team_id: uuid.UUID,
    measure_key: str,
    day: date,
    note: str,
) -> ChartAnnotation:
    """Attach a note to the period holding ``day`` on a team's charts of a measure."""
    await _readable_team_and_measure(session, team_id=team_id, measure_key=measure_key, user=user)
    annotation = ChartAnnotation(
        id=uuid.uuid4(),
        team_id=team_id,
        measure_key=measure_key,
        day=day,
        note=note,
        created_at=datetime.now(UTC),
        created_by=user.subject,
    )
    session.add(annotation)
    await session.flush()
    await rollup.bump_versions(session, [(team_id, measure_key)])  # its charts are stale now
    return annotation


async def list_annotations(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, measure_key: str
) -> list[ChartAnnotation]:
    await _readable_team_and_measure(session, team_id=team_id, measure_key=measure_key, user=user)
    return await charts.annotation_rows(session, team_id=team_id, measure_key=measure_key)


async def set_target(
    session: AsyncSession, *, cohort_id: uuid.UUID, key: str, target: Decimal | None
) -> PlanMeasure:
    """Set (or clear) the cohort's target for a planned measure."""
    entry = await session.get(PlanMeasure, (cohort_id, key))
    if entry is None:
        raise NotFound(f"{key!r} is not on this cohort's plan")
    entry.target = target
    await session.flush()
    return entry
