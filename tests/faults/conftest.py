"""The fault suite runs on PostgreSQL only (it stops databases and kills processes)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.harness import ServiceProcess
from tests.support import NatsCluster, NatsServer, create_database

needs_postgresql = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="the fault suite needs PostgreSQL: set TEST_DATABASE_URL (CI does)",
)

ProcessFactory = Callable[..., Awaitable[ServiceProcess]]


@contextlib.asynccontextmanager
async def _processes(nats_url: str, log_dir: Path) -> AsyncIterator[ProcessFactory]:
    """Start service processes on fresh PostgreSQL databases; everything is stopped afterwards."""
    started: list[ServiceProcess] = []
    drops: list[Callable[[], Awaitable[None]]] = []

    async def start(
        service: str, *, share_with: ServiceProcess | None = None, ready: bool = True, **env: str
    ) -> ServiceProcess:
        if share_with is not None:  # a second replica on the same database
            database_url = share_with.database_url
        else:
            database_url, drop = await create_database(service)
            drops.append(drop)
        process = ServiceProcess(
            service, database_url=database_url, nats_url=nats_url, log_dir=log_dir, env=env
        )
        process.start()
        started.append(process)
        if ready:
            await process.wait_ready(timeout=60)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.kill()
        for drop in drops:
            await drop()


@pytest.fixture
async def services(nats_server: NatsServer, tmp_path: Path) -> AsyncIterator[ProcessFactory]:
    """Service processes on one NATS server."""
    async with _processes(nats_server.url, tmp_path) as start:
        yield start


@pytest.fixture
def nats_cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    """Three NATS servers with JetStream in one cluster, this test's own."""
    cluster = NatsCluster(tmp_path / "nats")
    cluster.start()
    yield cluster
    cluster.stop(kill=True)


@pytest.fixture
async def cluster_services(
    nats_cluster: NatsCluster, tmp_path: Path
) -> AsyncIterator[ProcessFactory]:
    """Service processes connected to every member of the cluster, with three stream replicas."""
    await nats_cluster.wait_ready()

    async def start(service: str, **kwargs: object) -> ServiceProcess:
        return await factory(service, **{"STREAM_REPLICAS": "3", **kwargs})

    async with _processes(nats_cluster.url, tmp_path) as factory:
        yield start
