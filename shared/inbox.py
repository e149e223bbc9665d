"""Idempotent event handling: the inbox, the handler runner and the dead-letter store.

A handler runs in one transaction that also inserts ``(consumer, event_id)`` into the inbox, so a
redelivered or duplicated event has no second effect; the message is acked after commit. A handler
that keeps failing is retried with backoff up to a bound, then the event is kept in the dead-letter
store (with the error) and acked, so the consumer goes on with the next events. An operator can list
and replay dead letters. Events that do not validate against the catalogue are dead-lettered at once.

A fetched batch is handled in one transaction (one inbox insert for all, one commit) and acked
after it. If a handler in it fails, the transaction is rolled back: that event alone takes the
failure path (retry with backoff, then the dead-letter store) and the rest of the batch goes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime
from typing import Any, Literal

from nats.aio.msg import Msg
from pydantic import ValidationError
from sqlalchemy import Column, DateTime, Integer, PrimaryKeyConstraint, String, Table, Text, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared import metrics
from shared.clock import TimeSource
from shared.context import correlation_id
from shared.db import Database, is_database_unavailable, platform_metadata
from shared.events import CATALOGUE, DomainEvent, Envelope
from shared.handlers import EventHandlers
from shared.settings import fault_point, fault_value
from shared.tracing import consumer_span

log = logging.getLogger("shared.inbox")


def _event_columns(*, event_id_required: bool) -> list[Column[Any]]:
    """Which consumer met which event: the columns the inbox and the dead letters share."""
    return [
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(36), nullable=not event_id_required),
        Column("subject", String(200), nullable=False),
    ]


inbox = Table(
    "inbox",
    platform_metadata,
    *_event_columns(event_id_required=True),
    Column("handled_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("consumer", "event_id"),
)

dead_letters = Table(
    "dead_letter",
    platform_metadata,
    Column("id", String(36), primary_key=True),
    *_event_columns(event_id_required=False),
    Column("payload", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("replayed_at", DateTime(timezone=True), nullable=True),
)

Outcome = Literal["handled", "duplicate", "failed", "dead_lettered", "invalid"]


class InvalidEvent(Exception):
    pass


class _EventFailed(Exception):
    """The handler of the ``index``-th event of a batch raised ``error``."""

    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(f"event {index} of the batch failed: {error}")
        self.index = index
        self.error = error


def parse_event(subject: str, payload: bytes | str) -> tuple[Envelope, DomainEvent]:
    """Validate an incoming message against the catalogue (events are untrusted input too)."""
    try:
        envelope = Envelope.model_validate_json(payload)
    except ValidationError as exc:
        raise InvalidEvent(f"envelope does not validate: {exc}") from exc
    if envelope.type != subject:
        raise InvalidEvent(f"envelope type {envelope.type!r} does not match subject {subject!r}")
    model = CATALOGUE.get(envelope.type)
    if model is None:
        raise InvalidEvent(f"unknown event type {envelope.type!r}")
    try:
        event = model.model_validate(envelope.data)
    except ValidationError as exc:
        raise InvalidEvent(f"{envelope.type} does not validate: {exc}") from exc
    return envelope, event


@dataclass
class HandlerRunner:
    """Runs a service's handlers for the events its consumers fetch (and for replays)."""

    database: Database
    handlers: EventHandlers[Any]
    _: KW_ONLY
    clock: TimeSource
    service: str
    max_deliveries: int
    backoff_seconds: Sequence[float]
    _handled: int = field(default=0, init=False)
    _batches: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.backoff_seconds = list(self.backoff_seconds) or [1.0]
        self._crash_after_commit = fault_point(self.database.settings, "crash_after_commit")
        self._poison_team = fault_value(self.database.settings, "fail_team")
        self._hold_first_batch = fault_point(self.database.settings, "hold_batch")
        self._stall_first_batch = fault_point(self.database.settings, "stall_batch")

    async def handle(self, consumer: str, subject: str, payload: bytes | str) -> Outcome:
        """Run the handler for one event exactly once. Raises if the handler failed."""
        envelope, event = parse_event(subject, payload)
        token = correlation_id.set(envelope.correlationid or envelope.id)
        outcome: Outcome = "failed"
        try:
            outcome = await self._handle_once(consumer, envelope, event)
            return outcome
        finally:
            self._log_outcome(envelope, outcome)
            correlation_id.reset(token)

    def _log_outcome(self, envelope: Envelope, outcome: Outcome) -> None:
        # One log line per handled event, carrying the flow's correlation id.
        log.info(
            "%s %s %s",
            envelope.type,
            envelope.id,
            outcome,
            extra={
                "event_type": envelope.type,
                "event_id": envelope.id,
                "outcome": outcome,
                "correlation_id": envelope.correlationid,
            },
        )

    async def _run_handler(
        self, session: AsyncSession, consumer: str, envelope: Envelope, event: DomainEvent
    ) -> None:
        with consumer_span(
            f"handle {envelope.type}",
            envelope.traceparent,
            **{"messaging.message.id": envelope.id, "messaging.consumer.group.name": consumer},
        ):
            if (
                self._poison_team is not None
                and str(getattr(event, "team_id", "")) == self._poison_team
            ):
                raise RuntimeError(f"fault injection: handler fails for team {self._poison_team}")
            await self.handlers.dispatch(
                session,
                event,
                envelope=envelope,
                settings=self.database.settings,
                clock=self.clock,
            )

    async def _handle_once(self, consumer: str, envelope: Envelope, event: DomainEvent) -> Outcome:
        async with self.database.transaction(background=True) as session:
            if envelope.id not in await _claim(session, consumer, [envelope], self.clock.now()):
                return "duplicate"
            await self._run_handler(session, consumer, envelope, event)
        return "handled"

    def _committed(self, events: int) -> None:
        self._handled += events
        if self._crash_after_commit is not None and self._handled >= self._crash_after_commit:
            log.error("fault injection: exiting after commit, before ack")
            os._exit(137)

    async def _hold(self, size: int) -> None:
        """Fault injection ``hold_batch:N``: hold the first fetched batch N seconds before handling
        it, as a slow replica would (its event loop, and so its heartbeat, goes on)."""
        self._batches += 1
        if self._batches == 1 and self._hold_first_batch is not None:
            log.error(
                "fault injection: holding a batch of %d for %ss", size, self._hold_first_batch
            )
            await asyncio.sleep(self._hold_first_batch)

    def _stall(self) -> None:
        """Fault injection ``stall_batch:N``: with the first batch's events claimed in the inbox
        (transaction open), block the whole process N seconds: no heartbeat, no requests."""
        if self._stall_first_batch is not None:
            stall, self._stall_first_batch = self._stall_first_batch, None
            log.error("fault injection: stalling %ss inside a batch's transaction", stall)
            time.sleep(stall)

    async def on_batch(self, consumer: str, msgs: Sequence[Msg]) -> list[Outcome]:
        """The bus callback for a fetched batch: handle it in one transaction, then ack each.

        Under load this spares a transaction, an inbox insert and a commit per event. A single
        event and an invalid one take the one-at-a-time path (``on_message``).
        """
        await self._hold(len(msgs))
        if len(msgs) == 1:
            return [await self.on_message(consumer, msgs[0])]
        outcomes: list[Outcome] = []
        batch: list[tuple[Msg, Envelope, DomainEvent]] = []
        for msg in msgs:
            try:
                envelope, event = parse_event(msg.subject, msg.data)
            except InvalidEvent:
                outcomes.append(await self.on_message(consumer, msg))  # dead-letters it
                continue
            batch.append((msg, envelope, event))
        while batch:
            try:
                handled = await self._handle_batch(consumer, batch)
            except Exception as exc:
                error = exc.error if isinstance(exc, _EventFailed) else exc
                if is_database_unavailable(error):
                    await self._wait_for_database(batch[0][0])
                    continue
                if isinstance(exc, _EventFailed):
                    # Only the failing event takes the failure path; the rest, rolled back with
                    # it, goes again.
                    msg = batch.pop(exc.index)[0]
                    attempt = msg.metadata.num_delivered if msg.metadata else 1
                    outcomes.append(await self._failed(consumer, msg, attempt, error))
                    continue
                # No event to blame (e.g. the commit failed): one at a time, as without batches.
                log.warning("batch of %d failed (%s); one at a time", len(batch), exc)
                for msg, _envelope, _event in batch:
                    outcomes.append(await self.on_message(consumer, msg))
                return outcomes
            self._committed(len(batch))
            for (msg, envelope, _event), outcome in zip(batch, handled, strict=True):
                await msg.ack()
                metrics.EVENTS_CONSUMED.labels(self.service, envelope.type, outcome).inc()
                self._log_outcome(envelope, outcome)
                outcomes.append(outcome)
            break
        return outcomes

    async def _handle_batch(
        self, consumer: str, batch: Sequence[tuple[Msg, Envelope, DomainEvent]]
    ) -> list[Outcome]:
        """Every event of ``batch`` in one transaction; a failure rolls all of it back."""
        outcomes: list[Outcome] = []
        async with self.database.transaction(background=True) as session:
            claimed = await _claim(
                session, consumer, [envelope for _msg, envelope, _ in batch], self.clock.now()
            )
            self._stall()
            for index, (_msg, envelope, event) in enumerate(batch):
                if envelope.id not in claimed:
                    outcomes.append("duplicate")
                    continue
                claimed.discard(envelope.id)  # the same event twice in one batch: once
                token = correlation_id.set(envelope.correlationid or envelope.id)
                try:
                    await self._run_handler(session, consumer, envelope, event)
                except Exception as exc:
                    raise _EventFailed(index, exc) from exc
                finally:
                    correlation_id.reset(token)
                outcomes.append("handled")
        return outcomes

    async def on_message(self, consumer: str, msg: Msg) -> Outcome:
        """The bus callback: handle, then ack / nak with backoff / dead-letter.

        A database outage is not the event's fault: the runner waits for the database (keeping
        the message in progress) and tries again within the same delivery, so an outage never
        pushes a good event into the dead-letter store.
        """
        subject = msg.subject
        attempt = msg.metadata.num_delivered if msg.metadata else 1
        while True:
            try:
                outcome = await self.handle(consumer, subject, msg.data)
                break
            except InvalidEvent as exc:
                log.error("invalid event on %s: %s", subject, exc)
                await self._when_database_is_up(
                    msg,
                    functools.partial(
                        self.dead_letter,
                        consumer,
                        subject,
                        msg.data,
                        str(exc),
                        attempt,
                        # Whatever is wrong with it, an id that can be read is kept, so that an
                        # operator can find the event by the id its producer logged.
                        event_id=_event_id(msg.data),
                    ),
                )
                await msg.term()
                metrics.EVENTS_CONSUMED.labels(self.service, subject, "invalid").inc()
                return "invalid"
            except Exception as exc:
                if is_database_unavailable(exc):
                    await self._wait_for_database(msg)
                    continue
                return await self._failed(consumer, msg, attempt, exc)
        self._committed(1)
        await msg.ack()
        metrics.EVENTS_CONSUMED.labels(self.service, subject, outcome).inc()
        return outcome

    async def _failed(self, consumer: str, msg: Msg, attempt: int, exc: Exception) -> Outcome:
        subject = msg.subject
        error = "".join(traceback.format_exception_only(exc)).strip()
        if attempt >= self.max_deliveries:
            log.error("event on %s failed %d times; dead-lettered: %s", subject, attempt, error)
            details = "".join(traceback.format_exception(exc))
            await self._when_database_is_up(
                msg,
                lambda: self.dead_letter(
                    consumer, subject, msg.data, details, attempt, event_id=_event_id(msg.data)
                ),
            )
            await msg.term()
            metrics.EVENTS_CONSUMED.labels(self.service, subject, "dead_lettered").inc()
            return "dead_lettered"
        delay = self.backoff_seconds[min(attempt - 1, len(self.backoff_seconds) - 1)]
        log.warning(
            "event on %s failed (attempt %d), retry in %ss: %s", subject, attempt, delay, error
        )
        await msg.nak(delay=delay)
        metrics.EVENTS_CONSUMED.labels(self.service, subject, "failed").inc()
        return "failed"

    async def _wait_for_database(self, msg: Msg) -> None:
        delay = 0.2
        while True:
            with contextlib.suppress(Exception):
                await msg.in_progress()  # keep the delivery ours while we wait
            try:
                await self.database.ping()
                return
            except Exception as exc:
                if not is_database_unavailable(exc):
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _when_database_is_up(self, msg: Msg, write: Callable[[], Awaitable[None]]) -> None:
        while True:
            try:
                await write()
                return
            except Exception as exc:
                if not is_database_unavailable(exc):
                    raise
                await self._wait_for_database(msg)

    async def dead_letter(
        self,
        consumer: str,
        subject: str,
        payload: bytes,
        error: str,
        attempts: int,
        *,
        event_id: str | None,
    ) -> None:
        async with self.database.transaction(background=True) as session:
            await session.execute(
                dead_letters.insert().values(
                    id=str(uuid.uuid4()),
                    consumer=consumer,
                    event_id=event_id,
                    subject=subject,
                    payload=payload.decode(errors="replace"),
                    error=error[-8000:],
                    attempts=attempts,
                    created_at=self.clock.now(),
                )
            )
        metrics.EVENTS_DEAD_LETTERED.labels(self.service, subject).inc()

    async def replay(self, dead_letter_id: str) -> Outcome:
        """Run a dead-lettered event through its handler again (after a fix). Idempotent."""
        async with self.database.sessions() as session:
            letter = await get_dead_letter(session, dead_letter_id)
        if letter is None:
            raise KeyError(dead_letter_id)
        if letter["replayed_at"] is not None:
            return "duplicate"
        # An event that does not validate raises InvalidEvent (the operator route answers 422)
        # and stays listed.
        outcome = await self.handle(letter["consumer"], letter["subject"], letter["payload"])
        async with self.database.transaction(background=True) as session:
            await session.execute(
                dead_letters.update()
                .where(dead_letters.c.id == dead_letter_id)
                .values(replayed_at=self.clock.now())
            )
        return outcome


async def _claim(
    session: AsyncSession, consumer: str, envelopes: Sequence[Envelope], now: datetime
) -> set[str]:
    """Record the events in the inbox; returns the ids not seen before. ON CONFLICT DO NOTHING:
    a second copy (even one racing in another replica, which waits for the first to commit)
    inserts nothing, and so has no effect at all."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(inbox)
        .values(
            [
                {
                    "consumer": consumer,
                    "event_id": envelope.id,
                    "subject": envelope.type,
                    "handled_at": now,
                }
                for envelope in envelopes
            ]
        )
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
        .returning(inbox.c.event_id)
    )
    return set(result.scalars())


def _event_id(payload: bytes) -> str | None:
    """The envelope's id, read from the raw JSON (also of an event that does not validate), if
    it is there and fits the id column."""
    try:
        value = json.loads(payload).get("id")
    except (ValueError, AttributeError):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    return text if 0 < len(text) <= 36 else None


async def list_dead_letters(
    session: AsyncSession, *, include_replayed: bool = False
) -> list[dict[str, Any]]:
    """Every dead letter as stored, payload and error in full (see ``redacted_dead_letter``)."""
    query = select(dead_letters).order_by(dead_letters.c.created_at)
    if not include_replayed:
        query = query.where(dead_letters.c.replayed_at.is_(None))
    return [dict(row._mapping) for row in (await session.execute(query)).all()]


async def get_dead_letter(session: AsyncSession, dead_letter_id: str) -> dict[str, Any] | None:
    row = (
        await session.execute(select(dead_letters).where(dead_letters.c.id == dead_letter_id))
    ).one_or_none()
    return dict(row._mapping) if row is not None else None
