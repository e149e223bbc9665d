"""A small open-model HTTP load generator (wrk2-style) and an ingestion client, each run in its
own process so that neither steals the event loop of the other or of the benchmark runner.

``rate`` mode sends requests at constant arrival times (request i at start + i / rate, whether or
not earlier answers came back) and measures each latency from its *scheduled* send time, so a
stalled server is not hidden by a client that waited for it (no coordinated omission).
``saturate`` mode is closed-loop: ``connections`` workers send back to back for ``duration``
seconds; the completed requests per second are the saturation throughput.
``ingest`` mode posts one prepared batch every ``interval`` seconds.

The HTTP client is a minimal HTTP/1.1 keep-alive client on asyncio streams (under uvloop): a
request costs the client tens of microseconds, so the client does not become the bottleneck on a
2-core machine the way a general-purpose client would.

Usage: ``python -m bench.loadgen CONFIG.json RESULT.json`` (the runner writes the config).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop is a dependency of uvicorn[standard]
    uvloop = None  # type: ignore[assignment]

TIMEOUT_SECONDS = 10.0


class HttpError(Exception):
    pass


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def request(self, raw: bytes) -> tuple[int, int]:
        """Send one request; return (status, body bytes). Raises on a broken connection."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length: int | None = None
        chunked = False
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            key = name.strip().lower()
            if key == b"content-length":
                length = int(value.strip())
            elif key == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif key == b"connection" and value.strip().lower() == b"close":
                close = True
        size = 0
        if chunked:
            while True:
                size_line = await self.reader.readuntil(b"\r\n")
                chunk = int(size_line.split(b";")[0], 16)
                await self.reader.readexactly(chunk + 2)
                size += chunk
                if chunk == 0:
                    break
        elif length:
            await self.reader.readexactly(length)
            size = length
        if close:
            self.close()
            raise ConnectionResetError("server closed the connection")  # caller reconnects
        return status, size

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


@dataclass
class Target:
    host: str
    port: int
    raw: list[bytes]  # prepared requests, used round-robin

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Target:
        url = urlsplit(config["base_url"])
        host, port = url.hostname or "127.0.0.1", url.port or 80
        headers = "".join(f"{k}: {v}\r\n" for k, v in config.get("headers", {}).items())
        raw = [
            (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{headers}\r\n").encode()
            for path in config["paths"]
        ]
        return cls(host, port, raw)


MAX_CONNECTIONS = 256


@dataclass
class Pool:
    """Keep-alive connections, at most ``MAX_CONNECTIONS`` in use: past that a request waits for
    one (its latency still counts from its scheduled time), so an overloaded server does not
    make the generator open thousands of sockets and starve itself of CPU."""

    target: Target
    idle: list[Connection] = field(default_factory=list)
    opened: int = 0
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_CONNECTIONS))

    async def get(self) -> tuple[Connection, bool]:
        """A connection and whether it was reused (an idle keep-alive connection)."""
        if self.idle:
            return self.idle.pop(), True
        return await self.new(), False

    async def new(self) -> Connection:
        reader, writer = await asyncio.open_connection(self.target.host, self.target.port)
        self.opened += 1
        return Connection(reader, writer)

    def put(self, conn: Connection) -> None:
        self.idle.append(conn)

    def close(self) -> None:
        for conn in self.idle:
            conn.close()


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    def count_status(self, status: int) -> None:
        self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1

    def count_error(self, name: str) -> None:
        self.errors[name] = self.errors.get(name, 0) + 1


async def _one(pool: Pool, raw: bytes, outcome: Outcome, scheduled: float) -> None:
    async with pool.slots:
        await _send(pool, raw, outcome, scheduled)


async def _send(pool: Pool, raw: bytes, outcome: Outcome, scheduled: float) -> None:
    conn: Connection | None = None
    try:
        conn, reused = await pool.get()
        try:
            status, _ = await asyncio.wait_for(conn.request(raw), TIMEOUT_SECONDS)
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError):
            if not reused:
                raise
            # The server closed an idle keep-alive connection (uvicorn does after 5 s): send
            # again on a fresh one, as every HTTP client does; the latency still counts from
            # the scheduled time.
            conn.close()
            conn = await pool.new()
            status, _ = await asyncio.wait_for(conn.request(raw), TIMEOUT_SECONDS)
        pool.put(conn)
        conn = None
        outcome.latencies_ms.append((time.perf_counter() - scheduled) * 1000)
        outcome.count_status(status)
    except TimeoutError:
        outcome.count_error("timeout")
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        outcome.count_error(type(exc).__name__)
    finally:
        if conn is not None:
            conn.close()


async def constant_rate(config: dict[str, Any]) -> dict[str, Any]:
    target = Target.from_config(config)
    rate, duration = float(config["rate"]), float(config["duration"])
    total = int(rate * duration)
    pool = Pool(target)
    outcome = Outcome()
    # Warm the keep-alive pool a little so the first second does not measure TCP handshakes.
    for _ in range(int(config.get("warm_connections", 8))):
        pool.put(await pool.new())
    await _sleep_until(config.get("start_at"))
    start = time.perf_counter()
    tasks: set[asyncio.Task[None]] = set()
    late_ms = 0.0
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            late_ms = max(late_ms, -delay * 1000)
        task = asyncio.create_task(_one(pool, target.raw[i % len(target.raw)], outcome, scheduled))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await _finish(tasks, outcome)
    elapsed = time.perf_counter() - start
    pool.close()
    return {
        "mode": "rate",
        "rate": rate,
        "duration": duration,
        "sent": total,
        "elapsed_s": elapsed,
        "latencies_ms": outcome.latencies_ms,
        "statuses": outcome.statuses,
        "errors": outcome.errors,
        "connections_opened": pool.opened,
        "max_send_lag_ms": late_ms,
    }


async def saturate(config: dict[str, Any]) -> dict[str, Any]:
    target = Target.from_config(config)
    duration, connections = float(config["duration"]), int(config["connections"])
    warmup = float(config.get("warmup", 1.0))
    outcome = Outcome()
    counted = 0
    measuring = False
    stop = False

    async def worker(n: int) -> None:
        nonlocal counted
        conn: Connection | None = None
        i = n
        while not stop:
            try:
                if conn is None:
                    reader, writer = await asyncio.open_connection(target.host, target.port)
                    conn = Connection(reader, writer)
                sent = time.perf_counter()
                status, _ = await asyncio.wait_for(
                    conn.request(target.raw[i % len(target.raw)]), TIMEOUT_SECONDS
                )
                if measuring:
                    counted += 1
                    outcome.latencies_ms.append((time.perf_counter() - sent) * 1000)
                    outcome.count_status(status)
            except Exception as exc:
                if measuring:
                    outcome.count_error(type(exc).__name__)
                if conn is not None:
                    conn.close()
                conn = None
            i += connections
        if conn is not None:
            conn.close()

    await _sleep_until(config.get("start_at"))
    workers = [asyncio.create_task(worker(n)) for n in range(connections)]
    await asyncio.sleep(warmup)
    measuring = True
    started = time.perf_counter()
    await asyncio.sleep(duration)
    measuring = False
    elapsed = time.perf_counter() - started
    stop = True
    await asyncio.wait(workers, timeout=TIMEOUT_SECONDS + 1)
    return {
        "mode": "saturate",
        "connections": connections,
        "duration": elapsed,
        "completed": counted,
        "throughput_rps": counted / elapsed,
        "latencies_ms": outcome.latencies_ms,
        "statuses": outcome.statuses,
        "errors": outcome.errors,
    }


async def ingest(config: dict[str, Any]) -> dict[str, Any]:
    """Post one prepared body every ``interval`` seconds (a trust's uploader), on schedule."""
    url = urlsplit(config["base_url"])
    host, port = url.hostname or "127.0.0.1", url.port or 80
    bodies: list[bytes] = config["body_bytes"]
    headers = "".join(f"{k}: {v}\r\n" for k, v in config.get("headers", {}).items())
    interval, duration = float(config["interval"]), float(config["duration"])
    outcome = Outcome()
    pool = Pool(Target(host, port, []))
    await _sleep_until(config.get("start_at"))
    start = time.perf_counter()
    tasks: set[asyncio.Task[None]] = set()
    n = 0
    while n * interval < duration:
        scheduled = start + n * interval
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        body = bodies[n % len(bodies)]
        raw = (
            f"POST {url.path} HTTP/1.1\r\nHost: {host}:{port}\r\n{headers}"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        task = asyncio.create_task(_one(pool, raw, outcome, scheduled))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        n += 1
    await _finish(tasks, outcome)
    pool.close()
    return {
        "mode": "ingest",
        "batches": n,
        "latencies_ms": outcome.latencies_ms,
        "statuses": outcome.statuses,
        "errors": outcome.errors,
    }


async def _finish(tasks: set[asyncio.Task[None]], outcome: Outcome) -> None:
    """Wait for the requests still in flight; any not answered by then count as errors."""
    if not tasks:
        return
    _, pending = await asyncio.wait(set(tasks), timeout=TIMEOUT_SECONDS + 1)
    for task in pending:
        task.cancel()
        outcome.count_error("unfinished")


async def _sleep_until(epoch: float | None) -> None:
    if epoch is not None:
        delay = float(epoch) - time.time()
        if delay > 0:
            await asyncio.sleep(delay)


MODES = {"rate": constant_rate, "saturate": saturate, "ingest": ingest}


def main(argv: list[str]) -> int:
    config = json.loads(Path(argv[0]).read_text())
    if config["mode"] == "ingest":
        config["body_bytes"] = [Path(p).read_bytes() for p in config["bodies"]]
    runner = MODES[config["mode"]]
    if uvloop is not None:
        uvloop.install()
    result = asyncio.run(runner(config))
    Path(argv[1]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
