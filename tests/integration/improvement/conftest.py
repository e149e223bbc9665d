"""One improvement service (real database with migrations, real NATS) per test module, on a
movable clock. Tests play enrolment's and measurement's parts by publishing catalogue events;
every test makes its own cohort, organisations and teams."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from shared.clock import MovableClock
from tests.integration.improvement.improvement_world import START, World, at, make_world
from tests.support import NatsServer, RunningService, run_service


@pytest.fixture(scope="module")
def module_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    server.start()
    yield server
    server.stop(kill=True)


@pytest.fixture(scope="module")
def clock() -> MovableClock:
    return MovableClock(at(START))


@pytest.fixture(scope="module")
async def improvement(
    module_nats: NatsServer, clock: MovableClock
) -> AsyncIterator[RunningService]:
    async with run_service("improvement", nats_url=module_nats.url, clock=clock) as service:
        yield service


@pytest.fixture
async def world(improvement: RunningService, clock: MovableClock) -> World:
    clock.set(at(START.replace(day=11)))  # in the lead-in
    return await make_world(improvement, clock)
