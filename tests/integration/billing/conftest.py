"""One billing service (real database with migrations, real NATS) per test module. Tests play the
enrolment service's part by publishing catalogue events to NATS; every test uses its own cohort
and organisations, so tests never see each other's documents."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support import NatsServer, RunningService, run_service


@pytest.fixture(scope="module")
def module_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    server.start()
    yield server
    server.stop(kill=True)


@pytest.fixture(scope="module")
async def billing(module_nats: NatsServer) -> AsyncIterator[RunningService]:
    async with run_service("billing", nats_url=module_nats.url) as service:
        yield service
