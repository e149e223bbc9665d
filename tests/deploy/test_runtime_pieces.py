"""The pieces compose runs, run here for real: the container healthcheck script, NATS with the
deployment's config, and the PostgreSQL init script (on the CI server) creating one database per
service that only that service's role can use, and in which its migrations apply."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from scripts.nats_config import route_url
from scripts.services import PORTS as DEFAULT_PORTS
from shared.migrations import upgrade
from tests.deploy.support import DEPLOY, FILLED_IN, code_services
from tests.support import NatsCluster, free_port, nats_server_binary, service_settings

SERVICES = code_services()
HEALTHCHECK = DEPLOY / "healthcheck.py"


# --- deploy/healthcheck.py --------------------------------------------------------------------


class _Readyz(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/readyz" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _http_server(status: int) -> Iterator[int]:
    handler = type("Handler", (_Readyz,), {"status": status})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def _healthcheck(*args: str) -> int:
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK), *args], capture_output=True, timeout=30, check=False
    ).returncode


def test_healthcheck_passes_on_200_and_fails_on_503_or_no_answer() -> None:
    with _http_server(200) as port:
        assert _healthcheck(f"http://127.0.0.1:{port}/readyz") == 0
    with _http_server(503) as port:
        assert _healthcheck(f"http://127.0.0.1:{port}/readyz") == 1
    assert _healthcheck(f"http://127.0.0.1:{free_port()}/readyz") == 1


@pytest.mark.parametrize("service", SERVICES)
def test_healthcheck_finds_the_port_of_the_service_the_container_runs(service: str) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("ewc_healthcheck", HEALTHCHECK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cmdline = ["python", "-m", f"services.{service}", ""]
    port = DEFAULT_PORTS[service]
    assert module.readyz_url(cmdline, {}) == f"http://127.0.0.1:{port}/readyz"
    moved = {f"{service.upper()}_PORT": "9999"}
    assert module.readyz_url(cmdline, moved) == "http://127.0.0.1:9999/readyz"


# --- NATS with deploy/nats.conf -----------------------------------------------------------------


def test_nats_config_is_valid_and_runs_jetstream_on_three_servers(tmp_path: Path) -> None:
    config = str(DEPLOY / "nats.conf")
    # The passwords and routes as the compose file hands them to the NATS containers.
    secrets = {k: v for k, v in FILLED_IN.items() if "NATS" in k}
    routes = {
        f"NATS_ROUTE_{i + 1}": route_url(i, secrets["NATS_CLUSTER_PASSWORD"]) for i in range(3)
    }
    checked = subprocess.run(
        [nats_server_binary(), "-t", "-c", config],
        capture_output=True,
        timeout=30,
        check=False,
        env={**os.environ, **secrets, **routes},
    )
    assert checked.returncode == 0, checked.stderr
    # The same config on three servers on free ports, each with a temporary store in place of
    # its volume's /data.
    cluster = NatsCluster(tmp_path / "nats", config=DEPLOY / "nats.conf", env=secrets)
    cluster.start()
    try:
        for node in cluster.nodes:
            # The URL of the compose healthcheck: healthy only with JetStream enabled.
            url = f"http://127.0.0.1:{node.monitor_port}/healthz?js-enabled-only=true"
            deadline = time.monotonic() + 15
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=1) as response:
                        assert response.status == 200
                        break
                except OSError:
                    assert time.monotonic() < deadline, "nats-server did not become healthy"
                    time.sleep(0.05)
            jetstream = cluster.monitor(node, "/jsz")
            assert jetstream["config"]["store_dir"].startswith(str(node.store_dir))
        deadline = time.monotonic() + 30
        while not (cluster.monitor(cluster.nodes[0], "/jsz").get("meta_cluster") or {}).get(
            "leader"
        ):
            assert time.monotonic() < deadline, "the three servers elected no JetStream leader"
            time.sleep(0.2)
        assert cluster.monitor(cluster.nodes[0], "/jsz")["meta_cluster"]["cluster_size"] == 3
    finally:
        cluster.stop()


# --- PostgreSQL: deploy/postgres/init-databases.sh ----------------------------------------------

needs_postgres = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"
)


@needs_postgres
async def test_init_script_gives_each_service_its_own_database_and_role() -> None:
    url = make_url(os.environ["TEST_DATABASE_URL"])
    admin = url.set(drivername="postgresql")
    admin_dsn = admin.render_as_string(hide_password=False)
    prefix = f"ewc_deploy_{uuid.uuid4().hex[:8]}_"
    passwords = {s: uuid.uuid4().hex for s in SERVICES}
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PGHOST": url.host or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "postgres",
        "POSTGRES_DB": url.database or "postgres",
        "EWC_DB_PREFIX": prefix,
        **{f"{s.upper()}_DB_PASSWORD": p for s, p in passwords.items()},
    }
    if url.password:
        env["PGPASSWORD"] = url.password
    try:
        result = await asyncio.to_thread(
            subprocess.run,
            ["sh", str(DEPLOY / "postgres" / "init-databases.sh")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        conn = await asyncpg.connect(admin_dsn)
        try:
            owners = dict(
                await conn.fetch(
                    "SELECT d.datname, r.rolname FROM pg_database d "
                    "JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname LIKE $1",
                    prefix + "%",
                )
            )
        finally:
            await conn.close()
        assert owners == {prefix + s: prefix + s for s in SERVICES}

        def service_url(role: str, database: str) -> str:
            return admin.set(
                drivername="postgresql+asyncpg",
                username=prefix + role,
                password=passwords[role],
                database=prefix + database,
            ).render_as_string(hide_password=False)

        for service in SERVICES:
            # The service's own role owns its database: its migrations apply there.
            await asyncio.to_thread(
                upgrade, service_settings(service, database_url=service_url(service, service))
            )
        # ... and no service's role may even connect to another service's database.
        intruder = service_url(SERVICES[0], SERVICES[1]).replace("+asyncpg", "")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await asyncpg.connect(intruder)

        # Run twice (e.g. by hand on a server that has them), it fails loudly, changing nothing.
        again = await asyncio.to_thread(
            subprocess.run,
            ["sh", str(DEPLOY / "postgres" / "init-databases.sh")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert again.returncode != 0
        assert "already exists" in again.stderr
    finally:
        conn = await asyncpg.connect(admin_dsn)
        try:
            for service in SERVICES:
                await conn.execute(f'DROP DATABASE IF EXISTS "{prefix}{service}" WITH (FORCE)')
                await conn.execute(f'DROP ROLE IF EXISTS "{prefix}{service}"')
        finally:
            await conn.close()


def test_init_script_refuses_to_run_without_a_password() -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGHOST": "127.0.0.1"}
    result = subprocess.run(
        ["sh", str(DEPLOY / "postgres" / "init-databases.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    assert "ENROLMENT_DB_PASSWORD is not set" in result.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_the_launcher_port_table_agrees_with_each_services_settings(service: str) -> None:
    assert service_settings(service).port == DEFAULT_PORTS[service]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_runs_its_own_migrations_from_its_command_line(
    service: str, tmp_path: Path
) -> None:
    """What compose's ``<service>-migrate`` job runs: ``python -m services.<name> migrate``."""
    env = {
        **os.environ,
        f"{service.upper()}_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
    }
    root = Path(__file__).resolve().parents[2]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", f"services.{service}", *args],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    upgraded = run("migrate", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    current = run("migrate", "current")
    assert current.returncode == 0, current.stderr
    assert "(head)" in current.stdout
    wrong = run("migrate", "sideways")
    assert wrong.returncode == 2
    assert "migrate [upgrade" in wrong.stdout
