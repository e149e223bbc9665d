"""Bulk ingestion: trust systems post batches of survey responses or aggregated values (JSON or
CSV, up to 10,000 rows) with their organisation's API key, and a team's project lead (or a
coordinator) uploads one team's CSV from the web console. Both go through ``ingest_batch``: a
batch is checked whole and stored whole, or refused with every failing row and field named;
nothing of a refused batch is written.

``ingest_batch`` runs its own units of work (not the request's): an ``Idempotency-Key`` must be
visible to a concurrent request before the batch commits (see ``idempotency``).
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement import idempotency, records
from services.measurement.records import BatchContext
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
from services.measurement.store import batches as store
from services.measurement.store import idempotency as idempotency_records
from services.measurement.validation import (
    foreign_rows,
    validate_responses,
    validate_values,
)
from shared import metrics
from shared.auth import Principal
from shared.clock import uk_date
from shared.db import Database
from shared.errors import (
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unprocessable,
    UnsupportedMediaType,
)
from shared.events.measurement import BatchAccepted, BatchCount
from shared.outbox import record_event


@dataclass(frozen=True)
class BatchResult:
    batch_id: uuid.UUID
    rows: int
    new_rows: int
    repeated_rows: int

    def as_dict(self) -> dict[str, Any]:
        """The answer as JSON values (also what an Idempotency-Key replays)."""
        return {**asdict(self), "batch_id": str(self.batch_id)}


@dataclass(frozen=True)
class Sender:
    """Who a batch comes from: an organisation's trust system (its API key), or a person
    uploading for one team of an organisation (``uploaded_by``, ``team_id``)."""

    organisation_id: uuid.UUID
    api_key_id: uuid.UUID | None = None
    uploaded_by: str | None = None
    team_id: uuid.UUID | None = None  # an upload for this team only


@dataclass(frozen=True)
class Ingested:
    status: int
    answer: dict[str, Any]
    replayed: bool  # the first answer to this Idempotency-Key, given again


def parse_body(
    body: bytes, *, content_type: str, kind: BatchKind, team_id: uuid.UUID | None = None
) -> list[Any]:
    media_type = content_type.split(";", 1)[0].strip().lower()
    try:
        if media_type == "application/json":
            return parse_json(body, kind)
        if media_type == "text/csv":
            return parse_csv(body, kind, team_id=team_id)
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
    kind: BatchKind, rows: Sequence[ResponseRow] | Sequence[ValueRow], batch: BatchContext
) -> tuple[list[RowError], records.Built | None]:
    """Every failing row and field, or (when there are none) the records to store."""
    teams, plans = batch.teams, batch.plans
    if kind == "responses":
        responses: Sequence[ResponseRow] = rows  # type: ignore[assignment]
        built = records.response_records(responses, batch)
        if built is not None:
            return [], built
        # Some row breaks a rule: the validator names every failing row and field.
        errors = validate_responses(responses, teams=teams, plans=plans, now=batch.now)
        if not errors:
            raise RuntimeError("the ingestion loop refused a batch that the validator accepts")
        return errors, None
    values: Sequence[ValueRow] = rows  # type: ignore[assignment]
    errors = validate_values(values, teams=teams, plans=plans, today=uk_date(batch.now))
    if errors:
        return errors, None
    return [], records.value_records(values, batch)


def _other_teams(rows: Sequence[ResponseRow | ValueRow], team_id: uuid.UUID) -> list[RowError]:
    """Rows of an upload for one team that name another team."""
    return [
        RowError(index, "team_id", f"this upload is for team {team_id} only")
        for index, row in enumerate(rows)
        if row.team_id != team_id
    ]


async def store_batch(
    session: AsyncSession,
    *,
    sender: Sender,
    kind: BatchKind,
    rows: Sequence[ResponseRow] | Sequence[ValueRow],
    now: datetime,
    months_before_start: int,
) -> BatchResult:
    """Check, then write a whole batch or nothing (the caller's transaction is rolled back on
    any error raised here)."""
    organisation_id = sender.organisation_id
    if sender.team_id is not None and (elsewhere := _other_teams(rows, sender.team_id)):
        raise Unprocessable(
            f"{len(elsewhere)} row(s) are for another team; nothing was written",
            errors=[error.as_dict() for error in elsewhere],
        )
    team_ids = {uuid.UUID(int=i) for i in {row.team_id.int for row in rows}}
    teams, plans = await store.teams_and_plans(
        session, team_ids, months_before_start=months_before_start
    )
    foreign = foreign_rows(rows, teams=teams, organisation_id=organisation_id)
    if foreign:
        shown = ", ".join(map(str, foreign[:20])) + (" ..." if len(foreign) > 20 else "")
        raise Forbidden(
            f"rows {shown} are for teams of another organisation; nothing was written",
            rows=foreign[:1000],
        )
    batch = BatchContext(organisation_id, uuid.uuid4(), teams, plans, now)
    errors, built = _check_and_build(kind, rows, batch)
    if errors:
        raise Unprocessable(
            f"{len({e.row for e in errors})} row(s) did not validate; nothing was written",
            errors=[error.as_dict() for error in errors],
        )
    assert built is not None
    return await _store_built(session, sender=sender, kind=kind, built=built, batch=batch)


async def _store_plain_responses(
    session: AsyncSession,
    *,
    sender: Sender,
    rows: list[Any],
    body: bytes,
    now: datetime,
    months_before_start: int,
) -> BatchResult:
    """A JSON batch of responses in the plain form (``rows.plain_json_rows``): checked and
    turned into records in one pass over the parsed objects. Anything else about it (a row not
    plain, a rule broken, another organisation's team) hands the batch to ``store_batch``, which
    stores it or names every problem exactly as it always has."""
    organisation_id = sender.organisation_id
    team_of = records.plain_team_ids(rows)
    if team_of is not None:
        teams, plans = await store.teams_and_plans(
            session, set(team_of.values()), months_before_start=months_before_start
        )
        if all(team.organisation_id == organisation_id for team in teams.values()):
            batch = BatchContext(organisation_id, uuid.uuid4(), teams, plans, now)
            built = await records.plain_response_records(rows, batch, team_of=team_of)
            if built is not None:
                return await _store_built(
                    session, sender=sender, kind="responses", built=built, batch=batch
                )
    validated = parse_body(body, content_type="application/json", kind="responses")
    return await store_batch(
        session,
        sender=sender,
        kind="responses",
        rows=validated,
        now=now,
        months_before_start=months_before_start,
    )


async def _store_built(
    session: AsyncSession,
    *,
    sender: Sender,
    kind: BatchKind,
    built: records.Built,
    batch: BatchContext,
) -> BatchResult:
    batch_id, organisation_id, now = batch.batch_id, batch.organisation_id, batch.now
    new_counts = await store.store(session, kind, built)
    new_rows = sum(new_counts.values())
    count = len(built.records)
    result = BatchResult(
        batch_id=batch_id, rows=count, new_rows=new_rows, repeated_rows=count - new_rows
    )
    await store.add_batch(
        session,
        batch_id=batch_id,
        organisation_id=organisation_id,
        api_key_id=sender.api_key_id,
        uploaded_by=sender.uploaded_by,
        kind=kind,
        new_rows=result.new_rows,
        repeated_rows=result.repeated_rows,
        accepted_at=now,
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
                    for (team_int, measure), total in sorted(built.totals.items())
                ],
                accepted_at=now,
            ),
            subject=str(batch_id),
        )
    return result


def trust_system(principal: Principal) -> Sender:
    """The sender of a batch posted with an organisation's API key (no one else posts here)."""
    if not principal.is_machine or principal.organisation_id is None:
        raise Forbidden("batches are posted by trust systems with an organisation's API key")
    assert principal.api_key_id is not None
    return Sender(principal.organisation_id, api_key_id=uuid.UUID(principal.api_key_id))


async def uploader(database: Database, *, user: Principal, team_id: uuid.UUID) -> Sender:
    """The sender of a person's upload for one team they may read (a coordinator: any team; a
    project lead: their organisation's); another organisation's team is not found."""
    async with database.sessions() as session:
        organisation_id = await store.readable_team_organisation(
            session, principal=user, team_id=team_id
        )
    if organisation_id is None:
        raise NotFound("no such team")
    return Sender(organisation_id, uploaded_by=user.subject, team_id=team_id)


async def ingest_batch(
    database: Database,
    *,
    sender: Sender,
    kind: BatchKind,
    body: bytes,
    content_type: str,
    idempotency_key: str | None,
    now: datetime,
    months_before_start: int,
) -> Ingested:
    """Parse, check and store one batch."""
    organisation_id = sender.organisation_id
    if idempotency_key is not None:
        replay = await idempotency.begin(
            database,
            organisation_id=organisation_id,
            key=idempotency_key,
            fingerprint=idempotency.fingerprint(kind, content_type, body),
            now=now,
        )
        if replay is not None:
            return Ingested(replay.status, replay.body, replayed=True)
    try:
        with gc_paused():
            media_type = content_type.split(";", 1)[0].strip().lower()
            plain = (
                plain_json_rows(body)
                if kind == "responses"
                and media_type == "application/json"
                and sender.team_id is None
                else None
            )
            rows = (
                parse_body(body, content_type=content_type, kind=kind, team_id=sender.team_id)
                if plain is None
                else []
            )
            async with database.transaction() as session:
                session.info["service"] = database.settings.service_name
                if plain is not None:
                    result = await _store_plain_responses(
                        session,
                        sender=sender,
                        rows=plain,
                        body=body,
                        now=now,
                        months_before_start=months_before_start,
                    )
                else:
                    result = await store_batch(
                        session,
                        sender=sender,
                        kind=kind,
                        rows=rows,
                        now=now,
                        months_before_start=months_before_start,
                    )
                answer = result.as_dict()
                if idempotency_key is not None:
                    await idempotency_records.answer(
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
            await idempotency_records.free(
                database, organisation_id=organisation_id, key=idempotency_key
            )
        raise
    return Ingested(200, answer, replayed=False)
