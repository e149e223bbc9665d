"""deploy/compose.yaml is a valid compose file, and it matches the code: every service under
services/ has its entry and its migration job, with the command, port, settings and /readyz
healthcheck the code has. No Docker engine is needed (CI has none)."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from scripts.services import PORTS as DEFAULT_PORTS
from tests.deploy.support import (
    COMPOSE_FILE,
    DEPLOY,
    ENV_EXAMPLE,
    FILLED_IN,
    code_services,
    environment_of,
    interpolate,
    load_compose,
    operator_env,
    read_env_file,
    referenced_variables,
    service_app,
)
from tests.support import ROOT

SERVICES = code_services()
DOCS = ROOT / "docs"
NATS_SERVERS = ("nats-1", "nats-2", "nats-3")
INFRASTRUCTURE = {"postgres", *NATS_SERVERS, "gateway"}
# Started only on request (`--profile mailcatcher`): a development mail catcher.
OPTIONAL = {"mailcatcher"}
# The official compose-spec JSON Schema, as vendored by check-jsonschema (dev extras).
CHECK_COMPOSE_SCHEMA = [
    sys.executable,
    "-m",
    "check_jsonschema",
    "--builtin-schema",
    "vendor.compose-spec",
]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


def test_the_code_has_the_six_services() -> None:
    # The consistency tests below are only as good as this discovery.
    assert (
        set(SERVICES)
        == set(DEFAULT_PORTS)
        == {
            "enrolment",
            "measurement",
            "sessions",
            "billing",
            "improvement",
            "notifications",
        }
    )


# --- a real compose parser, and the official schema --------------------------------------------


def _docker_compose() -> str:
    found = shutil.which("docker-compose")
    if found is None:
        message = "docker-compose (Debian package docker-compose) is not installed"
        if os.environ.get("CI"):
            pytest.fail(message + ": CI must install it (.ci/run)")
        pytest.skip(message)
    return found


def _compose_config(env_file: Path) -> subprocess.CompletedProcess[str]:
    # A clean environment: only the env file provides values (no DOCKER_HOST either: `config`
    # parses, interpolates and validates without talking to an engine).
    return subprocess.run(
        [_docker_compose(), "-f", str(COMPOSE_FILE), "--env-file", str(env_file), "config"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tempfile.gettempdir()},
        timeout=60,
        check=False,
    )


def _write_env(path: Path, env: dict[str, str]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    return path


def test_docker_compose_parses_the_file_with_an_operators_env(tmp_path: Path) -> None:
    result = _compose_config(_write_env(tmp_path / ".env", operator_env()))
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    expected = INFRASTRUCTURE | OPTIONAL | set(SERVICES) | {f"{s}-migrate" for s in SERVICES}
    assert set(resolved["services"]) == expected
    # The parser resolved the build context and the bind mounts: they must exist in the repo.
    for name, service in resolved["services"].items():
        if "build" in service:
            assert Path(service["build"]["context"]) == ROOT, name
            assert (ROOT / service["build"]["dockerfile"]).is_file(), name
        for volume in service.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
            if source.startswith("/"):
                assert Path(source).exists(), f"{name}: bind mount {source} is missing"
    assert (
        resolved["services"]["billing"]["environment"]["BILLING_JWT_SECRET"]
        == (FILLED_IN["JWT_SECRET"])
    )


def test_docker_compose_refuses_the_example_env_whose_secrets_are_empty() -> None:
    result = _compose_config(ENV_EXAMPLE)
    assert result.returncode != 0
    assert "in deploy/.env" in result.stderr  # names the secret to set


def test_compose_file_validates_against_the_compose_spec_schema() -> None:
    result = subprocess.run(
        [*CHECK_COMPOSE_SCHEMA, str(COMPOSE_FILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_compose_file(tmp_path: Path) -> None:
    broken = COMPOSE_FILE.read_text().replace(
        "condition: service_completed_successfully", "condition: when_it_feels_like_it", 1
    )
    path = tmp_path / "compose.yaml"
    path.write_text(broken)
    result = subprocess.run(
        [*CHECK_COMPOSE_SCHEMA, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0


# --- consistency with the code ------------------------------------------------------------------


def test_every_service_in_the_code_has_a_compose_entry_and_a_migration_job(
    compose: dict[str, Any],
) -> None:
    entries = set(compose["services"])
    missing = {s for s in SERVICES if s not in entries} | {
        f"{s}-migrate" for s in SERVICES if f"{s}-migrate" not in entries
    }
    assert not missing, f"services without their compose entry: {sorted(missing)}"
    unknown = (
        entries - INFRASTRUCTURE - OPTIONAL - set(SERVICES) - {f"{s}-migrate" for s in SERVICES}
    )
    assert not unknown, f"compose entries with no service in the code: {sorted(unknown)}"


@pytest.mark.parametrize("service", SERVICES)
def test_service_entry_matches_the_code(compose: dict[str, Any], service: str) -> None:
    entry = compose["services"][service]
    prefix = service.upper()
    port = DEFAULT_PORTS[service]
    env = environment_of(entry, operator_env())

    assert entry["command"] == ["python", "-m", f"services.{service}"]
    assert (ROOT / "services" / service / "__main__.py").is_file()
    assert env[f"{prefix}_PORT"] == str(port)
    assert env[f"{prefix}_HOST"] == "0.0.0.0"  # inside its container
    assert env[f"{prefix}_RUN_MIGRATIONS_ON_START"] == "false"

    healthcheck = entry["healthcheck"]
    assert healthcheck["test"] == [
        "CMD",
        "python",
        "/app/healthcheck.py",
        f"http://127.0.0.1:{port}/readyz",
    ]
    assert "/readyz" in service_app(service).openapi()["paths"]

    assert entry["depends_on"] == {
        f"{service}-migrate": {"condition": "service_completed_successfully"},
        "postgres": {"condition": "service_healthy"},
        **{nats: {"condition": "service_healthy"} for nats in NATS_SERVERS},
    }
    # Replicas (`--scale`) must not collide: no fixed name, no published port.
    assert "container_name" not in entry
    assert "ports" not in entry
    assert entry["read_only"] is True


@pytest.mark.parametrize("service", SERVICES)
def test_migration_job_runs_the_services_migrations_with_its_settings(
    compose: dict[str, Any], service: str
) -> None:
    job = compose["services"][f"{service}-migrate"]
    assert job["command"] == ["python", "-m", f"services.{service}", "migrate", "upgrade"]
    assert (ROOT / "services" / service / "migrations" / "env.py").is_file()
    assert job["environment"] == compose["services"][service]["environment"]
    assert job["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert job["restart"] == "no"
    assert job["image"] == compose["services"][service]["image"]


@pytest.mark.parametrize("service", SERVICES)
def test_the_service_accepts_its_compose_settings_in_production(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = environment_of(compose["services"][service], operator_env())
    for key in list(os.environ):
        if key.startswith(f"{service.upper()}_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    module = importlib.import_module(f"services.{service}.settings")
    settings = getattr(module, f"{service.capitalize()}Settings")()  # the production guards run

    assert settings.environment == "production"
    assert settings.run_migrations_on_start is False
    assert settings.jwt_secret == FILLED_IN["JWT_SECRET"]
    url = make_url(settings.database_url)
    assert url.drivername == "postgresql+asyncpg"
    assert (url.host, url.port, url.database, url.username) == ("postgres", 5432, service, service)
    assert url.password == FILLED_IN[f"{service.upper()}_DB_PASSWORD"]
    # Its own NATS user (deploy/nats.conf) on every member of the cluster, with the password
    # the NATS containers have too, and every stream it publishes kept on all three.
    password = FILLED_IN[f"{service.upper()}_NATS_PASSWORD"]
    assert settings.nats_url == ",".join(
        f"nats://{service}:{password}@{nats}:4222" for nats in NATS_SERVERS
    )
    assert settings.stream_replicas == len(NATS_SERVERS)
    for nats in NATS_SERVERS:
        nats_env = environment_of(compose["services"][nats], operator_env())
        assert nats_env[f"{service.upper()}_NATS_PASSWORD"] == password


def test_the_gateway_starts_once_every_service_is_healthy(compose: dict[str, Any]) -> None:
    gateway = compose["services"]["gateway"]
    assert gateway["depends_on"] == {s: {"condition": "service_healthy"} for s in SERVICES}
    assert any(v.startswith("./Caddyfile:/etc/caddy/Caddyfile") for v in gateway["volumes"])
    # One replica by default: the service's name and the port the code listens on.
    env = environment_of(gateway, operator_env())
    for service in SERVICES:
        assert env[f"{service.upper()}_UPSTREAMS"] == f"{service}:{DEFAULT_PORTS[service]}"


def test_nats_is_a_cluster_of_three_servers_routing_to_one_another(
    compose: dict[str, Any],
) -> None:
    """Three members with one config, each its own name (JetStream knows a member by it) and
    volume, routes to all three carrying the cluster's password."""
    names = set()
    for index, nats in enumerate(NATS_SERVERS, start=1):
        entry = compose["services"][nats]
        command = entry["command"]
        assert command[:3] == ["nats-server", "--config", "/etc/nats/ewc.conf"]
        assert command[3] == "--name"
        names.add(command[4])
        assert "./nats.conf:/etc/nats/ewc.conf:ro" in entry["volumes"]
        assert f"nats_{index}_data:/data" in entry["volumes"]
        env = environment_of(entry, operator_env())
        password = FILLED_IN["NATS_CLUSTER_PASSWORD"]
        assert env["NATS_CLUSTER_PASSWORD"] == password
        assert [env[f"NATS_ROUTE_{i}"] for i in (1, 2, 3)] == [
            f"nats-route://ewc-route:{password}@{member}:6222" for member in NATS_SERVERS
        ]
        assert "healthz?js-enabled-only=true" in " ".join(entry["healthcheck"]["test"])
    assert len(names) == len(NATS_SERVERS)
    config = (DEPLOY / "nats.conf").read_text()
    for index in (1, 2, 3):
        assert f"$NATS_ROUTE_{index}\n" in config
    assert "password: $NATS_CLUSTER_PASSWORD" in config


def test_state_lives_on_persistent_volumes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert {"pgdata", "nats_1_data", "nats_2_data", "nats_3_data", "caddy_data"} <= set(
        compose["volumes"]
    )
    nats_conf = (DEPLOY / "nats.conf").read_text()
    assert "store_dir: /data" in nats_conf  # the volumes above
    assert "http_port: 8222" in nats_conf
    assert "port: 4222" in nats_conf
    monitoring = [
        interpolate(p, operator_env()) for nats in NATS_SERVERS for p in services[nats]["ports"]
    ]
    # Monitoring on the loopback only, one port per server.
    assert monitoring == ["127.0.0.1:8222:8222", "127.0.0.1:8223:8222", "127.0.0.1:8224:8222"]


def test_the_postgres_init_script_creates_every_services_database(
    compose: dict[str, Any],
) -> None:
    postgres = compose["services"]["postgres"]
    assert any(
        v.startswith("./postgres/init-databases.sh:/docker-entrypoint-initdb.d/")
        for v in postgres["volumes"]
    )
    script = (DEPLOY / "postgres" / "init-databases.sh").read_text()
    loop = next(line for line in script.splitlines() if "for ewc_service in" in line)
    assert set(loop.split(" in ", 1)[1].removesuffix("; do").split()) == set(SERVICES)
    env = environment_of(postgres, operator_env())
    for service in SERVICES:
        assert env[f"{service.upper()}_DB_PASSWORD"] == FILLED_IN[f"{service.upper()}_DB_PASSWORD"]


# --- configuration: .env.example -----------------------------------------------------------------


def test_env_example_lists_every_variable_and_holds_no_secret() -> None:
    example = read_env_file(ENV_EXAMPLE)
    used = referenced_variables(COMPOSE_FILE.read_text())
    assert used - set(example) == set(), "variables the compose file reads but .env.example omits"
    for key, value in example.items():
        if any(word in key for word in ("SECRET", "PASSWORD", "TOKEN", "KEY")):
            assert value == "", f"{key} has a value in .env.example"
    assert set(FILLED_IN) <= set(example)


@pytest.mark.parametrize("secret", sorted(FILLED_IN))
def test_every_secret_is_mandatory(secret: str) -> None:
    env = operator_env()
    env[secret] = ""
    with pytest.raises(KeyError, match=secret):
        interpolate(COMPOSE_FILE.read_text(), env)


def test_filled_in_env_interpolates() -> None:
    text = interpolate(COMPOSE_FILE.read_text(), operator_env())
    assert "${" not in text


# --- the image ------------------------------------------------------------------------------------


def test_dockerfile_builds_one_slim_non_root_image_with_a_healthcheck() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    lines = [line.strip() for line in dockerfile.splitlines()]
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in lines
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(line.startswith("HEALTHCHECK ") for line in lines)
    # Dependencies come from pyproject's pins, nothing else.
    assert "['project']['dependencies']" in dockerfile
    copied = {
        line.split()[1] for line in lines if line.startswith("COPY ") and "--from" not in line
    }
    assert {"shared", "services", "scripts", "deploy/healthcheck.py", "pyproject.toml"} <= copied
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    for path in ("shared/", "services/", "scripts/", "deploy/healthcheck.py", "pyproject.toml"):
        assert f"!{path}" in ignore


# --- the runbook's break-glass operator token ---------------------------------------------------


def test_runbook_operator_token_is_accepted_by_the_deployed_service(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/operations.md signs an operator token inside the billing container from its own
    environment; the service, with the same environment, must accept it."""
    env = environment_of(compose["services"]["billing"], operator_env())
    env["BILLING_JWT_ISSUER"] = "https://login.example.nhs.uk"  # an operator's own issuer
    command = (DOCS / "operations.md").read_text()
    assert "EWC_JWT_SECRET=$BILLING_JWT_SECRET EWC_JWT_ISSUER=$BILLING_JWT_ISSUER" in command
    result = subprocess.run(
        [sys.executable, "-m", "scripts.token", "--role", "operator", "--subject", "ops-jane"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "EWC_JWT_SECRET": env["BILLING_JWT_SECRET"],
            "EWC_JWT_ISSUER": env["BILLING_JWT_ISSUER"],
            "EWC_JWT_AUDIENCE": env["BILLING_JWT_AUDIENCE"],
        },
        timeout=60,
        check=True,
    )
    for key in list(os.environ):
        if key.startswith("BILLING_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    from services.billing.settings import BillingSettings
    from shared.auth import decode_token

    principal = decode_token(BillingSettings(), result.stdout.strip())
    assert principal.role == "operator"
    assert principal.subject == "ops-jane"
