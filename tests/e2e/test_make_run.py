"""`make run` starts all five services (SQLite files, NATS from the wheel) and each /readyz
answers 200 within 30 s; Ctrl-C stops every process it started."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import psutil

from tests.support import ROOT, free_port

SERVICES = ["enrolment", "measurement", "sessions", "billing", "improvement"]


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
            return bool(response.status == 200)
    except Exception:
        return False


def test_make_run_serves_all_five_and_stops_cleanly(tmp_path: Path) -> None:
    ports = {service: free_port() for service in SERVICES}
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_DATABASE_URL", "NATS_URL"))}
    for service, port in ports.items():
        env[f"{service.upper()}_PORT"] = str(port)
        # Keep the test's databases apart from a developer's var/ files.
        env[f"{service.upper()}_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / service}.db"
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
        children = psutil.Process(make.pid).children(recursive=True)
        assert len(children) >= 7  # the launcher, nats-server and five services
    finally:
        os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C does in a terminal
        try:
            output, _ = make.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
            raise
    assert b"All 5 services ready" in output
    time.sleep(0.5)
    survivors = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert survivors == [], f"orphan processes after Ctrl-C: {survivors}"
    assert not any(_ready(port) for port in ports.values())
