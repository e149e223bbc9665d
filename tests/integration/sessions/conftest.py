"""One sessions service (real database with migrations, real NATS) per test module. Tests play
the enrolment service's part by publishing catalogue events to NATS; every test makes its own
cohort, organisations and teams, so tests never see each other's data."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.integration.sessions.sessions_world import Cohort, make_cohort
from tests.support import NatsServer, RunningService, run_service


@pytest.fixture(scope="module")
def module_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    server.start()
    yield server
    server.stop(kill=True)


@pytest.fixture(scope="module")
async def sessions(module_nats: NatsServer) -> AsyncIterator[RunningService]:
    async with run_service("sessions", nats_url=module_nats.url) as service:
        yield service


@pytest.fixture
async def cohort(sessions: RunningService) -> Cohort:
    return await make_cohort(sessions)
