"""``make bench``: every benchmark, from a fresh clone, into docs/benchmarks.md.

It starts what it needs and stops it again: a NATS server from the venv (free port, scratch
store), one scratch PostgreSQL database per service on ``BENCH_DATABASE_URL`` (default the local
server, ``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``), and the enrolment, billing and
measurement services as real uvicorn processes (``python -m services.<name>``). Then:

1. event latency: 1,000 late-joiner confirmations at 50/s → invoices; the JetStream floor;
2. API latency: 300 req/s for 60 s on a team read (and the chart endpoint when there is one)
   while a 5,000-row survey batch is posted every second; saturation against bare Starlette;
3. outage drain: 500 confirmations while NATS is down, then NATS starts;
4. the measurement ingestion and QI analytics benchmarks (``bench.ingest_bench``,
   ``bench.analytics_bench``), run after the services are stopped, each writing its section.

Bounded for a 2-core machine: about 6 to 9 minutes in all. ``--quick`` shortens every run
(for trying the command out; its figures are not the benchmark's).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from bench import api_load, events, report, seed
from bench.stack import (
    DEFAULT_DATABASE_URL,
    ROOT,
    Nats,
    ScratchDatabases,
    Service,
    cpu_seconds,
    machine,
    wait_idle,
)

SERVICES = ["enrolment", "billing", "measurement"]
OTHER_BENCHMARKS = [
    ("bench.ingest_bench", "Measurement ingestion", 600),
    ("bench.analytics_bench", "QI analytics", 180),
    # Issue 8's soak: ten minutes of mixed load with a NATS restart; writes docs/reliability.md.
    ("bench.soak", "Soak (in docs/reliability.md)", 1200),
]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run every benchmark; write docs/benchmarks.md")
    parser.add_argument("--quick", action="store_true", help="short runs (not the real figures)")
    parser.add_argument("--only-services", action="store_true", help="skip benchmark 4")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    return parser.parse_args(argv)


async def run_services(args: argparse.Namespace, log_dir: Path) -> dict[str, Any]:
    quick = args.quick
    confirmations = 200 if quick else 1000
    drain_confirmations = 100 if quick else 500
    light_confirmations = 50 if quick else 200
    results: dict[str, Any] = {"quick": quick}
    databases = ScratchDatabases(args.database_url)
    await databases.create(SERVICES)
    with tempfile.TemporaryDirectory(prefix="ewc-bench-nats-") as store:
        nats_server = Nats(Path(store))
        nats_server.start()
        services = {
            name: Service(
                name,
                database_url=databases.sqlalchemy_url(name),
                nats_url=nats_server.url,
                log_dir=log_dir,
            )
            for name in SERVICES
        }
        try:
            # Measurement joins for benchmark 2 only: it would otherwise consume the same
            # confirmations on the same 2 cores while benchmarks 1 and 3 time enrolment → billing.
            for name in ("enrolment", "billing"):
                services[name].start()
            for name in ("enrolment", "billing"):
                await services[name].wait_ready()
            enrolment, measurement = services["enrolment"], services["measurement"]
            print("services ready; building the programme through the enrolment API", flush=True)
            started = time.perf_counter()
            async with httpx.AsyncClient(base_url=enrolment.url, timeout=60) as client:
                programme = await seed.build(
                    client,
                    organisations=60 if quick else 300,
                    late_joiners=confirmations + light_confirmations + drain_confirmations,
                    coaches=10,
                )
            results["seed_s"] = time.perf_counter() - started
            timed = programme.late_joiners[:confirmations]
            light = programme.late_joiners[confirmations : confirmations + light_confirmations]
            drained = programme.late_joiners[confirmations + light_confirmations :]

            await wait_idle([enrolment, services["billing"]])
            print("1. event latency: JetStream floor", flush=True)
            results["floor"] = await events.jetstream_floor(
                nats_server.url, messages=confirmations, rate=50
            )
            print(f"1. event latency: {confirmations} confirmations at 50/s", flush=True)
            running = {n: services[n] for n in ("enrolment", "billing")}
            cpu_before = cpu_seconds(running, list(databases.names.values()))
            results["events"] = await events.event_latency(
                enrolment_url=enrolment.url,
                enrolment_dsn=databases.dsn("enrolment"),
                billing_dsn=databases.dsn("billing"),
                nats_url=nats_server.url,
                team_ids=timed,
                rate=50,
            )

            cpu_after = cpu_seconds(running, list(databases.names.values()))
            accepted = len(results["events"]["confirmed_team_ids"]) or 1
            results["events"]["cpu_ms_per_confirmation"] = {
                name: (cpu_after[name] - cpu_before.get(name, 0.0)) * 1000 / accepted
                for name in cpu_after
            }

            # The same below saturation: the pipeline's own latency, without queueing.
            await wait_idle([enrolment, services["billing"]])
            print(f"1. event latency: {len(light)} confirmations at 10/s", flush=True)
            results["events_light"] = await events.event_latency(
                enrolment_url=enrolment.url,
                enrolment_dsn=databases.dsn("enrolment"),
                billing_dsn=databases.dsn("billing"),
                nats_url=nats_server.url,
                team_ids=light,
                rate=10,
            )

            await wait_idle([enrolment, services["billing"]])
            print(f"3. outage drain: {len(drained)} confirmations while NATS is down", flush=True)
            results["drain"] = await events.outage_drain(
                nats_server=nats_server,
                enrolment_url=enrolment.url,
                enrolment_dsn=databases.dsn("enrolment"),
                billing_dsn=databases.dsn("billing"),
                team_ids=drained,
            )

            print("2. API latency under load (measurement starts and catches up first)", flush=True)
            measurement.start()
            await measurement.wait_ready()
            confirmed = (
                results["events"]["confirmed_team_ids"]
                + results["events_light"]["confirmed_team_ids"]
            )
            by_organisation: dict[str, list[str]] = {}
            for team_id in confirmed:
                by_organisation.setdefault(programme.team_organisation[team_id], []).append(team_id)
            organisation_id, organisation_teams = max(
                by_organisation.items(), key=lambda item: len(item[1])
            )
            # Every confirmed team known: the measurement consumer has caught up with enrolment.
            caught_up = time.perf_counter()
            await api_load.wait_for_teams(
                databases.dsn("measurement"),
                confirmed + results["drain"]["confirmed_team_ids"],
                timeout=180,
            )
            await wait_idle(list(services.values()))
            results["measurement_catch_up_s"] = time.perf_counter() - caught_up
            results["api"] = await api_load.api_latency(
                enrolment_url=enrolment.url,
                measurement_url=measurement.url,
                team_paths=[f"/api/enrolment/teams/{t}" for t in confirmed],
                light_rate=100,
                light_duration=10 if quick else 20,
                organisation_id=organisation_id,
                organisation_teams=organisation_teams,
                cohort_id=programme.cohort_id,
                cohort_start=date.fromisoformat(programme.start_date),
                rate=300,
                duration=10 if quick else 60,
                saturation_seconds=5 if quick else 10,
                connections=16,
                database_urls={
                    name: databases.sqlalchemy_url(name) for name in ("enrolment", "measurement")
                },
                pool_size=service_pool_size(),
            )
            results["service_rss_mb"] = {
                name: service.rss_mb() for name, service in services.items()
            }
        finally:
            for service in services.values():
                service.stop()
            nats_server.stop()
            await databases.drop()
    return results


def service_pool_size() -> int:
    """The most connections a service's requests hold (its settings' defaults, pool and
    overflow, kept open once opened): the SQL floor's pool size."""
    from shared.settings import ServiceSettings

    settings = ServiceSettings()
    return settings.db_pool_size + settings.db_max_overflow


def run_other_benchmarks(output: Path) -> list[dict[str, Any]]:
    """Benchmark 4: the other benchmarks' own scripts, one after the other, each with a bound."""
    outcomes: list[dict[str, Any]] = []
    for module, section, timeout in OTHER_BENCHMARKS:
        path = ROOT / (module.replace(".", "/") + ".py")
        if not path.exists():
            outcomes.append({"module": module, "section": section, "status": "absent"})
            continue
        print(f"4. {module} --write", flush=True)
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-m", module, "--write"],
                cwd=ROOT,
                timeout=timeout,
                check=False,
            )
            status = "ok" if done.returncode == 0 else f"exit code {done.returncode}"
        except subprocess.TimeoutExpired:
            status = f"stopped after {timeout} s"
        outcomes.append(
            {
                "module": module,
                "section": section,
                "status": status,
                "seconds": time.perf_counter() - started,
            }
        )
    if output != ROOT / "docs" / "benchmarks.md":
        print("note: the other benchmarks write docs/benchmarks.md itself", file=sys.stderr)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    log_dir = ROOT / "var" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    info = asyncio.run(machine(args.database_url))
    info["load_before"] = os.getloadavg()
    try:
        results = asyncio.run(run_services(args, log_dir))
    except Exception:
        traceback.print_exc()
        print(f"benchmarks 1-3 failed; service logs in {log_dir}", file=sys.stderr)
        return 1
    results["services_s"] = time.perf_counter() - began
    info["load_after"] = os.getloadavg()
    report.write(args.output, info, results)
    print(f"wrote {args.output}", flush=True)
    if not args.only_services:
        outcomes = run_other_benchmarks(args.output)
        report.append_other(args.output, outcomes)
    total = time.perf_counter() - began
    report.finish(args.output, total)
    print(f"make bench took {total / 60:.1f} min; figures in {args.output}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
