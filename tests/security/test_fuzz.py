"""Schemathesis against each service's own OpenAPI, in-process, as a coordinator (OWASP API8/API4).

Positive run: generated valid requests never get a server error, and every answer matches the
documented status codes, content types and response schema. Negative run: generated invalid
requests (wrong types, missing or unknown fields, bad formats) are never accepted (no 2xx).

Examples per operation: ``FUZZ_EXAMPLES`` (default 6 for CI; ``make fuzz`` runs far more).
Each service runs with its full lifespan on its own database and a NATS server of this module.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib
import os
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.python import asgi

from shared.auth import Role, issue_token
from tests.security.matrix import SERVICES
from tests.support import NatsServer, create_database, service_settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
POSITIVE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Known failures tolerated so that they stay visible here without a red build: none now (the
# SQLite API-key timestamps without a UTC offset were fixed with shared.db.UTCDateTime).
KNOWN_GAPS: list[tuple[str, str, str]] = []


def _known(service: str, failure: str) -> bool:
    return (
        any(
            service == known_service and path in failure and symptom in failure
            for known_service, path, symptom in KNOWN_GAPS
        )
        and os.environ.get("TEST_DATABASE_URL") is None
    )


def _run(coro: Awaitable[Any]) -> Any:
    """Run a coroutine on a loop of its own (the fuzzer drives the apps from its own thread)."""

    async def wrapped() -> Any:
        return await coro

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, wrapped()).result()


@pytest.fixture(scope="module")
def fuzz_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    server.start()
    yield server
    # The fuzzer keeps every app's lifespan running until told; end them before NATS goes.
    asgi.shutdown_lifespans()
    server.stop(kill=True)


_apps: dict[str, tuple[Any, str, Callable[[], Awaitable[None]]]] = {}


@pytest.fixture(scope="module")
def fuzz_drops() -> Iterator[None]:
    yield
    for _app, _token, drop in _apps.values():
        _run(drop())
    _apps.clear()


def _service_app(service: str, nats_url: str) -> tuple[Any, str]:
    if service not in _apps:
        database_url, drop = _run(create_database(service))
        settings = service_settings(service, database_url=database_url, nats_url=nats_url)
        app = importlib.import_module(f"services.{service}.app").create_app(settings)
        # Fuzzing is many calls by one coordinator: the per-caller limits would answer 429.
        app.state.rate_limit_overrides = {"writes": (10**9, 10**9), "ingestion": (10**9, 10**9)}
        token = issue_token(settings, role=Role.coordinator, subject="fuzzer")
        _apps[service] = (app, token, drop)
    app, token, _drop = _apps[service]
    return app, token


def _schema(service: str, nats_url: str, mode: GenerationMode) -> Any:
    app, token = _service_app(service, nats_url)
    schema = schemathesis.openapi.from_asgi(f"/api/{service}/openapi.json", app)
    schema.config.generation.update(
        modes=[mode], max_examples=EXAMPLES, deterministic=True, no_shrink=False
    )
    schema.config.headers = {"Authorization": f"Bearer {token}"}
    return schema


def _fuzz(service: str, nats_url: str, mode: GenerationMode, checks: list[Any]) -> list[str]:
    """Every operation of the service, ``EXAMPLES`` generated cases each; the failures found."""
    app, token = _service_app(service, nats_url)
    schema = schemathesis.openapi.from_asgi(f"/api/{service}/openapi.json", app)
    # The coordinator's token is always sent (never generated or left out), and unknown query
    # parameters are not "invalid input": like most HTTP APIs the services ignore them.
    schema.config.generation.update(allow_extra_parameters=False, with_security_parameters=False)
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis.settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=checks)

        try:
            run()
        except hypothesis.errors.Unsatisfiable:
            continue  # nothing in this operation can be made invalid (no parameters, no body)
        except (Exception, BaseExceptionGroup) as exc:
            failure = f"{operation.label}: {_describe(exc)}"
            if not _known(service, failure):
                failures.append(failure)
    return failures


def _describe(exc: BaseException) -> str:
    """The failure's text, with the failures grouped inside it (schemathesis groups them)."""
    parts = [str(exc)]
    for inner in getattr(exc, "exceptions", ()):
        parts.append(str(inner))
    return "\n".join(parts)[:3000]


@pytest.mark.parametrize("service", SERVICES)
def test_valid_requests_get_documented_answers(
    service: str, fuzz_nats: NatsServer, fuzz_drops: None
) -> None:
    failures = _fuzz(service, fuzz_nats.url, GenerationMode.POSITIVE, POSITIVE_CHECKS)
    assert failures == [], "\n\n".join(failures)


@pytest.mark.parametrize("service", SERVICES)
def test_invalid_requests_are_refused(
    service: str, fuzz_nats: NatsServer, fuzz_drops: None
) -> None:
    checks = [not_a_server_error, negative_data_rejection, content_type_conformance]
    failures = _fuzz(service, fuzz_nats.url, GenerationMode.NEGATIVE, checks)
    assert failures == [], "\n\n".join(failures)
