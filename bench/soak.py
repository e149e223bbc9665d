"""The soak (issue 8, part of ``make bench``, never of CI): ten minutes of mixed load on real
service processes and PostgreSQL, with a NATS restart in the middle.

Load: a late-joiner confirmation every 2 s (→ an invoice in billing and a team in measurement),
a 1,000-row survey batch every 3 s from a trust system's API key, and 5 chart reads a second.
Checks: memory of each service flat after warm-up (no growth beyond 10 %), no error outside the
restart window, and no lost or duplicated effect (one invoice per confirmed team; every accepted
survey row stored once). Figures go to the ``## Soak`` section of docs/reliability.md.

    python -m bench.soak [--minutes 10] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import seed
from bench.api_load import _api_key, find_chart, wait_for_teams
from bench.stack import DEFAULT_DATABASE_URL, ROOT, Nats, ScratchDatabases, Service
from shared.auth import Role, issue_token
from shared.settings import ServiceSettings

SERVICES = ["enrolment", "billing", "measurement"]
RELIABILITY = ROOT / "docs" / "reliability.md"


@dataclass
class Tally:
    ok: int = 0
    errors: list[tuple[float, str]] = field(default_factory=list)


def finance() -> dict[str, str]:
    token = issue_token(
        ServiceSettings(service_name="bench"), role=Role.finance, subject="soak-finance"
    )
    return {"Authorization": f"Bearer {token}"}


async def soak(minutes: float, database_url: str) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="ewc-soak-"))
    nats = Nats(workdir / "nats")
    nats.start()
    databases = ScratchDatabases(database_url)
    await databases.create(SERVICES)
    services = {
        name: Service(
            name, database_url=databases.sqlalchemy_url(name), nats_url=nats.url, log_dir=workdir
        )
        for name in SERVICES
    }
    try:
        for service in services.values():
            service.start()
        for service in services.values():
            await service.wait_ready()
        return await _run(minutes, nats, databases, services)
    finally:
        for service in services.values():
            service.stop()
        nats.stop()
        await databases.drop()


async def _run(
    minutes: float, nats: Nats, databases: ScratchDatabases, services: dict[str, Service]
) -> dict[str, Any]:
    duration = minutes * 60
    confirmations_wanted = int(duration / 2) + 10
    enrol = httpx.AsyncClient(base_url=services["enrolment"].url, timeout=10)
    measure = httpx.AsyncClient(base_url=services["measurement"].url, timeout=10)
    bill = httpx.AsyncClient(base_url=services["billing"].url, timeout=30)
    async with enrol, measure, bill:
        programme = await seed.build(
            enrol, organisations=10, late_joiners=confirmations_wanted, coaches=5
        )
        pending = list(programme.late_joiners)
        confirmed: list[str] = []
        # One team per organisation confirmed up front: the trusts' uploads go to these.
        uploaders: dict[str, str] = {}
        for team_id in list(pending):
            organisation = programme.team_organisation[team_id]
            if organisation not in uploaders:
                uploaders[organisation] = team_id
                pending.remove(team_id)
                await _confirm(enrol, team_id)
                confirmed.append(team_id)
        await wait_for_teams(databases.dsn("measurement"), list(uploaders.values()))
        await seed.plan_swemwbs(measure, programme.cohort_id)
        keys = {org: await _api_key(measure, org) for org in uploaders}
        start = date.fromisoformat(programme.start_date)
        chart_url, chart_note = await find_chart(
            measure,
            seed.coordinator_headers(),
            {
                "team_id": next(iter(uploaders.values())),
                "measure_key": "swemwbs",
                "measure": "swemwbs",
            },
        )

        tallies = {"confirm": Tally(), "ingest": Tally(), "read": Tally()}
        rows_new = 0
        samples: list[tuple[float, dict[str, float]]] = []
        began = time.monotonic()
        outage: dict[str, float] = {}

        def window(now: float) -> bool:
            """Inside the NATS restart window (down, and 15 s after it is back)."""
            return "down" in outage and outage["down"] <= now <= outage.get("up", now) + 15

        async def confirm_loop() -> None:
            while time.monotonic() - began < duration and pending:
                team_id = pending.pop(0)
                status = await _confirm(enrol, team_id)
                if status == 200:
                    confirmed.append(team_id)
                    tallies["confirm"].ok += 1
                else:
                    tallies["confirm"].errors.append((time.monotonic(), f"confirm {status}"))
                await asyncio.sleep(2)

        async def ingest_loop() -> None:
            nonlocal rows_new
            rng = random.Random(7)
            batch = 0
            while time.monotonic() - began < duration:
                organisation = rng.choice(list(uploaders))
                body = _survey_batch(uploaders[organisation], start, batch, rng)
                batch += 1
                try:
                    response = await measure.post(
                        "/api/measurement/responses",
                        json=body,
                        headers={"Authorization": f"Bearer {keys[organisation]}"},
                    )
                    if response.status_code == 200 or response.status_code == 201:
                        rows_new += int(response.json()["new_rows"])
                        tallies["ingest"].ok += 1
                    else:
                        tallies["ingest"].errors.append(
                            (time.monotonic(), f"ingest {response.status_code}")
                        )
                except httpx.HTTPError as exc:
                    tallies["ingest"].errors.append(
                        (time.monotonic(), f"ingest {type(exc).__name__}")
                    )
                await asyncio.sleep(3)

        async def read_loop() -> None:
            team = next(iter(uploaders.values()))
            today = datetime.now(UTC).date().isoformat()
            url = (
                chart_url or f"/api/measurement/teams/{team}/series/swemwbs?from={start}&to={today}"
            )
            while time.monotonic() - began < duration:
                try:
                    response = await measure.get(url, headers=seed.coordinator_headers())
                    if response.status_code == 200:
                        tallies["read"].ok += 1
                    else:
                        tallies["read"].errors.append(
                            (time.monotonic(), f"read {response.status_code}")
                        )
                except httpx.HTTPError as exc:
                    tallies["read"].errors.append((time.monotonic(), f"read {type(exc).__name__}"))
                await asyncio.sleep(0.2)

        async def sample_loop() -> None:
            while time.monotonic() - began < duration:
                samples.append(
                    (time.monotonic() - began, {n: s.rss_mb() for n, s in services.items()})
                )
                await asyncio.sleep(10)

        async def nats_restart() -> None:
            await asyncio.sleep(duration / 2)
            outage["down"] = time.monotonic()
            nats.stop()
            await asyncio.sleep(15)
            nats.start()
            outage["up"] = time.monotonic()

        await asyncio.gather(
            confirm_loop(), ingest_loop(), read_loop(), sample_loop(), nats_restart()
        )

        # Nothing lost, nothing doubled: every confirmed team is invoiced once, every row kept once.
        drained_at = time.monotonic()
        invoices: dict[str, int] = {}
        while time.monotonic() - drained_at < 120:
            invoices = await _invoices_by_team(bill)
            if all(t in invoices for t in confirmed):
                break
            await asyncio.sleep(1)
        stored = await _count(databases.dsn("measurement"), "SELECT count(*) FROM survey_response")

    errors = {
        name: sum(1 for at, _ in tally.errors if not window(at)) for name, tally in tallies.items()
    }
    in_window = {
        name: sum(1 for at, _ in tally.errors if window(at)) for name, tally in tallies.items()
    }
    warm = [s for t, s in samples if t >= min(120.0, duration * 0.2)]
    memory = {}
    for name in services:
        series = [s[name] for s in warm if s[name] == s[name]]
        if len(series) >= 4:
            baseline = statistics.mean(series[:3])
            final = statistics.mean(series[-3:])
            memory[name] = {
                "after_warm_up_mb": round(baseline, 1),
                "end_mb": round(final, 1),
                "growth_pct": round((final / baseline - 1) * 100, 1),
            }
    return {
        "minutes": minutes,
        "confirmed": len(confirmed),
        "invoiced_teams": sum(1 for t in confirmed if t in invoices),
        "lost_invoices": sum(1 for t in confirmed if t not in invoices),
        "duplicated_invoices": sum(n - 1 for n in invoices.values() if n > 1),
        "rows_accepted_new": rows_new,
        "rows_stored": stored,
        "ok": {name: tally.ok for name, tally in tallies.items()},
        "errors_outside_restart": errors,
        "errors_in_restart_window": in_window,
        "memory": memory,
        "reads": chart_note if chart_url else "series read (no chart endpoint)",
        "outage_seconds": round(outage.get("up", 0) - outage.get("down", 0), 1),
    }


async def _confirm(client: httpx.AsyncClient, team_id: str) -> int:
    try:
        response = await client.post(
            f"/api/enrolment/teams/{team_id}/confirm",
            headers=seed.coordinator_headers(hash(team_id) % 64),
        )
    except httpx.HTTPError:
        return 0
    return response.status_code


def _survey_batch(team_id: str, start: date, batch: int, rng: random.Random) -> dict[str, Any]:
    first = datetime(start.year, start.month, start.day, 9, tzinfo=UTC) + timedelta(days=1)
    span = max(3600, int((datetime.now(UTC) - timedelta(hours=2) - first).total_seconds()))
    return {
        "rows": [
            {
                "client_id": f"soak-{batch:05d}-{n:04d}-{uuid.uuid4().hex[:6]}",
                "team_id": team_id,
                "measure": "swemwbs",
                "responded_at": (first + timedelta(seconds=rng.randrange(span))).isoformat(),
                "items": [rng.randint(1, 5) for _ in range(7)],
            }
            for n in range(1000)
        ]
    }


async def _invoices_by_team(client: httpx.AsyncClient) -> dict[str, int]:
    counts: dict[str, int] = {}
    offset = 0
    while True:
        response = await client.get(
            "/api/billing/invoices", params={"limit": 500, "offset": offset}, headers=finance()
        )
        if response.status_code != 200:
            return counts
        items = response.json()
        for invoice in items:
            counts[invoice["team_id"]] = counts.get(invoice["team_id"], 0) + 1
        if len(items) < 500:
            return counts
        offset += 500


async def _count(dsn: str, sql: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


def section(result: dict[str, Any]) -> list[str]:
    memory = "; ".join(
        f"{name} {m['after_warm_up_mb']} → {m['end_mb']} MiB ({m['growth_pct']:+.1f} %)"
        for name, m in result["memory"].items()
    )
    flat = all(m["growth_pct"] <= 10 for m in result["memory"].values())
    clean = all(v == 0 for v in result["errors_outside_restart"].values())
    exact = (
        result["lost_invoices"] == 0
        and result["duplicated_invoices"] == 0
        and (result["rows_stored"] == result["rows_accepted_new"])
    )
    return [
        "## Soak",
        "",
        f"`python -m bench.soak --minutes {result['minutes']:g}` (part of `make bench`), run on "
        f"{datetime.now(UTC).date().isoformat()}: enrolment, billing and measurement as uvicorn "
        "processes on PostgreSQL; a confirmation every 2 s, a 1,000-row survey batch every 3 s, "
        f"5 reads a second ({result['reads']}); NATS stopped for {result['outage_seconds']} s "
        "half-way through.",
        "",
        "| check | result | expected |",
        "| --- | --- | --- |",
        f"| memory after warm-up → end | {memory} | growth ≤ 10 % ({'met' if flat else 'NOT met'}) |",
        f"| errors outside the restart window | {result['errors_outside_restart']} | 0 ({'met' if clean else 'NOT met'}) |",
        f"| errors inside the restart window | {result['errors_in_restart_window']} | tolerated |",
        f"| confirmed teams → invoiced | {result['confirmed']} → {result['invoiced_teams']}; lost "
        f"{result['lost_invoices']}, duplicated {result['duplicated_invoices']} | 0 lost, 0 duplicated |",
        f"| survey rows accepted as new → stored | {result['rows_accepted_new']} → {result['rows_stored']} "
        f"| equal ({'met' if exact else 'NOT met'}) |",
        f"| successful calls | {result['ok']} | |",
        "",
    ]


def write(lines: list[str]) -> None:
    text = RELIABILITY.read_text() if RELIABILITY.exists() else "# Reliability under faults\n"
    head = text.split("## Soak", 1)[0].rstrip() + "\n\n"
    RELIABILITY.write_text(head + "\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument(
        "--write", action="store_true", help="write the section of docs/reliability.md"
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args(argv)
    result = asyncio.run(soak(args.minutes, args.database_url))
    lines = section(result)
    print("\n".join(lines))
    if args.write:
        write(lines)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
