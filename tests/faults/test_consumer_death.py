"""Scenarios 11 and 12 (issue #21 item 5): a billing replica holding a fetched batch of 50 events.

11. It is SIGKILLed: the other replica handles the batch within 5 s (a 3 s ack wait; while the
    batch is being handled its replica sends a heartbeat every second, so before the kill the
    other replica got nothing, however long the first one took).
12. It stalls (its whole process blocked, so no heartbeat) with the events claimed in its open
    transaction: after the ack wait JetStream gives them to the other replica, whose inbox insert
    waits for the first transaction and then finds them handled. One effect each.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import nats

from shared.settings import ServiceSettings
from tests.faults.conftest import ProcessFactory, needs_postgresql
from tests.faults.harness import (
    ServiceProcess,
    invoice_counts,
    invoices_by_team,
    metric,
    record,
    wait_until,
)
from tests.support import NatsServer, envelope_for, team_confirmed_event

pytestmark = needs_postgresql

BATCH = 50
ACK_WAIT = ServiceSettings().consumer_ack_wait_seconds
CONFIRMED = "enrolment.team.confirmed"


async def publish_confirmations(nats_url: str, count: int) -> list[str]:
    """Enrolment's part, played directly: ``count`` confirmations waiting in the stream before
    any billing replica starts, so that the first one fetches them all in one batch."""
    events = [
        team_confirmed_event(organisation_id=uuid.uuid4(), team_name=f"Team {i}")
        for i in range(count)
    ]
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await js.add_stream(name="ENROLMENT", subjects=["enrolment.>"], duplicate_window=600)
        for event in events:
            await js.publish(event.subject, envelope_for(event).model_dump_json().encode())
    finally:
        await nc.close()
    return [str(event.team_id) for event in events]


async def billing_consumer(nats_url: str) -> Any:
    nc = await nats.connect(nats_url)
    try:
        return await nc.jetstream().consumer_info("ENROLMENT", "billing-enrolment")
    finally:
        await nc.close()


async def holding_the_batch(nats_url: str) -> bool:
    """One replica has fetched every event and acknowledged none yet."""
    try:
        info = await billing_consumer(nats_url)
    except Exception:
        return False
    return bool(info.num_pending == 0 and info.num_ack_pending == BATCH)


async def outcomes(service: ServiceProcess, outcome: str) -> float:
    return await metric(service, "ewc_events_consumed_total", type=CONFIRMED, outcome=outcome)


async def test_a_replica_killed_holding_a_fetched_batch_is_replaced_within_5_s(
    services: ProcessFactory, nats_server: NatsServer
) -> None:
    teams = await publish_confirmations(nats_server.url, BATCH)
    # The first replica fetches the batch and holds it (as a slow handler would).
    first = await services("billing", ready=False, FAULT_INJECTION="hold_batch:600")
    await wait_until(lambda: holding_the_batch(nats_server.url), timeout=60)
    second = await services("billing", share_with=first)

    # Its heartbeat keeps the batch its own well past the ack wait: nothing for the second.
    await asyncio.sleep(2 * ACK_WAIT)
    info = await billing_consumer(nats_server.url)
    assert (info.num_ack_pending, info.num_redelivered) == (BATCH, 0)
    assert await metric(second, "ewc_events_consumed_total") == 0

    first.kill()
    killed_at = time.monotonic()

    async def all_invoiced() -> bool:
        by_team = await invoices_by_team(second)
        return all(t in by_team for t in teams)

    await wait_until(all_invoiced, timeout=60, interval=0.1)
    recovery = time.monotonic() - killed_at
    assert recovery <= 5.0, f"the batch of a dead replica took {recovery:.1f}s to be handled"
    by_team = await invoices_by_team(second)
    lost, duplicated = invoice_counts(by_team, teams)
    assert lost == 0 and duplicated == 0
    assert await outcomes(second, "handled") == BATCH
    assert await metric(second, "ewc_events_redelivered_total") == BATCH
    record(
        "11. billing replica SIGKILLed holding a fetched batch of 50",
        sent=BATCH,
        effects=sum(len(v) for v in by_team.values()),
        lost=lost,
        duplicated=duplicated,
        recovery_seconds=round(recovery, 2),
        notes=(
            f"ack wait {ACK_WAIT:g}s with a heartbeat every "
            f"{ServiceSettings().consumer_heartbeat_seconds:g}s: the other replica got nothing "
            f"in {2 * ACK_WAIT:g}s while the first held the batch, and all 50 within "
            f"{recovery:.1f}s of the kill (was about 27s with a 30s ack wait)"
        ),
    )


async def test_a_stalled_replica_loses_its_batch_and_the_second_handling_has_no_effect(
    services: ProcessFactory, nats_server: NatsServer
) -> None:
    teams = await publish_confirmations(nats_server.url, BATCH)
    stall = 15
    # The first replica claims the batch in its inbox, then its process stalls with the
    # transaction open: no heartbeat, so JetStream gives the batch to the second after the ack
    # wait, while the first is (as far as it knows) still at work.
    first = await services("billing", ready=False, FAULT_INJECTION=f"stall_batch:{stall}")
    await wait_until(lambda: holding_the_batch(nats_server.url), timeout=60)
    stalled_at = time.monotonic()
    second = await services("billing", share_with=first)

    async def redelivered() -> bool:
        return await metric(second, "ewc_events_redelivered_total") >= BATCH

    await wait_until(redelivered, timeout=stall, interval=0.1)
    taken_over = time.monotonic() - stalled_at

    async def both_done() -> bool:
        return (
            await outcomes(first, "handled") == BATCH
            and await outcomes(second, "duplicate") == BATCH
        )

    await first.wait_ready(timeout=60)
    await wait_until(both_done, timeout=60)
    by_team = await invoices_by_team(second)
    lost, duplicated = invoice_counts(by_team, teams)
    assert lost == 0 and duplicated == 0
    assert await outcomes(second, "handled") == 0
    info = await billing_consumer(nats_server.url)
    assert (info.num_pending, info.num_ack_pending) == (0, 0)
    record(
        "12. billing replica stalled 15 s inside a batch's transaction",
        sent=BATCH,
        effects=sum(len(v) for v in by_team.values()),
        lost=lost,
        duplicated=duplicated,
        recovery_seconds="",
        notes=(
            f"redelivered to the other replica {taken_over:.1f}s into the stall; its inbox "
            "insert waited for the first transaction, then found all 50 handled (50 duplicates, "
            "no second effect)"
        ),
    )
