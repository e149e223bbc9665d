"""Issue #16 item 15: the `type` of every error answer of every service is a stable URI from one
registry (shared/problems.py), documented in docs/problems.md. The services' own refusals are
registered by the services, each in one table in its `problems.py`."""

from __future__ import annotations

import ast
import re
from typing import Any

import httpx
import pytest

from shared import problems
from shared.auth import Role
from shared.problems import (
    CONTENT_TOO_LARGE,
    FORBIDDEN,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    NUL_CHARACTER,
    PROBLEM_BASE,
    TOO_MANY_REQUESTS,
    UNAUTHENTICATED,
    VALIDATION,
    find_problem,
    register_problem,
    registered_problems,
)
from tests.security.matrix import SERVICES, build_app
from tests.support import ROOT, NatsServer, run_service

DOC = ROOT / "docs" / "problems.md"
# A read of each service whose path takes a UUID, given something else: a validation error.
NOT_A_UUID = {
    "enrolment": ("/teams/not-a-uuid", Role.coordinator),
    "billing": ("/invoices/not-a-uuid", Role.finance),
    "sessions": ("/teams/not-a-uuid/attendance", Role.coordinator),
    "measurement": ("/teams/not-a-uuid/series/swemwbs", Role.coordinator),
    "improvement": ("/teams/not-a-uuid", Role.coordinator),
    "notifications": ("/me/not-a-uuid", Role.coordinator),
}


def _type_of(answer: httpx.Response) -> str:
    assert answer.headers["content-type"] == "application/problem+json", answer.text
    body: dict[str, Any] = answer.json()
    return str(body["type"])


@pytest.mark.parametrize("service", SERVICES)
async def test_every_kind_of_error_answer_has_its_registered_type(
    service: str, nats_server: NatsServer
) -> None:
    api = f"/api/{service}"
    async with run_service(service, nats_url=nats_server.url) as svc:
        svc.app.state.rate_limit_overrides = {"writes": (1, 0.001)}
        operator = svc.auth(Role.operator)
        bad_id, role = NOT_A_UUID[service]
        calls = {
            UNAUTHENTICATED: svc.client.get(f"{api}/admin/outbox"),
            FORBIDDEN: svc.client.get(f"{api}/admin/outbox", headers=svc.auth(Role.finance)),
            NOT_FOUND: svc.client.get(f"{api}/admin/dead-letters/none", headers=operator),
            METHOD_NOT_ALLOWED: svc.client.delete(f"{api}/admin/outbox", headers=operator),
            CONTENT_TOO_LARGE: svc.client.post(
                f"{api}/admin/dead-letters/x/replay", content=b" " * 2_000_000, headers=operator
            ),
            NUL_CHARACTER: svc.client.get(f"{api}/admin/outbox?x=%00", headers=operator),
            VALIDATION: svc.client.get(f"{api}{bad_id}", headers=svc.auth(role)),
        }
        for expected, call in calls.items():
            answer = await call
            assert answer.status_code == expected.status, (expected.name, answer.text)
            assert _type_of(answer) == expected.uri, expected.name
        # Rate limited: the second write of the same caller within the bucket.
        replay = f"{api}/admin/dead-letters/00000000-0000-0000-0000-000000000000/replay"
        await svc.client.post(replay, headers=operator)
        limited = await svc.client.post(replay, headers=operator)
        assert limited.status_code == 429 and _type_of(limited) == TOO_MANY_REQUESTS.uri


def test_every_registered_type_is_documented() -> None:
    for service in SERVICES:
        build_app(service)  # services register their own types when imported
    rows = {
        cells[0].strip("` "): cells
        for line in DOC.read_text().splitlines()
        if line.startswith("| `")
        for cells in [[c.strip() for c in line.strip().strip("|").split("|")]]
    }
    for problem in registered_problems():
        assert problem.name in rows, f"{problem.name} is missing from docs/problems.md"
        assert rows[problem.name][1] == str(problem.status), problem.name
        assert problem.uri == PROBLEM_BASE + problem.name
    assert set(rows) <= {p.name for p in registered_problems()}, "documented but not registered"


def test_the_registry_refuses_a_second_different_definition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(problems, "_REGISTRY", dict(problems._REGISTRY))
    first = register_problem("test/same", status=409, title="Same", description="once")
    assert register_problem("test/same", status=409, title="Same", description="once") is first
    with pytest.raises(ValueError, match="already registered"):
        register_problem("test/same", status=422, title="Other", description="twice")
    with pytest.raises(ValueError):
        register_problem("Not A Name", status=400, title="x", description="x")
    assert find_problem(first.uri) == first and find_problem("about:blank") is None


# --- the services' own refusals -------------------------------------------------------------------

_PROBLEM_CLASSES = {
    "BadRequest",
    "Conflict",
    "Forbidden",
    "NotFound",
    "PayloadTooLarge",
    "ProblemError",
    "TooManyRequests",
    "Unprocessable",
    "UnsupportedMediaType",
}


def unregistered_problems(service: str) -> list[str]:
    """Raises of a service that set their own title or a type URI by hand (not a registered
    ``ProblemType``), and the codes of enrolment's ``TransitionRefused``."""
    found: list[str] = []
    for path in sorted((ROOT / "services" / service).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            keywords = {k.arg: k.value for k in node.keywords}
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if name in _PROBLEM_CLASSES and "title" in keywords and "type" not in keywords:
                found.append(f"{where} {name}(title=...) has no registered type")
            typed = keywords.get("type")
            if name in _PROBLEM_CLASSES and isinstance(typed, ast.BinOp | ast.Constant):
                found.append(f"{where} {name}(type=<a URI built by hand>)")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_specific_problem_has_a_registered_type(service: str) -> None:
    build_app(service)
    assert unregistered_problems(service) == []
    codes = set()
    for path in (ROOT / "services" / service).rglob("*.py"):
        codes |= set(re.findall(r'TransitionRefused\(\s*"([a-z-]+)"', path.read_text()))
    missing = {code for code in codes if find_problem(f"{PROBLEM_BASE}{service}/{code}") is None}
    assert missing == set()
