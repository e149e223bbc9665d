"""QI analytics benchmark: one team chart (104 weekly points) and the 500-team aggregate, then the
measurement service's own time for a team's chart (the chart endpoint's use case: scope check,
series read by the database, target, annotations, engine, JSON) and for the signal check that
follows a batch for one (team, measure) pair, in-process on scratch SQLite and PostgreSQL
databases with migrations.

Run `python bench/analytics_bench.py` to print the figures, `--write` to also replace the
`## QI analytics` section of docs/benchmarks.md. `run(write=...)` is the entry point for `make bench`.
Targets (issue 5): under 5 ms for one chart, under 200 ms for the aggregate.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from services.measurement.analytics import (  # noqa: E402
    ChartOptions,
    Series,
    aggregate_chart,
    compute_chart,
)

SERVICE_CHART = "chart endpoint service time, c chart, 104 weeks ({db})"
SERVICE_CACHED = "chart endpoint service time, cached answer (same data version) ({db})"
SERVICE_SIGNALS = "signal check after a batch, one team, 104 weeks ({db})"
ROWS = (SERVICE_CHART, SERVICE_CACHED, SERVICE_SIGNALS)
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

SECTION = "## QI analytics"
WEEKS = 104
TEAMS = 500
CHART_TARGET_MS = 5.0
AGGREGATE_TARGET_MS = 200.0


def _periods(weeks: int = WEEKS) -> list[str]:
    start = date(2024, 1, 1)
    return [(start + timedelta(days=7 * k)).isoformat() for k in range(weeks)]


def team_scores(rng: random.Random, weeks: int = WEEKS) -> Series:
    """Weekly mean scores with a step up two thirds of the way through (so rules fire)."""
    values: list[float | None] = [
        rng.gauss(24.0, 3.0) + (2.5 if k > weeks * 2 // 3 else 0.0) for k in range(weeks)
    ]
    return Series(periods=_periods(weeks), values=values, ns=[float(rng.randint(5, 40))] * weeks)


def team_proportions(rng: random.Random, weeks: int = WEEKS) -> Series:
    denominators: list[float | None] = [float(rng.randint(20, 80)) for _ in range(weeks)]
    numerators: list[float | None] = [
        float(sum(rng.random() < (0.3 if k < weeks // 2 else 0.25) for _ in range(int(n or 0))))
        for k, n in enumerate(denominators)
    ]
    return Series(periods=_periods(weeks), numerators=numerators, denominators=denominators)


def _time(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm caches (binomial tables, imports)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000.0)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99


def measure(
    chart_runs: int = 300,
    aggregate_runs: int = 15,
    teams_count: int = TEAMS,
    freeze_heap: bool = True,
) -> dict[str, tuple[float, float]]:
    rng = random.Random(20260127)
    scores = team_scores(rng)
    proportions = team_proportions(rng)
    xmr = ChartOptions(chart_type="xmr", direction="increase", target=25.0)
    p = ChartOptions(chart_type="p", direction="decrease", target=0.2)
    teams = {f"team-{k:03d}": team_proportions(rng) for k in range(teams_count)}
    aggregate = ChartOptions(chart_type="pp", direction="decrease", part_starts=[WEEKS // 2])
    # As the measurement service does once started: long-lived objects leave the collector's
    # sight, so a full collection walks only the request's own data.
    if freeze_heap:
        gc.collect()
        gc.freeze()
    return {
        "one team chart, XmR, 104 weeks": _time(lambda: compute_chart(scores, xmr), chart_runs),
        "one team chart, p, 104 weeks": _time(lambda: compute_chart(proportions, p), chart_runs),
        f"aggregate p', {teams_count} teams x {WEEKS} weeks": _time(
            lambda: aggregate_chart(teams, aggregate), aggregate_runs
        ),
    }


async def _service_times(url: str, runs: int) -> list[tuple[float, float]]:
    """(chart, cached chart, signal check) timings on the database at ``url`` (migrated here)."""
    # Imported here: the engine-only figures need none of the service's machinery.
    from services.measurement import charts, schemas, teams
    from services.measurement.chart_options import ChartRequest
    from services.measurement.models import MeasureValue, Team
    from services.measurement.settings import MeasurementSettings
    from services.measurement.signals import record_new_signals
    from services.measurement.store.plan import current_definitions
    from shared.auth import Principal, Role
    from shared.db import Database
    from shared.migrations import upgrade

    settings = MeasurementSettings(database_url=url)
    await asyncio.to_thread(upgrade, settings)
    database = Database(settings)
    sqlite = database.settings.is_sqlite
    rng = random.Random(20260127)
    first = date(2024, 12, 2)  # a Monday: 104 weeks end in November 2026
    cohort_id, team_id, org = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    key = "what_matters_conversations"
    async with database.transaction() as session:
        await teams.ensure_cohort(
            session, cohort_id=cohort_id, name="Benchmark", start_date=first, now=datetime.now(UTC)
        )
        session.add(
            Team(
                team_id=team_id,
                organisation_id=org,
                cohort_id=cohort_id,
                name="Ward 7",
                confirmed_at=datetime.now(UTC),
            )
        )
        await session.flush()
        session.add_all(
            MeasureValue(
                organisation_id=org,
                client_id=f"w{k}",
                team_id=team_id,
                measure_key=key,
                measure_version=1,
                period_start=first + timedelta(weeks=k),
                value=Decimal(max(0, round(rng.gauss(10 + (3 if k > 70 else 0), 3)))),
                batch_id=uuid.uuid4(),
            )
            for k in range(WEEKS)
        )
        definition = (await current_definitions(session, [key]))[key]
    user = Principal(subject="bench", role=Role.coordinator)
    touched = [(team_id, definition, cohort_id)]

    def reading() -> charts.ChartReading:
        request = ChartRequest(first=first, last=first + timedelta(weeks=WEEKS))
        return charts.ChartReading(user, request, datetime.now(UTC))

    async def chart() -> None:
        # As the endpoint's read session: autocommit on PostgreSQL.
        async with database.sessions() as session:
            if not sqlite:
                await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            answer = await charts.team_chart(
                session, reading=reading(), team_id=team_id, measure_key=key
            )
            assert len(answer.chart.points) == WEEKS
            schemas.team_chart_json(answer)

    async def cached_chart() -> None:
        # The endpoint's JSON for a data version already answered: one query, no engine.
        async with database.sessions() as session:
            if not sqlite:
                await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            await charts.team_chart_json(
                session,
                reading=reading(),
                team_id=team_id,
                measure_key=key,
                encode=schemas.team_chart_json,
            )

    async def signals() -> None:
        async with database.sessions() as session, session.begin():
            session.info["service"] = "measurement"
            await record_new_signals(session, touched=touched, now=datetime.now(UTC))
            await session.rollback()

    try:
        # The signals the data shows are recorded once; a batch then finds them remembered.
        async with database.transaction() as session:
            await record_new_signals(session, touched=touched, now=datetime.now(UTC))
        return [
            await _time_async(chart, runs),
            await _time_async(cached_chart, runs),
            await _time_async(signals, runs),
        ]
    finally:
        await database.engine.dispose()


async def _time_async(fn: Callable[[], Awaitable[None]], runs: int) -> tuple[float, float]:
    await fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - started) * 1000.0)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99


async def _measure_service(runs: int, postgres_url: str | None) -> dict[str, tuple[float, float]]:
    results: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        times = await _service_times(f"sqlite+aiosqlite:///{scratch}/bench.db", runs)
    for name, timing in zip(ROWS, times, strict=True):
        results[name.format(db="SQLite")] = timing
    if postgres_url is None:
        return results
    import asyncpg

    name = f"bench_analytics_{uuid.uuid4().hex[:8]}"
    try:
        admin = await asyncpg.connect(postgres_url)
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"PostgreSQL at {postgres_url} not reachable ({exc}); SQLite figures only")
        return results
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        base = postgres_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        times = await _service_times(f"{base}/{name}", runs)
        for row, timing in zip(ROWS, times, strict=True):
            results[row.format(db="PostgreSQL")] = timing
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return results


def measure_service(
    runs: int = 200, postgres_url: str | None = None
) -> dict[str, tuple[float, float]]:
    """The service's own time for one team's chart and for one pair's signal check, on SQLite
    and (given its URL) on a scratch PostgreSQL database."""
    return asyncio.run(_measure_service(runs, postgres_url))


def report(results: dict[str, tuple[float, float]], chart_runs: int, aggregate_runs: int) -> str:
    lines = [
        SECTION,
        "",
        f"`python bench/analytics_bench.py` on {platform.python_implementation()} "
        f"{platform.python_version()}, {date.today().isoformat()}. Pure computation of the full "
        "chart answer (centre, limits, rules, classes, icons, summary), no database or HTTP. "
        f"Single charts: {chart_runs} runs; aggregate: {aggregate_runs} runs (pooling 500 teams, "
        "the pooled Laney p' chart, and each team's own chart for the summary table). Inputs are "
        "built first and the heap frozen (gc.freeze), as the service does at startup; p99 on a "
        "shared 2-core machine mostly measures the other processes. The service rows time the "
        "measurement service's functions in-process (no HTTP) on a scratch SQLite file and a "
        "scratch PostgreSQL database (`BENCH_DATABASE_URL`, default the local server): the "
        "chart endpoint's use case with its JSON (scope check with target and data version, "
        "series from the per-day sums, notes: three queries), the same answer when it is cached "
        "for an unchanged data version (one query), and the signal check that follows a batch (handler of the service's own "
        "`measurement.batch.accepted`) for each (team, measure) it added rows to: whole-history "
        "series query, remembered keys, engine; the signals already recorded, as for most "
        "batches. Load average when it finished: "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg())
        + ".",
        "",
        "| case | median (ms) | p99 (ms) | target (ms) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, (median, p99) in results.items():
        if name.startswith("signal check"):
            target_text = "-"
        else:
            target = AGGREGATE_TARGET_MS if name.startswith("aggregate") else CHART_TARGET_MS
            target_text = f"< {target:.0f}"
        lines.append(f"| {name} | {median:.2f} | {p99:.2f} | {target_text} |")
    return "\n".join(lines) + "\n"


def write_section(text: str, path: Path = ROOT / "docs" / "benchmarks.md") -> None:
    """Replace the `## QI analytics` section (or append it), leaving other sections alone."""
    existing = path.read_text() if path.exists() else "# Benchmarks\n"
    lines = existing.splitlines(keepends=True)
    start = next((k for k, line in enumerate(lines) if line.strip() == SECTION), None)
    if start is None:
        body = existing.rstrip("\n") + "\n\n" + text
    else:
        end = next(
            (k for k in range(start + 1, len(lines)) if lines[k].startswith("## ")), len(lines)
        )
        tail = "".join(lines[end:])
        body = "".join(lines[:start]) + text + ("\n" + tail if tail else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)


def run(write: bool = False, chart_runs: int = 300, aggregate_runs: int = 15) -> str:
    results = measure(chart_runs, aggregate_runs)
    results.update(
        measure_service(postgres_url=os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL))
    )
    text = report(results, chart_runs, aggregate_runs)
    print(text)
    if write:
        write_section(text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--chart-runs", type=int, default=300)
    parser.add_argument("--aggregate-runs", type=int, default=15)
    args = parser.parse_args(argv)
    run(args.write, args.chart_runs, args.aggregate_runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
