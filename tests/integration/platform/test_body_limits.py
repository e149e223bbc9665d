"""Issue #16 item 11: a body over the limit is 413 problem+json whether or not the client says
how long it is: a chunked body (no Content-Length) used to answer 400."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from shared.auth import Role
from shared.problems import CONTENT_TOO_LARGE
from tests.support import NatsServer, run_service

# A write route of each service that reads a JSON body (1 MB), and measurement's batches (10 MB).
ROUTES = {
    "enrolment": ("/api/enrolment/coaches", Role.coordinator),
    "billing": (f"/api/billing/invoices/{uuid.uuid4()}/payments", Role.finance),
    "sessions": ("/api/sessions/feed-tokens", Role.coordinator),
    "measurement": ("/api/measurement/api-keys", Role.coordinator),
    "improvement": (f"/api/improvement/teams/{uuid.uuid4()}/members", Role.coordinator),
}
LIMIT = 1_048_576


async def _chunks(total: int, size: int = 65_536) -> AsyncIterator[bytes]:
    for start in range(0, total, size):
        yield b" " * min(size, total - start)


@pytest.mark.parametrize("service", sorted(ROUTES))
async def test_a_chunked_body_over_the_limit_is_413(service: str, nats_server: NatsServer) -> None:
    path, role = ROUTES[service]
    async with run_service(service, nats_url=nats_server.url) as svc:
        headers = {**svc.auth(role), "content-type": "application/json"}
        for body in (_chunks(LIMIT + 1), b" " * (LIMIT + 1)):  # chunked, then with a length
            answer = await svc.client.post(path, content=body, headers=headers)
            assert answer.status_code == 413, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["type"] == CONTENT_TOO_LARGE.uri
        assert (await svc.client.get("/readyz")).status_code == 200


async def test_a_chunked_batch_over_10_mb_is_413(nats_server: NatsServer) -> None:
    async with run_service("measurement", nats_url=nats_server.url) as svc:
        key = await svc.client.post(
            "/api/measurement/api-keys",
            json={"organisation_id": "00000000-0000-0000-0000-00000000000a", "label": "k"},
            headers=svc.auth(Role.coordinator),
        )
        machine = {"Authorization": f"Bearer {key.json()['secret']}", "content-type": "text/csv"}
        answer = await svc.client.post(
            "/api/measurement/responses", content=_chunks(10 * 1024 * 1024 + 1), headers=machine
        )
        assert answer.status_code == 413, answer.text
        assert answer.json()["type"] == CONTENT_TOO_LARGE.uri
