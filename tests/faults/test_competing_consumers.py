"""Scenario 7: two billing processes on the same durable consumer share the work; 1,000
confirmations give 1,000 invoices with gapless numbers."""

from __future__ import annotations

import time
import uuid

import nats

from tests.faults.conftest import ProcessFactory, needs_postgresql
from tests.faults.harness import ServiceProcess, invoices_by_team, metric, record, wait_until
from tests.support import NatsServer, envelope_for, team_confirmed_event

pytestmark = needs_postgresql

TEAMS = 1000


async def handled(service: ServiceProcess) -> float:
    return await metric(service, "ewc_events_consumed_total", outcome="handled")


async def test_two_billing_processes_share_1000_confirmations(
    services: ProcessFactory, nats_server: NatsServer
) -> None:
    first = await services("billing")
    second = await services("billing", share_with=first)
    started = time.monotonic()
    # Enrolment's part is played by publishing its catalogue events directly (one organisation
    # per team, so that every team is priced alike).
    events = [
        team_confirmed_event(organisation_id=uuid.uuid4(), team_name=f"T{i}") for i in range(TEAMS)
    ]
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        for event in events:
            await js.publish(event.subject, envelope_for(event).model_dump_json().encode())
    finally:
        await nc.close()

    async def all_invoiced() -> bool:
        return len(await invoices_by_team(first)) == TEAMS

    await wait_until(all_invoiced, timeout=120, interval=1.0)
    took = time.monotonic() - started
    by_team = await invoices_by_team(first)
    assert all(len(v) == 1 for v in by_team.values())
    numbers = sorted(int(v[0]["number"].rsplit("-", 1)[1]) for v in by_team.values())
    assert numbers == list(range(1, TEAMS + 1))
    shares = [await handled(first), await handled(second)]
    assert all(share > 0 for share in shares), shares  # both processes did part of the work
    assert sum(shares) == TEAMS
    record(
        "7. two billing processes, one durable consumer",
        sent=TEAMS,
        effects=TEAMS,
        lost=0,
        duplicated=0,
        recovery_seconds="",
        notes=f"shares {int(shares[0])}/{int(shares[1])}; all invoiced in {took:.1f}s; numbers 1..{TEAMS} gapless",
    )
