"""The fault suite runs on PostgreSQL only (it stops databases and kills processes)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from tests.faults.harness import ServiceProcess
from tests.support import NatsServer, create_database

needs_postgresql = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="the fault suite needs PostgreSQL: set TEST_DATABASE_URL (CI does)",
)

ProcessFactory = Callable[..., Awaitable[ServiceProcess]]


@pytest.fixture
async def services(nats_server: NatsServer, tmp_path: Path) -> AsyncIterator[ProcessFactory]:
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
            service, database_url=database_url, nats_url=nats_server.url, log_dir=tmp_path, env=env
        )
        process.start()
        started.append(process)
        if ready:
            await process.wait_ready()
        return process

    yield start
    for process in started:
        process.kill()
    for drop in drops:
        await drop()
