"""The enrolment service running in-process on a real database (PostgreSQL when
TEST_DATABASE_URL is set, else SQLite) with a real NATS server, and a clock the tests control."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.clock import MovableClock
from tests.integration.enrolment.enrolment_support import EARLY
from tests.support import NatsServer, RunningService, run_service


@pytest.fixture
async def enrolment(nats_server: NatsServer) -> AsyncIterator[RunningService]:
    async with run_service(
        "enrolment", nats_url=nats_server.url, clock=MovableClock(EARLY)
    ) as service:
        yield service
