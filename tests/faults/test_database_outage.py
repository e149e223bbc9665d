"""Scenario 4: PostgreSQL unavailable for 15 s. Endpoints answer 503 problem+json with
Retry-After within 2 s, /readyz fails, nothing hangs; the service recovers without a restart
within 10 s of the database returning; events due during the outage are handled afterwards."""

from __future__ import annotations

import asyncio
import time

import httpx

from shared.auth import Role
from tests.faults.conftest import ProcessFactory, needs_postgresql
from tests.faults.harness import (
    auth,
    confirm,
    invoices_by_team,
    prepare_programme,
    record,
    set_database_available,
    wait_until,
)

pytestmark = needs_postgresql

OUTAGE_SECONDS = 15


async def test_database_outage(services: ProcessFactory) -> None:
    enrolment = await services("enrolment")
    billing = await services("billing")
    programme = await prepare_programme(enrolment, teams=20, organisations=5)
    late_joiners = programme.team_ids[1:]

    await set_database_available(billing.database_url, False)
    down_at = time.monotonic()
    slowest = 0.0
    try:
        async with enrolment.client() as enrol, billing.client(timeout=5) as bill:
            # Events for billing fall due while its database is away.
            assert {await confirm(enrol, t) for t in late_joiners} == {200}
            while time.monotonic() - down_at < OUTAGE_SECONDS:
                for path, headers in (
                    ("/api/billing/invoices", auth(Role.finance)),
                    ("/readyz", {}),
                ):
                    started = time.monotonic()
                    response = await bill.get(path, headers=headers)
                    slowest = max(slowest, time.monotonic() - started)
                    assert response.status_code == 503, response.text
                    assert response.headers["content-type"] == "application/problem+json"
                    assert "retry-after" in response.headers
                await asyncio.sleep(0.5)
            assert slowest < 2.0, f"an answer during the outage took {slowest:.2f}s"
    finally:
        await set_database_available(billing.database_url, True)
    back_at = time.monotonic()

    async def answering() -> bool:
        async with billing.client(timeout=5) as client:
            try:
                response = await client.get("/api/billing/invoices", headers=auth(Role.finance))
            except httpx.HTTPError:
                return False
        return response.status_code == 200

    recovered = await wait_until(answering, timeout=10)

    async def all_invoiced() -> bool:
        by_team = await invoices_by_team(billing)
        return all(t in by_team for t in programme.team_ids)

    await wait_until(all_invoiced, timeout=20)
    drained = time.monotonic() - back_at
    by_team = await invoices_by_team(billing)
    assert sum(len(v) for v in by_team.values()) == len(programme.team_ids)
    async with billing.client() as client:
        letters = (
            await client.get("/api/billing/admin/dead-letters", headers=auth(Role.operator))
        ).json()
    assert letters == []  # an outage is not the events' fault: none was dead-lettered

    # The same holds for a write endpoint whose own database is away.
    await set_database_available(enrolment.database_url, False)
    try:
        async with enrolment.client(timeout=5) as client:
            started = time.monotonic()
            response = await client.post(
                f"/api/enrolment/teams/{late_joiners[0]}/confirm", headers=auth(Role.coordinator)
            )
            assert time.monotonic() - started < 2.0
        assert response.status_code == 503
        assert response.headers["retry-after"]
    finally:
        await set_database_available(enrolment.database_url, True)
    record(
        "4. PostgreSQL unavailable for 15 s",
        sent=len(late_joiners),
        effects=sum(len(v) for v in by_team.values()) - 1,
        lost=0,
        duplicated=0,
        recovery_seconds=round(recovered, 2),
        notes=f"slowest answer during the outage {slowest:.3f}s; events due drained {drained:.1f}s after",
    )
