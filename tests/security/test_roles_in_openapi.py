"""Issue #16 item 16: the roles allowed on each route appear in its OpenAPI operation (`x-roles`,
`x-api-keys` and a line of the description), read from the same `require_roles` dependency that
enforces them, and they are the roles docs/security.md's matrix gives; a 403 names them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.auth import Role
from tests.security.matrix import SERVICES, Row, build_app, rows_of
from tests.support import NatsServer, run_service


def _operations(service: str) -> dict[tuple[str, str], dict[str, Any]]:
    spec: dict[str, Any] = build_app(service).openapi()
    return {
        (method.upper(), path): operation
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    }


def _differences(service: str, rows: list[Row]) -> list[str]:
    operations = _operations(service)
    wrong = []
    for row in rows:
        operation = operations[(row.method, row.path)]
        label = f"{row.method} {row.path}"
        if "**Roles:**" not in operation.get("description", ""):
            wrong.append(f"{label}: no roles in its description")
        if row.public or row.feed_token:
            if "x-roles" in operation:
                wrong.append(f"{label}: public in the matrix, x-roles {operation['x-roles']}")
            continue
        if operation.get("x-roles") != sorted(row.roles):
            wrong.append(f"{label}: x-roles {operation.get('x-roles')}, matrix {sorted(row.roles)}")
        elif operation.get("x-api-keys") != row.key:
            wrong.append(f"{label}: x-api-keys {operation.get('x-api-keys')}, matrix {row.key}")
    return wrong


@pytest.mark.parametrize("service", SERVICES)
def test_every_routes_x_roles_are_the_matrixs_roles(service: str) -> None:
    assert _differences(service, rows_of(service)) == []


async def test_a_403_names_the_roles_that_may(nats_server: NatsServer) -> None:
    async with run_service("billing", nats_url=nats_server.url) as svc:
        refused = await svc.client.post(
            f"/api/billing/invoices/{uuid.uuid4()}/payments",
            json={},
            headers=svc.auth(Role.coordinator),
        )
        assert refused.status_code == 403
        assert "this route is for: finance" in refused.json()["detail"]
        operator = await svc.client.get(
            "/api/billing/admin/outbox",
            headers=svc.auth(Role.team_lead, organisation_id=uuid.uuid4()),
        )
        assert operator.status_code == 403
        assert "coordinator, operator" in operator.json()["detail"]
