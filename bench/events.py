"""Benchmarks 1 and 3: confirmation → invoice latency, its JetStream floor, and the outage drain.

Latency of one confirmation = the billing invoice's ``issued_at`` minus the ``time`` of the
``enrolment.team.confirmed`` envelope (its outbox ``created_at``). Both stamps are taken inside the
committing transaction, a millisecond or so before its commit, on the same machine's clock, so
their difference is the commit-to-commit time within that slack. As a cross-check, a NATS
subscriber in this process also records when ``billing.invoice.issued`` went past on the bus,
measured from the moment the confirmation's HTTP answer arrived (an upper bound: it adds billing's
own outbox relay and the subscriber's delivery).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import nats
import orjson
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig

from bench.seed import coordinator_headers
from bench.stack import Nats
from bench.stats import summary


class BusWatcher:
    """A plain (core NATS) subscriber on the subjects the streams carry: it sees each event as
    the relay publishes it, without taking part in any durable consumer."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.nc: Any = None
        self.confirmed_seen: dict[str, float] = {}
        self.invoice_seen: dict[str, float] = {}

    async def start(self) -> None:
        self.nc = await nats.connect(self.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)

        async def on_confirmed(msg: Any) -> None:
            data = orjson.loads(msg.data)["data"]
            self.confirmed_seen.setdefault(data["team_id"], time.time())

        async def on_invoice(msg: Any) -> None:
            data = orjson.loads(msg.data)["data"]
            self.invoice_seen.setdefault(data["team_id"], time.time())

        await self.nc.subscribe("enrolment.team.confirmed", cb=on_confirmed)
        await self.nc.subscribe("billing.invoice.issued", cb=on_invoice)

    async def close(self) -> None:
        if self.nc is not None:
            with contextlib.suppress(Exception):
                await self.nc.close()


CONFIRM_TIMEOUT = httpx.Timeout(15.0)


async def _confirm(client: httpx.AsyncClient, team_id: str, n: int) -> tuple[int, float]:
    """Coordinator ``n`` confirms the team (writes are rate limited per person). A request not
    answered within the timeout counts as status 0 (an error), so an overloaded run stays
    bounded in time."""
    try:
        response = await client.post(
            f"/api/enrolment/teams/{team_id}/confirm",
            headers=coordinator_headers(n),
            timeout=CONFIRM_TIMEOUT,
        )
    except httpx.HTTPError:
        return 0, time.time()
    return response.status_code, time.time()


async def _invoice_count(billing: asyncpg.Connection, team_ids: list[str]) -> int:
    return int(
        await billing.fetchval(
            "SELECT count(*) FROM invoice WHERE team_id = ANY($1::uuid[])",
            [uuid.UUID(t) for t in team_ids],
        )
    )


async def _commit_stamps(
    enrolment: asyncpg.Connection, billing: asyncpg.Connection, team_ids: list[str]
) -> tuple[dict[str, datetime], dict[str, datetime]]:
    wanted = set(team_ids)
    confirmed: dict[str, datetime] = {}
    for row in await enrolment.fetch(
        "SELECT payload, created_at FROM outbox WHERE subject = 'enrolment.team.confirmed'"
    ):
        team_id = orjson.loads(row["payload"])["data"]["team_id"]
        if team_id in wanted:
            confirmed[team_id] = row["created_at"]
    invoiced = {
        str(row["team_id"]): row["issued_at"]
        for row in await billing.fetch(
            "SELECT team_id, issued_at FROM invoice WHERE team_id = ANY($1::uuid[])",
            [uuid.UUID(t) for t in team_ids],
        )
    }
    return confirmed, invoiced


async def event_latency(
    *,
    enrolment_url: str,
    enrolment_dsn: str,
    billing_dsn: str,
    nats_url: str,
    team_ids: list[str],
    rate: float,
) -> dict[str, Any]:
    """Confirm ``team_ids`` at a constant ``rate`` (open model) and time each invoice."""
    watcher = BusWatcher(nats_url)
    await watcher.start()
    answered: dict[str, tuple[int, float]] = {}
    http_ms: list[float] = []
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=enrolment_url, timeout=30, limits=limits) as client:
        await client.get("/healthz")

        async def one(n: int, team_id: str, scheduled: float) -> None:
            answered[team_id] = await _confirm(client, team_id, n)
            http_ms.append((time.perf_counter() - scheduled) * 1000)

        tasks = []
        start = time.perf_counter()
        for i, team_id in enumerate(team_ids):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, team_id, scheduled)))
        await asyncio.gather(*tasks)
        sending_s = time.perf_counter() - start
    accepted = [t for t in team_ids if answered[t][0] == 200]
    enrolment = await asyncpg.connect(enrolment_dsn)
    billing = await asyncpg.connect(billing_dsn)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if await _invoice_count(billing, accepted) >= len(accepted):
                break
            await asyncio.sleep(0.1)
        drained_s = time.perf_counter() - start
        await asyncio.sleep(0.5)  # let the watcher see the last events go past
        confirmed, invoiced = await _commit_stamps(enrolment, billing, team_ids)
    finally:
        await enrolment.close()
        await billing.close()
        await watcher.close()
    commit_ms = [
        (invoiced[t] - confirmed[t]).total_seconds() * 1000
        for t in team_ids
        if t in confirmed and t in invoiced
    ]
    observed_ms = [
        (watcher.invoice_seen[t] - answered[t][1]) * 1000
        for t in team_ids
        if t in watcher.invoice_seen and t in answered
    ]
    relay_ms = [
        (watcher.confirmed_seen[t] - confirmed[t].timestamp()) * 1000
        for t in team_ids
        if t in watcher.confirmed_seen and t in confirmed
    ]
    statuses: dict[str, int] = {}
    for status, _ in answered.values():
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "confirmations": len(team_ids),
        "rate": rate,
        "sending_s": sending_s,
        "last_invoice_s": drained_s,
        "statuses": statuses,
        "confirmed_team_ids": accepted,
        "invoices": len(invoiced),
        "commit_to_commit": summary(commit_ms),
        "answer_to_bus": summary(observed_ms),
        "enrolment_relay": summary(relay_ms),
        "confirm_http": summary(http_ms),
    }


async def jetstream_floor(nats_url: str, *, messages: int, rate: float) -> dict[str, Any]:
    """The physical floor: publish (with its publish-ack) → durable pull consumer → ack, with
    nats-py on the same server, a file-backed stream and an explicit-ack pull consumer fetching
    in batches like ``shared.bus.Consumer``. Latency = from before ``publish`` to after ``ack``."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    stream, subject = "BENCHFLOOR", "benchfloor.ping"
    await js.add_stream(StreamConfig(name=stream, subjects=[subject], storage=StorageType.FILE))
    await js.add_consumer(
        stream, ConsumerConfig(durable_name="floor", ack_policy=AckPolicy.EXPLICIT, ack_wait=30)
    )
    psub = await js.pull_subscribe_bind(durable="floor", stream=stream)
    padding = b"x" * 1200  # about the size of an enrolment.team.confirmed envelope
    latencies: list[float] = []
    done = asyncio.Event()

    async def consume() -> None:
        while len(latencies) < messages:
            try:
                msgs = await psub.fetch(50, timeout=1.0)
            except nats.errors.TimeoutError:
                continue
            for msg in msgs:
                sent = float(msg.data.split(b"|", 1)[0])
                await msg.ack()
                latencies.append((time.perf_counter() - sent) * 1000)
        done.set()

    consumer = asyncio.create_task(consume())
    start = time.perf_counter()
    for i in range(messages):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await js.publish(subject, f"{time.perf_counter():.9f}|".encode() + padding)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), 30)
    consumer.cancel()
    with contextlib.suppress(BaseException):
        await consumer
    with contextlib.suppress(Exception):
        await js.delete_stream(stream)
    await nc.close()
    return {"messages": messages, "rate": rate, "round_trip": summary(latencies)}


async def outage_drain(
    *,
    nats_server: Nats,
    enrolment_url: str,
    enrolment_dsn: str,
    billing_dsn: str,
    team_ids: list[str],
) -> dict[str, Any]:
    """Confirm ``team_ids`` while NATS is down, start NATS, time until every invoice exists."""
    answers: dict[str, int] = {}
    nats_server.stop()
    await asyncio.sleep(1.0)  # the services notice the lost connection
    statuses: dict[str, int] = {}
    semaphore = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=enrolment_url, timeout=30) as client:

        async def one(n: int, team_id: str) -> None:
            async with semaphore:
                status, _ = await _confirm(client, team_id, n)
                answers[team_id] = status
                statuses[str(status)] = statuses.get(str(status), 0) + 1

        confirming = time.perf_counter()
        await asyncio.gather(*(one(n, t) for n, t in enumerate(team_ids)))
        confirm_s = time.perf_counter() - confirming
    team_ids = [t for t in team_ids if answers.get(t) == 200]
    enrolment = await asyncpg.connect(enrolment_dsn)
    billing = await asyncpg.connect(billing_dsn)
    try:
        backlog = int(
            await enrolment.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        )
        invoices_before = await _invoice_count(billing, team_ids)
        started = time.perf_counter()
        nats_server.start()
        listening_s = time.perf_counter() - started
        relay_drained_s: float | None = None
        first_invoice_s: float | None = None
        all_invoices_s: float | None = None
        deadline = started + 120
        while time.perf_counter() < deadline:
            now = time.perf_counter() - started
            if relay_drained_s is None and not await enrolment.fetchval(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL"
            ):
                relay_drained_s = now
            count = await _invoice_count(billing, team_ids)
            if first_invoice_s is None and count > 0:
                first_invoice_s = now
            if count >= len(team_ids):
                all_invoices_s = now
                break
            await asyncio.sleep(0.01)
        invoices = await _invoice_count(billing, team_ids)
    finally:
        await enrolment.close()
        await billing.close()
    return {
        "confirmations": len(answers),
        "confirmed": len(team_ids),
        "confirmed_team_ids": team_ids,
        "statuses": statuses,
        "confirm_s": confirm_s,
        "outbox_backlog": backlog,
        "invoices_before": invoices_before,
        "invoices": invoices,
        "nats_listening_s": listening_s,
        "relay_drained_s": relay_drained_s,
        "first_invoice_s": first_invoice_s,
        "all_invoices_s": all_invoices_s,
    }
