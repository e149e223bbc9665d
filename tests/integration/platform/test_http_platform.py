"""Every service: credentials required (401 problem+json), roles enforced (403), health and
readiness, validation errors as problem details listing the fields, OpenAPI served."""

from __future__ import annotations

import uuid

import pytest

from shared.auth import Role, issue_token
from shared.settings import ServiceSettings
from tests.support import NatsServer, run_service

SERVICES = ["enrolment", "measurement", "sessions", "billing", "improvement", "notifications"]
PROTECTED = {
    "enrolment": ("POST", "/api/enrolment/cohorts"),
    "billing": ("GET", "/api/billing/invoices"),
}


@pytest.mark.parametrize("service", SERVICES)
async def test_health_readiness_and_openapi(service: str, nats_server: NatsServer) -> None:
    async with run_service(service, nats_url=nats_server.url) as svc:
        assert (await svc.client.get("/healthz")).json() == {"status": "ok"}
        ready = await svc.client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "nats": "ok"}
        spec = await svc.client.get(f"/api/{service}/openapi.json")
        assert spec.status_code == 200
        assert all(
            path.startswith((f"/api/{service}/", "/healthz", "/readyz", "/metrics"))
            for path in spec.json()["paths"]
        )
        metrics = await svc.client.get("/metrics")
        assert metrics.status_code == 200
        assert "ewc_http_requests_total" in metrics.text

        nats_server.stop()
        not_ready = await svc.client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.headers["content-type"] == "application/problem+json"
        assert not_ready.json()["checks"]["nats"] == "unavailable"


@pytest.mark.parametrize("service", sorted(PROTECTED))
async def test_missing_or_bad_credentials_get_401_and_wrong_role_403(
    service: str, nats_server: NatsServer
) -> None:
    method, path = PROTECTED[service]
    async with run_service(service, nats_url=nats_server.url) as svc:
        missing = await svc.client.request(method, path, json={})
        assert missing.status_code == 401
        assert missing.headers["content-type"] == "application/problem+json"
        body = missing.json()
        assert {"type", "title", "status", "instance"} <= body.keys() and body["status"] == 401
        assert missing.headers["www-authenticate"] == "Bearer"

        garbage = await svc.client.request(
            method, path, json={}, headers={"Authorization": "Bearer not.a.jwt"}
        )
        assert garbage.status_code == 401
        foreign = ServiceSettings(service_name="x", environment="test", jwt_secret="z" * 40)
        forged = await svc.client.request(
            method,
            path,
            json={},
            headers={"Authorization": f"Bearer {issue_token(foreign, role=Role.coordinator)}"},
        )
        assert forged.status_code == 401

        coach = svc.auth(Role.coach, coach_id=uuid.uuid4())
        wrong_role = await svc.client.request(method, path, json={}, headers=coach)
        assert wrong_role.status_code == 403
        assert wrong_role.headers["content-type"] == "application/problem+json"


async def test_validation_errors_are_problem_details_listing_fields(
    nats_server: NatsServer,
) -> None:
    async with run_service("enrolment", nats_url=nats_server.url) as svc:
        response = await svc.client.post(
            "/api/enrolment/organisations",
            json={"name": "", "ods_code": "bad code", "nation": "england", "unexpected": 1},
            headers=svc.auth(Role.coordinator),
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        fields = {error["field"] for error in response.json()["errors"]}
        assert {"name", "ods_code", "unexpected"} <= fields


async def test_oversized_body_gets_413_problem(nats_server: NatsServer) -> None:
    async with run_service("enrolment", nats_url=nats_server.url, max_body_bytes=1000) as svc:
        response = await svc.client.post(
            "/api/enrolment/organisations",
            content=b"{" + b" " * 5000 + b"}",
            headers={**svc.auth(Role.coordinator), "Content-Type": "application/json"},
        )
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
