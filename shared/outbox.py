"""Transactional outbox: events are rows in the producer's database, published after commit.

``record_event`` adds the row in the caller's transaction. ``OutboxRelay`` publishes unpublished
rows to JetStream in order, with ``Nats-Msg-Id`` = event id (the stream drops a republished id
inside its duplicate window; consumers' inboxes drop it for ever), and marks a row published only
after the publish-ack. It is woken right after a commit that added rows; polling is the fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from shared import metrics
from shared.bus import Bus
from shared.context import current_correlation_id
from shared.db import Database, platform_metadata
from shared.events import DomainEvent, Envelope
from shared.settings import fault_point
from shared.tracing import current_traceparent

log = logging.getLogger("shared.outbox")

outbox = Table(
    "outbox",
    platform_metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("subject", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("correlation_id", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Index(
        "ix_outbox_unpublished",
        "seq",
        postgresql_where="published_at IS NULL",
        sqlite_where="published_at IS NULL",
    ),
)

_PENDING_KEY = "outbox_pending"


def build_envelope(event: DomainEvent, *, source: str, subject: str | None = None) -> Envelope:
    return Envelope(
        source=source,
        type=event.subject,
        subject=subject,
        correlationid=current_correlation_id(),
        traceparent=current_traceparent(),
        data=event.model_dump(mode="json"),
    )


async def record_event(
    session: AsyncSession, event: DomainEvent, *, subject: str | None = None
) -> Envelope:
    """Record ``event`` in the outbox, in the caller's transaction. Returns its envelope.

    ``subject`` is the CloudEvents subject (e.g. the id of the aggregate it is about).
    """
    source = session.info.get("service", "unknown")
    envelope = build_envelope(event, source=f"/{source}", subject=subject)
    await session.execute(
        outbox.insert().values(
            event_id=envelope.id,
            subject=event.subject,
            payload=envelope.model_dump_json(),
            correlation_id=envelope.correlationid,
            created_at=envelope.time,
            attempts=0,
        )
    )
    session.info[_PENDING_KEY] = True
    return envelope


class OutboxRelay:
    def __init__(
        self,
        database: Database,
        bus: Bus,
        *,
        batch_size: int,
        poll_seconds: float,
        coalesce_seconds: float = 0.0,
    ) -> None:
        self.database = database
        self.service = database.settings.service_name
        self.bus = bus
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.coalesce_seconds = coalesce_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._published = 0
        self._crash_after_publish = fault_point(database.settings, "crash_after_publish")
        database.after_commit.append(self._after_commit)
        # Events that waited out a NATS outage go as soon as it is back, not at the next poll.
        bus.on_connected.append(self.wake)

    def _after_commit(self, session: AsyncSession) -> None:
        if session.info.pop(_PENDING_KEY, False):
            self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                # drain() goes on while batches come back full; a commit while it runs sets the
                # wake flag again, so no second, empty round is needed here.
                await self.drain()
                failures = 0
            except Exception as exc:  # NATS or database away: back off, never lose the rows
                failures += 1
                metrics.OUTBOX_PUBLISH_FAILURES.labels(self.service, type(exc).__name__).inc()
                log.warning("outbox relay: %s: %s", type(exc).__name__, exc)
                # At most 2 s between tries: when a NATS cluster regains its quorum nothing
                # wakes the relay (its connection never dropped), so this is how soon it sees.
                await asyncio.sleep(min(0.2 * 2**failures, 2.0))
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            # One turn of the event loop (or a set moment) for commits landing together to share
            # one claim-publish-mark cycle; waiting longer only adds latency at low rates.
            await asyncio.sleep(self.coalesce_seconds)
            self._wake.clear()

    async def drain(self) -> int:
        """Publish every unpublished row, oldest first. Returns how many were published."""
        total = 0
        while True:
            # (The backlog gauge is refreshed when /metrics is scraped, not on this hot path.)
            if not self.bus.connected:
                return total
            count = await self._publish_batch()
            total += count
            if count < self.batch_size:
                return total

    def _unpublished(self) -> Select[Any]:
        return (
            select(
                outbox.c.seq,
                outbox.c.event_id,
                outbox.c.subject,
                outbox.c.payload,
                outbox.c.correlation_id,
            )
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.seq)
            .limit(self.batch_size)
        )

    async def _publish_batch(self) -> int:
        if self.database.settings.is_sqlite:
            return await self._publish_batch_sqlite()
        async with self.database.background_sessions() as session, session.begin():
            # SKIP LOCKED lets several replicas share the relay work on PostgreSQL without
            # double-publishing: a replica's claimed rows stay locked until they are marked.
            rows = (
                await session.execute(self._unpublished().with_for_update(skip_locked=True))
            ).all()
            published, failure = await self._publish(rows)
            if published:
                await self._mark(session, published)
        if failure is not None:
            raise failure
        return len(rows)

    async def _publish_batch_sqlite(self) -> int:
        # SQLite has one writer and one relay per service: read and mark in short transactions
        # of their own, so that the write lock is never held while waiting for NATS.
        async with self.database.transaction(background=True) as session:
            rows = (await session.execute(self._unpublished())).all()
        published, failure = await self._publish(rows)
        if published:
            async with self.database.transaction(background=True) as session:
                await self._mark(session, published)
        if failure is not None:
            raise failure
        return len(rows)

    async def _publish(self, rows: Sequence[Row[Any]]) -> tuple[list[int], Exception | None]:
        """Publish in order; stop at the first failure. Returns the acknowledged rows' seqs."""
        published: list[int] = []
        for row in rows:
            try:
                await self.bus.publish(
                    row.subject,
                    row.payload.encode(),
                    msg_id=row.event_id,
                    correlation_id=row.correlation_id,
                )
            except Exception as exc:
                return published, exc
            published.append(row.seq)
            self._published += 1
            if (
                self._crash_after_publish is not None
                and self._published >= self._crash_after_publish
            ):
                log.error("fault injection: exiting after publish, before marking the row")
                os._exit(137)
            metrics.EVENTS_PUBLISHED.labels(service=self.service, type=row.subject).inc()
        return published, None

    async def _mark(self, session: AsyncSession, seqs: list[int]) -> None:
        # Only rows whose publish was acknowledged are marked; the rest go out next time.
        await session.execute(
            update(outbox).where(outbox.c.seq.in_(seqs)).values(published_at=datetime.now(UTC))
        )

    async def refresh_backlog(self) -> None:
        async with self.database.sessions() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(outbox.c.created_at)).where(
                        outbox.c.published_at.is_(None)
                    )
                )
            ).one()
        metrics.OUTBOX_BACKLOG.labels(service=self.service).set(count)
        if oldest is not None:
            if oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=UTC)
            metrics.OUTBOX_OLDEST_AGE.labels(service=self.service).set(
                (datetime.now(UTC) - oldest).total_seconds()
            )
        else:
            metrics.OUTBOX_OLDEST_AGE.labels(service=self.service).set(0)


async def backlog(session: AsyncSession) -> int:
    return int(
        (
            await session.execute(select(func.count()).where(outbox.c.published_at.is_(None)))
        ).scalar_one()
    )
