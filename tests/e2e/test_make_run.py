"""`make run` starts every service (SQLite files, NATS from the wheel), the development
sign-in provider, a local SMTP sink and the gateway; each /readyz answers 200 within 30 s, the console and the APIs
answer at the one address it prints; Ctrl-C stops every process it started."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import time
import urllib.request
from pathlib import Path

import psutil

from scripts.services import PORTS
from tests.support import ROOT, free_port

SERVICES = list(PORTS)


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
            return bool(response.status == 200)
    except Exception:
        return False


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=2) as response:
        return bytes(response.read())


def _answers(url: str) -> bool:
    try:
        return bool(_get(url))
    except Exception:
        return False


def test_make_run_serves_every_service_and_the_console_and_stops_cleanly(tmp_path: Path) -> None:
    ports = {service: free_port() for service in SERVICES}
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_DATABASE_URL", "NATS_URL"))}
    for service, port in ports.items():
        env[f"{service.upper()}_PORT"] = str(port)
        # Keep the test's databases apart from a developer's var/ files.
        env[f"{service.upper()}_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / service}.db"
    console_port = free_port()
    env["CONSOLE_PORT"] = str(console_port)
    env["OIDC_PORT"] = str(free_port())
    env["EWC_VAR_DIR"] = str(tmp_path / "var")
    smtp_port = free_port()
    env["SMTP_PORT"] = str(smtp_port)
    started = time.monotonic()
    make = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        pending = set(SERVICES)
        while pending and time.monotonic() - started < 30:
            pending = {s for s in pending if not _ready(ports[s])}
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        assert not pending, f"not ready within 30 s: {sorted(pending)}"
        assert elapsed < 30
        console = f"http://127.0.0.1:{console_port}"
        while not _answers(f"{console}/api/enrolment/openapi.json"):
            assert time.monotonic() - started < 30, "the console's address did not answer"
            time.sleep(0.2)
        assert b'<div id="root">' in _get(f"{console}/cohorts")  # the console, any route
        # The local SMTP sink keeps what it is sent as .eml files under var/mail/.
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=5) as smtp:
            smtp.sendmail(
                "enjoying-work@example.org",
                ["lead@nhs.example"],
                b"Subject: Hello from make run\r\n\r\nA body.\r\n",
            )
        [kept] = list((tmp_path / "var" / "mail").glob("*.eml"))
        assert b"Hello from make run" in kept.read_bytes()
        children = psutil.Process(make.pid).children(recursive=True)
        # The launcher, nats-server, every service, the sign-in provider, the mail sink and the
        # gateway.
        assert len(children) >= len(SERVICES) + 5
    finally:
        os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C does in a terminal
        try:
            output, _ = make.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
            raise
    assert f"All {len(SERVICES)} services ready".encode() in output
    assert f"The console: http://127.0.0.1:{console_port}/".encode() in output
    assert b"mail to lead@nhs.example: Hello from make run" in output
    time.sleep(0.5)
    survivors = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert survivors == [], f"orphan processes after Ctrl-C: {survivors}"
    assert not any(_ready(port) for port in ports.values())
