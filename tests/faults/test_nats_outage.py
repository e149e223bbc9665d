"""Scenario 1: NATS killed (SIGKILL) while 300 teams are being confirmed, restarted 20 s later."""

from __future__ import annotations

import asyncio
import time

from tests.faults.conftest import ProcessFactory, needs_postgresql
from tests.faults.harness import (
    confirm,
    gather_limited,
    invoices_by_team,
    prepare_programme,
    record,
    wait_until,
)
from tests.support import NatsServer

pytestmark = needs_postgresql

TEAMS = 300


async def test_nats_killed_during_300_confirmations(
    services: ProcessFactory, nats_server: NatsServer
) -> None:
    enrolment = await services("enrolment")
    billing = await services("billing")
    programme = await prepare_programme(enrolment, teams=TEAMS, organisations=60)
    late_joiners = programme.team_ids[1:]

    async with enrolment.client() as client:
        statuses: list[int] = []

        async def confirm_all() -> None:
            statuses.extend(await gather_limited(6, (confirm(client, t) for t in late_joiners)))

        confirming = asyncio.create_task(confirm_all())
        await asyncio.sleep(0.5)  # some confirmations are through, most are still to come
        nats_server.stop(kill=True)
        killed_at = time.monotonic()
        await confirming
        # Every confirmation answered 2xx (the outbox keeps the event) or a clear 503.
        assert all(s == 200 or s == 503 for s in statuses), sorted(set(statuses))
        retried = [t for t, s in zip(late_joiners, statuses, strict=True) if s != 200]
        await asyncio.sleep(max(0.0, 20 - (time.monotonic() - killed_at)))
        nats_server.start()
        restarted = time.monotonic()
        for team_id in retried:  # a client retries what was refused; confirming is idempotent
            assert await confirm(client, team_id) == 200

    async def all_invoiced() -> bool:
        by_team = await invoices_by_team(billing)
        return all(t in by_team for t in programme.team_ids)

    await wait_until(all_invoiced, timeout=10)
    recovery = time.monotonic() - restarted
    await asyncio.sleep(1.0)  # anything republished after recovery has arrived by now
    by_team = await invoices_by_team(billing)
    duplicated = sum(len(v) - 1 for v in by_team.values())
    lost = sum(1 for t in programme.team_ids if t not in by_team)
    assert lost == 0 and duplicated == 0
    assert len(by_team) == len(programme.team_ids)
    record(
        "1. NATS SIGKILL during 300 confirmations, back after 20 s",
        sent=len(programme.team_ids),
        effects=sum(len(v) for v in by_team.values()),
        lost=lost,
        duplicated=duplicated,
        recovery_seconds=round(recovery, 2),
        notes=f"{statuses.count(200)} answered 200 while NATS was away, {len(retried)} 503 (retried)",
    )
