"""Scenario 5: a poison event is dead-lettered after the retries with backoff, the consumer keeps
going, and an operator replays it after the fix. Scenario 6: graceful shutdown on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time

from shared.auth import Role
from tests.faults.conftest import ProcessFactory, needs_postgresql
from tests.faults.harness import (
    ROOT,
    auth,
    confirm,
    gather_limited,
    invoices_by_team,
    prepare_programme,
    query,
    record,
    wait_until,
)

pytestmark = needs_postgresql


async def test_poison_event_dead_lettered_then_replayed(services: ProcessFactory) -> None:
    enrolment = await services("enrolment")
    programme = await prepare_programme(enrolment, teams=10, organisations=3)
    poison = programme.team_ids[3]
    billing = await services(
        "billing", FAULT_INJECTION=f"fail_team:{poison}", CONSUMER_MAX_DELIVERIES="4"
    )
    async with enrolment.client() as client:
        assert set(
            await gather_limited(4, (confirm(client, t) for t in programme.team_ids[1:]))
        ) == {200}
    others = [t for t in programme.team_ids if t != poison]

    async def others_invoiced() -> bool:
        by_team = await invoices_by_team(billing)
        return all(t in by_team for t in others)

    await wait_until(others_invoiced, timeout=30)

    async def dead_letters() -> list[dict[str, object]]:
        async with billing.client() as client:
            response = await client.get(
                "/api/billing/admin/dead-letters", headers=auth(Role.operator)
            )
        assert response.status_code == 200
        letters: list[dict[str, object]] = response.json()
        return letters

    started = time.monotonic()
    await wait_until(dead_letters, timeout=30)
    letters = await dead_letters()
    assert len(letters) == 1 and letters[0]["attempts"] == 4
    assert poison not in await invoices_by_team(billing)

    # The fix is deployed (the process restarts without the fault); the operator replays.
    billing.stop()
    billing.start(FAULT_INJECTION="")
    await billing.wait_ready()
    replay = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "-m",
            "scripts.replay",
            "billing",
            str(letters[0]["id"]),
        ],
        cwd=ROOT,
        env=billing.environment(FAULT_INJECTION=""),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert replay.returncode == 0, replay.stderr
    assert "handled" in replay.stdout
    by_team = await invoices_by_team(billing)
    assert len(by_team[poison]) == 1
    assert await dead_letters() == []
    record(
        "5. poison event, dead-lettered then replayed",
        sent=len(programme.team_ids),
        effects=sum(len(v) for v in by_team.values()),
        lost=0,
        duplicated=sum(len(v) - 1 for v in by_team.values()),
        recovery_seconds=round(time.monotonic() - started, 2),
        notes="4 deliveries with backoff, then the dead-letter store; replayed with `make replay`",
    )


async def test_sigterm_finishes_in_flight_work_and_flushes_the_outbox(
    services: ProcessFactory,
) -> None:
    billing = await services("billing")
    enrolment = await services("enrolment")
    programme = await prepare_programme(enrolment, teams=80, organisations=10)
    async with enrolment.client() as client:
        confirming = asyncio.create_task(
            gather_limited(8, (confirm(client, t) for t in programme.team_ids[1:]))
        )
        await asyncio.sleep(0.3)
        enrolment.signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        exit_code = await asyncio.to_thread(enrolment.wait_exit, 15)
        took = time.monotonic() - stopped_at
        statuses = await confirming
    # uvicorn shuts down gracefully, then ends with the signal it received (exit status -15).
    assert exit_code in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in enrolment.last_log()
    assert took < 10, f"shutdown took {took:.1f}s"
    # Every confirmation either happened whole (with its event published) or not at all.
    rows = await query(
        enrolment.database_url,
        "SELECT t.id::text AS id, t.status FROM team t",
    )
    confirmed = {r["id"] for r in rows if r["status"] == "confirmed"}
    unpublished = await query(
        enrolment.database_url, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"
    )
    assert unpublished[0]["n"] == 0, "the outbox was flushed before exit"
    answered_ok = [t for t, s in zip(programme.team_ids[1:], statuses, strict=True) if s == 200]
    assert set(answered_ok) <= confirmed

    async def confirmed_invoiced() -> bool:
        by_team = await invoices_by_team(billing)
        return all(t in by_team for t in confirmed)

    await wait_until(confirmed_invoiced, timeout=20)
    by_team = await invoices_by_team(billing)
    assert set(by_team) == confirmed
    record(
        "6. SIGTERM during confirmations",
        sent=len(confirmed),
        effects=sum(len(v) for v in by_team.values()),
        lost=0,
        duplicated=sum(len(v) - 1 for v in by_team.values()),
        recovery_seconds=round(took, 2),
        notes=f"stopped in {took:.1f}s; {len(answered_ok)} answered 200, the rest refused or never sent; outbox empty at exit",
    )
