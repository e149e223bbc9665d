"""Benchmark 2: API latency under a constant arrival rate while a trust uploads survey batches,
and saturation throughput against a bare Starlette endpoint under the same uvicorn settings.

The load generator and the ingestion client are separate processes (``bench.loadgen``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson

from bench import sql_floor
from bench.seed import coordinator_headers, plan_swemwbs
from bench.stack import ROOT, free_port, plain_dsn, stop_process, wait_for_port
from bench.stats import summary

BATCH_ROWS = 5_000


async def run_loadgen(config: dict[str, Any], workdir: Path, name: str) -> dict[str, Any]:
    config_path, result_path = workdir / f"{name}.json", workdir / f"{name}.result.json"
    config_path.write_text(json.dumps(config))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.loadgen", str(config_path), str(result_path), cwd=ROOT
    )
    code = await proc.wait()
    if code != 0:
        raise RuntimeError(f"load generator {name} failed with exit code {code}")
    result: dict[str, Any] = json.loads(result_path.read_text())
    return result


def condense(result: dict[str, Any]) -> dict[str, Any]:
    """Keep the summary, drop the raw samples."""
    out = {k: v for k, v in result.items() if k != "latencies_ms"}
    out["latency"] = summary(result["latencies_ms"])
    ok = sum(n for s, n in result["statuses"].items() if 200 <= int(s) < 300)
    out["non_2xx"] = sum(result["statuses"].values()) - ok
    out["failed"] = out["non_2xx"] + sum(result["errors"].values())
    return out


def survey_batches(
    *, teams: list[str], start: date, count: int, rows: int, workdir: Path
) -> list[str]:
    """``count`` JSON bodies of ``rows`` anonymous SWEMWBS responses each, written to files."""
    rng = random.Random(5)
    first = datetime(start.year, start.month, start.day, 9, tzinfo=UTC) + timedelta(days=1)
    span = int((datetime.now(UTC) - timedelta(hours=2) - first).total_seconds())
    paths = []
    for b in range(count):
        body = {
            "rows": [
                {
                    "client_id": f"load-{b:03d}-{n:05d}",
                    "team_id": teams[rng.randrange(len(teams))],
                    "measure": "swemwbs",
                    "responded_at": (first + timedelta(seconds=rng.randrange(span))).isoformat(),
                    "items": [rng.randint(1, 5) for _ in range(7)],
                }
                for n in range(rows)
            ]
        }
        path = workdir / f"batch-{b:03d}.json"
        path.write_bytes(orjson.dumps(body))
        paths.append(str(path))
    return paths


async def _api_key(client: httpx.AsyncClient, organisation_id: str) -> str:
    response = await client.post(
        "/api/measurement/api-keys",
        json={"organisation_id": organisation_id, "label": "benchmark uploader"},
        headers=coordinator_headers(),
    )
    if response.status_code != 201:
        raise RuntimeError(f"api key: {response.status_code} {response.text[:300]}")
    return str(response.json()["secret"])


async def wait_for_teams(dsn: str, team_ids: list[str], timeout: float = 60) -> None:
    """Until the measurement service has learnt these teams from enrolment's events."""
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(asyncpg.UndefinedTableError, asyncpg.UndefinedColumnError):
                known = await conn.fetchval(
                    "SELECT count(*) FROM team WHERE team_id = ANY($1::uuid[])",
                    [uuid.UUID(t) for t in team_ids],
                )
                if known >= len(team_ids):
                    return
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def _fill(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


async def find_chart(
    client: httpx.AsyncClient, headers: dict[str, str], values: dict[str, str]
) -> tuple[str | None, str]:
    """The measurement service's chart endpoint, if it has one yet, with its parameters filled."""
    try:
        spec = (await client.get("/api/measurement/openapi.json")).json()
    except (httpx.HTTPError, ValueError) as exc:
        return None, f"the measurement OpenAPI document could not be read ({exc})"
    candidates = [
        (path, op)
        for path, ops in spec.get("paths", {}).items()
        for method, op in ops.items()
        if method == "get" and "chart" in path and "{team_id}" in path
    ] or [
        (path, op)
        for path, ops in spec.get("paths", {}).items()
        for method, op in ops.items()
        if method == "get" and "chart" in path
    ]
    if not candidates:
        return None, "the measurement service has no chart endpoint yet"
    refused: list[str] = []
    for path, op in candidates:
        query = [
            f"{param['name']}={values.get(param['name'], '')}"
            for param in op.get("parameters", [])
            if param.get("in") == "query" and param.get("required")
        ]
        url = _fill(path, values) + ("?" + "&".join(query) if query else "")
        if "{" in url:
            refused.append(f"{path} (path parameters this benchmark cannot fill)")
            continue
        probe = await client.get(url, headers=headers)
        if probe.status_code == 200:
            return url, f"GET {path}"
        refused.append(f"{path} (a probe was answered {probe.status_code})")
    return None, "no chart endpoint could be used: " + "; ".join(refused)


def _start_bare(port: int, *floor: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.bare_app", str(port), *floor],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, 30)
    return proc


async def api_latency(
    *,
    enrolment_url: str,
    measurement_url: str,
    team_paths: list[str],
    organisation_id: str,
    organisation_teams: list[str],
    cohort_id: str,
    cohort_start: date,
    rate: float,
    duration: float,
    light_rate: float,
    light_duration: float,
    saturation_seconds: float,
    connections: int,
    database_urls: dict[str, str],
    pool_size: int,
) -> dict[str, Any]:
    headers = coordinator_headers()
    notes: list[str] = []
    results: dict[str, Any] = {
        "rate": rate,
        "duration": duration,
        "light_rate": light_rate,
        "light_duration": light_duration,
        "notes": notes,
    }
    with tempfile.TemporaryDirectory(prefix="ewc-bench-") as tmp:
        workdir = Path(tmp)

        # --- the floor: a bare Starlette endpoint, same uvicorn settings -------------------------
        port = free_port()
        bare = _start_bare(port)
        try:
            bare_cfg = {"base_url": f"http://127.0.0.1:{port}", "paths": ["/team"]}
            results["bare_saturation"] = condense(
                await run_loadgen(
                    {
                        **bare_cfg,
                        "mode": "saturate",
                        "duration": saturation_seconds,
                        "connections": connections,
                    },
                    workdir,
                    "bare-saturate",
                )
            )
            results["bare_rate"] = condense(
                await run_loadgen(
                    {**bare_cfg, "mode": "rate", "rate": rate, "duration": 15}, workdir, "bare-rate"
                )
            )
        finally:
            stop_process(bare)

        # --- the ingestion client: a 5,000-row batch every second ------------------------------
        ingest_cfg: dict[str, Any] | None = None
        bodies: list[str] = []
        async with httpx.AsyncClient(base_url=measurement_url, timeout=60) as client:
            try:
                await plan_swemwbs(client, cohort_id)
                secret = await _api_key(client, organisation_id)
                bodies = survey_batches(
                    teams=organisation_teams,
                    start=cohort_start,
                    count=int(duration) * 2 + 2,
                    rows=BATCH_ROWS,
                    workdir=workdir,
                )
                machine = {
                    "Authorization": f"Bearer {secret}",
                    "Content-Type": "application/json",
                }
                # One batch first: the service must accept it, and charts then have data.
                probe = await client.post(
                    "/api/measurement/responses",
                    content=_read(bodies[-1]),
                    headers=machine,
                )
                if probe.status_code != 200:
                    notes.append(
                        f"ingestion skipped: a probe batch was answered {probe.status_code} "
                        f"{probe.text[:200]}"
                    )
                else:
                    results["ingest_probe"] = probe.json()
                    ingest_cfg = {
                        "mode": "ingest",
                        "base_url": f"{measurement_url}/api/measurement/responses",
                        "headers": machine,
                        "interval": 1.0,
                        "duration": duration,
                    }
            except (httpx.HTTPError, RuntimeError, KeyError) as exc:
                notes.append(f"ingestion skipped: {exc}")
            chart_url, chart_note = await find_chart(
                client,
                headers,
                {
                    "team_id": organisation_teams[0],
                    "measure_key": "swemwbs",
                    "measure": "swemwbs",
                    "key": "swemwbs",
                    "from": cohort_start.isoformat(),
                    "to": datetime.now(UTC).date().isoformat(),
                },
            )
        results["chart_endpoint"] = chart_note
        if chart_url is None:
            notes.append(f"chart load skipped: {chart_note}")

        endpoints: list[tuple[str, str, list[str]]] = [
            ("team", enrolment_url, team_paths),
        ]
        if chart_url is not None:
            endpoints.append(("chart", measurement_url, [chart_url]))

        # --- the floor of each read: the same SQL through asyncpg, bare Starlette ------------
        for name, _base_url, paths in endpoints:
            service = "enrolment" if name == "team" else "measurement"
            vary = paths[0].rstrip("/").rsplit("/", 1)[-1] if name == "team" else ""
            results[f"{name}_sql_floor"] = await _sql_floor(
                name=name,
                service=service,
                database_url=database_urls[service],
                pool_size=pool_size,
                sample_path=paths[0],
                floor_paths=[f"/sql/{name}/{p.rstrip('/').rsplit('/', 1)[-1]}" for p in paths]
                if vary
                else [f"/sql/{name}"],
                vary=vary,
                headers=headers,
                workdir=workdir,
                seconds=saturation_seconds,
                connections=connections,
            )
        batch_files = iter(range(10_000))
        all_bodies = bodies if ingest_cfg is not None else []
        # The platform's own cost per request: the service's /healthz (middleware, no DB).
        results["healthz_saturation"] = condense(
            await run_loadgen(
                {
                    "base_url": enrolment_url,
                    "paths": ["/healthz"],
                    "mode": "saturate",
                    "duration": saturation_seconds,
                    "connections": connections,
                },
                workdir,
                "healthz-saturate",
            )
        )
        for name, base_url, paths in endpoints:
            cfg = {"base_url": base_url, "paths": paths, "headers": headers}
            results[f"{name}_saturation"] = condense(
                await run_loadgen(
                    {
                        **cfg,
                        "mode": "saturate",
                        "duration": saturation_seconds,
                        "connections": connections,
                    },
                    workdir,
                    f"{name}-saturate",
                )
            )
            # Below saturation (at most half of it) and without ingestion: the endpoint's own
            # latency, without queueing.
            saturation = results[f"{name}_saturation"]["throughput_rps"]
            below = max(5.0, min(light_rate, round(saturation / 2)))
            results[f"{name}_light"] = condense(
                await run_loadgen(
                    {**cfg, "mode": "rate", "rate": below, "duration": light_duration},
                    workdir,
                    f"{name}-light",
                )
            )
            start_at = time.time() + 1.0
            runs = [
                run_loadgen(
                    {
                        **cfg,
                        "mode": "rate",
                        "rate": rate,
                        "duration": duration,
                        "start_at": start_at,
                    },
                    workdir,
                    f"{name}-rate",
                )
            ]
            if ingest_cfg is not None:
                # Fresh rows for each run (client ids are unique per organisation).
                offset = next(batch_files) * int(duration)
                chosen = all_bodies[offset : offset + int(duration) + 1] or all_bodies
                runs.append(
                    run_loadgen(
                        {**ingest_cfg, "bodies": chosen, "start_at": start_at},
                        workdir,
                        f"{name}-ingest",
                    )
                )
            answers = await asyncio.gather(*runs)
            results[f"{name}_rate"] = condense(answers[0])
            if ingest_cfg is not None:
                results[f"{name}_ingest"] = condense(answers[1])
    return results


async def _sql_floor(
    *,
    name: str,
    service: str,
    database_url: str,
    pool_size: int,
    sample_path: str,
    floor_paths: list[str],
    vary: str,
    headers: dict[str, str],
    workdir: Path,
    seconds: float,
    connections: int,
) -> dict[str, Any]:
    """Saturation of a bare Starlette endpoint running the SQL ``sample_path`` runs in the
    service (captured from the service's own code), through asyncpg on the same database."""
    statements_path = workdir / f"{name}-statements.json"
    statements, _ = await sql_floor.capture(
        service=service,
        database_url=database_url,
        path=sample_path,
        headers=headers,
        output=statements_path,
        vary=vary,
    )
    port = free_port()
    bare = _start_bare(port, plain_dsn(database_url), str(pool_size), f"{name}={statements_path}")
    try:
        result = condense(
            await run_loadgen(
                {
                    "base_url": f"http://127.0.0.1:{port}",
                    "paths": floor_paths,
                    "mode": "saturate",
                    "duration": seconds,
                    "connections": connections,
                },
                workdir,
                f"{name}-sql-floor",
            )
        )
    finally:
        stop_process(bare)
    result["statements"] = [sql for sql, _params in statements]
    return result
