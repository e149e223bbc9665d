"""Issue #16 item 12: one declarative table of rate limits (shared/ratelimit.py ``LIMITS``) covers
every write route of every service: each has exactly one limit from it (the app factory gives
``writes`` to every write route that names none), documented as a 429 in OpenAPI. Measurement's
people's writes (chart notes, API keys, plan changes) had none."""

from __future__ import annotations

import uuid

import pytest

from shared.app import create_service_app
from shared.auth import Role
from shared.ratelimit import INGESTION, LIMITS, WRITE_METHODS, WRITES, declared_limits
from shared.routes import api_routes
from shared.settings import ServiceSettings
from tests.security.matrix import SERVICES, build_app
from tests.support import NatsServer, run_service


@pytest.mark.parametrize("service", SERVICES)
def test_every_write_route_has_exactly_one_limit_from_the_table(service: str) -> None:
    app = build_app(service)
    spec = app.openapi()
    wrong = []
    writes = [r for r in api_routes(app) if (r.methods or set()) & WRITE_METHODS]
    assert writes, "no write route found: the walk is broken"
    for route in writes:
        limits = declared_limits(route)
        names = [limit.name for limit in limits]
        if len(limits) != 1 or LIMITS.get(names[0]) is not limits[0]:
            wrong.append(f"{sorted(route.methods or ())} {route.path_format}: {names}")
            continue
        for method in route.methods or ():
            operation = spec["paths"][route.path_format][method.lower()]
            documented = operation["responses"].get("429")
            if not documented or "Retry-After" not in documented.get("headers", {}):
                wrong.append(f"{method} {route.path_format}: its 429 is not documented")
    assert wrong == []


def test_measurement_ingestion_keeps_its_own_limit_and_people_get_writes() -> None:
    app = build_app("measurement")
    by_path = {
        (route.path_format, method): declared_limits(route)
        for route in api_routes(app)
        for method in route.methods or ()
    }
    assert by_path[("/api/measurement/responses", "POST")] == [INGESTION]
    assert by_path[("/api/measurement/values", "POST")] == [INGESTION]
    assert by_path[("/api/measurement/api-keys", "POST")] == [WRITES]
    assert by_path[("/api/measurement/cohorts/{cohort_id}/plan/{key}", "PUT")] == [WRITES]
    annotations = "/api/measurement/teams/{team_id}/charts/{measure_key}/annotations"
    assert by_path[(annotations, "POST")] == [WRITES]


async def test_measurement_limits_a_persons_writes(nats_server: NatsServer) -> None:
    async with run_service("measurement", nats_url=nats_server.url) as svc:
        svc.app.state.rate_limit_overrides = {"writes": (2, 0.001)}
        coordinator = svc.auth(Role.coordinator, subject="busy")
        answers = [
            (
                await svc.client.post(
                    "/api/measurement/api-keys",
                    json={"organisation_id": str(uuid.uuid4()), "label": f"k{i}"},
                    headers=coordinator,
                )
            ).status_code
            for i in range(3)
        ]
        assert answers == [201, 201, 429]
        plan = await svc.client.delete(
            f"/api/measurement/cohorts/{uuid.uuid4()}/plan/swemwbs", headers=coordinator
        )
        assert plan.status_code == 429 and plan.headers["retry-after"]
        # Reads are not limited; another person has a bucket of their own.
        assert (
            await svc.client.get("/api/measurement/api-keys", headers=coordinator)
        ).status_code == 200
        other = svc.auth(Role.coordinator, subject="calm")
        created = await svc.client.post(
            "/api/measurement/api-keys",
            json={"organisation_id": str(uuid.uuid4()), "label": "k"},
            headers=other,
        )
        assert created.status_code == 201


def test_settings_may_change_only_limits_the_table_has() -> None:
    settings = ServiceSettings(
        service_name="t", environment="test", rate_limits={"writse": (1, 1.0)}
    )
    with pytest.raises(ValueError, match="writse"):
        create_service_app(settings=settings, title="t", description="t", routers=[])
