"""Scenarios 2 and 3: a billing consumer killed after commit but before ack, and an outbox relay
killed between the publish and the marking of the row. Each time: exactly one effect."""

from __future__ import annotations

import asyncio
import time

from tests.faults.conftest import ProcessFactory, needs_postgresql
from tests.faults.harness import (
    ServiceProcess,
    confirm,
    gather_limited,
    invoices_by_team,
    metric,
    prepare_programme,
    query,
    record,
    wait_until,
)
from tests.support import NatsServer

pytestmark = needs_postgresql


async def consumed(service: ServiceProcess, outcome: str) -> float:
    return await metric(
        service, "ewc_events_consumed_total", type="enrolment.team.confirmed", outcome=outcome
    )


async def test_billing_killed_after_commit_before_ack(services: ProcessFactory) -> None:
    enrolment = await services("enrolment")
    # The billing process ends itself right after committing its 25th event, before the ack.
    billing = await services("billing", FAULT_INJECTION="crash_after_commit:25")
    programme = await prepare_programme(enrolment, teams=60, organisations=20)
    async with enrolment.client() as client:
        statuses = await gather_limited(6, (confirm(client, t) for t in programme.team_ids[1:]))
    assert set(statuses) == {200}
    assert billing.process is not None
    exit_code = await asyncio.to_thread(billing.wait_exit, 30)
    assert exit_code == 137  # it died mid-batch
    crashed = time.monotonic()
    billing.start(FAULT_INJECTION="")
    await billing.wait_ready()

    async def all_invoiced() -> bool:
        by_team = await invoices_by_team(billing)
        return all(t in by_team for t in programme.team_ids)

    await wait_until(all_invoiced, timeout=30)
    recovery = time.monotonic() - crashed

    # The event committed but never acked comes again; the inbox recognises it.
    async def redelivery_seen() -> bool:
        return await consumed(billing, "duplicate") >= 1

    await wait_until(redelivery_seen, timeout=15)
    by_team = await invoices_by_team(billing)
    duplicated = sum(len(v) - 1 for v in by_team.values())
    assert duplicated == 0 and len(by_team) == len(programme.team_ids)
    numbers = sorted(int(i["number"].rsplit("-", 1)[1]) for v in by_team.values() for i in v)
    assert numbers == list(range(1, len(numbers) + 1)), "invoice numbers must stay gapless"
    record(
        "2. billing killed after commit, before ack",
        sent=len(programme.team_ids),
        effects=sum(len(v) for v in by_team.values()),
        lost=0,
        duplicated=duplicated,
        recovery_seconds=round(recovery, 2),
        notes="redelivered event dropped by the inbox",
    )


async def test_relay_killed_between_publish_and_mark(
    services: ProcessFactory, nats_server: NatsServer
) -> None:
    billing = await services("billing")
    enrolment = await services("enrolment")
    programme = await prepare_programme(enrolment, teams=40, organisations=10)
    enrolment.stop()
    # The relay ends the process right after its 5th publish-ack, before marking the row.
    enrolment.start(FAULT_INJECTION="crash_after_publish:5")
    await enrolment.wait_ready()
    async with enrolment.client() as client:
        for team_id in programme.team_ids[1:]:
            if await confirm(client, team_id) == 0:
                break  # the process is gone
    exit_code = await asyncio.to_thread(enrolment.wait_exit, 30)
    assert exit_code == 137
    crashed = time.monotonic()
    unmarked = await query(
        enrolment.database_url, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"
    )
    assert unmarked[0]["n"] >= 1  # at least the row whose publish was acked but not marked
    enrolment.start(FAULT_INJECTION="")
    await enrolment.wait_ready()
    async with enrolment.client() as client:  # what did not get through is confirmed now
        assert set(
            await gather_limited(6, (confirm(client, t) for t in programme.team_ids[1:]))
        ) == {200}

    async def all_invoiced() -> bool:
        by_team = await invoices_by_team(billing)
        return all(t in by_team for t in programme.team_ids)

    await wait_until(all_invoiced, timeout=30)
    recovery = time.monotonic() - crashed
    await wait_until(lambda: _outbox_empty(enrolment), timeout=15)
    await asyncio.sleep(1.0)
    by_team = await invoices_by_team(billing)
    duplicated = sum(len(v) - 1 for v in by_team.values())
    assert duplicated == 0 and len(by_team) == len(programme.team_ids)
    # JetStream kept one message per outbox row: the republished one was dropped as a duplicate.
    rows = await query(enrolment.database_url, "SELECT count(*) AS n FROM outbox")
    import nats

    nc = await nats.connect(nats_server.url)
    try:
        info = await nc.jetstream().stream_info("ENROLMENT")
    finally:
        await nc.close()
    assert info.state.messages == rows[0]["n"]
    record(
        "3. relay killed between publish and mark",
        sent=len(programme.team_ids),
        effects=sum(len(v) for v in by_team.values()),
        lost=0,
        duplicated=duplicated,
        recovery_seconds=round(recovery, 2),
        notes=f"republished row dropped by JetStream (Nats-Msg-Id); stream holds exactly the {rows[0]['n']} outbox rows",
    )


async def _outbox_empty(enrolment: ServiceProcess) -> bool:
    rows = await query(
        enrolment.database_url, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"
    )
    return bool(rows[0]["n"] == 0)
