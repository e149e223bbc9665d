"""One notifications service (real database with migrations, real NATS) per test module, with a
real SMTP server (aiosmtpd) in the test process. Tests play the producers' parts by publishing
catalogue events; every test uses addresses of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.integration.notifications.mailbox import Mailbox
from tests.support import NatsServer, RunningService, run_service

FAST_DELIVERY = {
    "delivery_poll_seconds": 0.1,
    "retry_first_seconds": 0.2,
    "retry_max_seconds": 1.0,
    "schedule_check_seconds": 0.2,
    "public_url": "http://console.test",
}


@pytest.fixture(scope="module")
def module_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    server.start()
    yield server
    server.stop(kill=True)


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
async def notifications(module_nats: NatsServer, mailbox: Mailbox) -> AsyncIterator[RunningService]:
    async with run_service(
        "notifications", nats_url=module_nats.url, smtp_port=mailbox.port, **FAST_DELIVERY
    ) as service:
        yield service
