"""Issue #16 item 8: a NUL character (U+0000) anywhere a client can put one is refused with 422
problem+json naming where it was, by every route of every service, before the app sees it. On
PostgreSQL (where text cannot hold a NUL) these used to be 500s and dropped connections: run
with TEST_DATABASE_URL to see the services keep working afterwards."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from shared.auth import Role
from shared.problems import NUL_CHARACTER
from tests.integration.enrolment.enrolment_support import organisation_payload
from tests.security.matrix import SERVICES, build_app, path_params
from tests.support import NatsServer, RunningService, run_service

WRITES = {"post", "put", "patch"}


def _url(path: str, *, nul_in: str | None = None) -> str:
    for name in path_params(path):
        value = "bad%00value" if name == nul_in else str(uuid.uuid4())
        path = path.replace("{" + name + "}", value)
    return path


def _routes(service: str) -> list[tuple[str, str]]:
    spec: dict[str, Any] = build_app(service).openapi()
    return [
        (method, path)
        for path, operations in spec["paths"].items()
        for method in operations
        if path.startswith(f"/api/{service}/")
    ]


def _nul_problem(answer: httpx.Response, field: str, label: str) -> str | None:
    if answer.status_code != 422 or answer.headers["content-type"] != "application/problem+json":
        return f"{label}: {answer.status_code} {answer.text[:120]}"
    problem = answer.json()
    if problem["type"] != NUL_CHARACTER.uri or field not in [e["field"] for e in problem["errors"]]:
        return f"{label}: {answer.text[:200]}"
    return None


@pytest.mark.parametrize("service", SERVICES)
async def test_every_route_refuses_a_nul_in_path_query_and_body(
    service: str, nats_server: NatsServer
) -> None:
    wrong: list[str | None] = []
    async with run_service(service, nats_url=nats_server.url) as svc:
        headers = svc.auth(Role.coordinator)
        for method, path in _routes(service):
            label = f"{method.upper()} {path}"
            for name in path_params(path):
                answer = await svc.client.request(
                    method, _url(path, nul_in=name), headers=headers, json={}
                )
                wrong.append(_nul_problem(answer, "path", f"{label} path {name}"))
            answer = await svc.client.request(
                method, _url(path), params={"label": "a\x00b"}, headers=headers
            )
            wrong.append(_nul_problem(answer, "query.label", f"{label} query"))
            if method in WRITES:
                body = b'{"name": "Team \\u0000", "note": "x"}'
                answer = await svc.client.request(
                    method,
                    _url(path),
                    content=body,
                    headers={**headers, "content-type": "application/json"},
                )
                wrong.append(_nul_problem(answer, "body", f"{label} JSON body"))
        # The service still works (its database connection was never handed a NUL).
        assert (await svc.client.get("/readyz")).status_code == 200
    assert [w for w in wrong if w] == []


async def _create(svc: RunningService, path: str, body: dict[str, Any]) -> httpx.Response:
    return await svc.client.post(path, json=body, headers=svc.auth(Role.coordinator))


async def test_the_fields_the_issue_names_are_refused_and_the_service_goes_on(
    nats_server: NatsServer,
) -> None:
    """Organisation names (enrolment), measure keys and a CSV cell (measurement): a NUL is 422,
    the same request without it is accepted, and the service answers normally after."""
    async with run_service("enrolment", nats_url=nats_server.url) as svc:
        organisation = organisation_payload(71, ods=None)
        refused = await _create(
            svc, "/api/enrolment/organisations", {**organisation, "name": "North\x00shire"}
        )
        assert refused.status_code == 422 and refused.json()["type"] == NUL_CHARACTER.uri
        created = await _create(svc, "/api/enrolment/organisations", organisation)
        assert created.status_code == 201, created.text
    async with run_service("measurement", nats_url=nats_server.url) as svc:
        key = await _create(
            svc, "/api/measurement/api-keys", {"organisation_id": str(uuid.uuid4()), "label": "k"}
        )
        assert key.status_code == 201, key.text
        machine = {"Authorization": f"Bearer {key.json()['secret']}"}
        csv = f"client_id,team_id,measure,responded_at,item_1\nr\x001,{uuid.uuid4()},swemwbs,2026-03-02T10:00:00,3\n"
        refused = await svc.client.post(
            "/api/measurement/responses",
            content=csv.encode(),
            headers={**machine, "content-type": "text/csv"},
        )
        assert refused.status_code == 422 and refused.json()["type"] == NUL_CHARACTER.uri
        measure = await svc.client.put(
            "/api/measurement/measures/sw%00emwbs",
            json={"key": "sw\x00emwbs"},
            headers=svc.auth(Role.coordinator),
        )
        assert measure.status_code == 422 and measure.json()["type"] == NUL_CHARACTER.uri
        assert (
            await svc.client.get("/api/measurement/measures", headers=svc.auth(Role.coordinator))
        ).status_code == 200
