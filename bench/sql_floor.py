"""The floor for a database read: the very statements an endpoint runs, replayed through asyncpg.

``capture`` runs the service's own app in a subprocess (``python -m bench.sql_floor capture``),
against the benchmark's database, answers the endpoint's request a few times through the ASGI
interface, and records the SQL statements (with their parameters) of the last answer as the
service's engine sent them to asyncpg: the steady state, caches warm. ``bench.bare_app`` then
serves them from a bare Starlette endpoint with an asyncpg pool of the service's size, under the
same uvicorn settings, returning the rows as JSON. The ratio of the endpoint's saturation
throughput to this floor's is what the platform (routing, validation, auth, the ORM, the
answer's model) costs on top of the database work the endpoint cannot avoid.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any


def encode_param(value: Any) -> Any:
    if isinstance(value, uuid.UUID) or type(value).__name__ == "UUID":
        return {"uuid": str(value)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, list | tuple):
        return {"list": [encode_param(v) for v in value]}
    return value


def decode_param(value: Any) -> Any:
    if isinstance(value, dict):
        ((kind, raw),) = value.items()
        if kind == "uuid":
            return uuid.UUID(raw)
        if kind == "datetime":
            return datetime.fromisoformat(raw)
        if kind == "date":
            return date.fromisoformat(raw)
        if kind == "decimal":
            return Decimal(raw)
        if kind == "list":
            return [decode_param(v) for v in raw]
    return value


Statements = list[tuple[str, list[Any]]]


def load(path: Path) -> tuple[Statements, uuid.UUID | None]:
    """The captured statements, and the id (e.g. the team's) a request may replace."""
    content = json.loads(path.read_text())
    statements = [(s["sql"], [decode_param(p) for p in s["params"]]) for s in content["statements"]]
    return statements, uuid.UUID(content["vary"]) if content["vary"] else None


def with_id(statements: Statements, vary: uuid.UUID | None, key: uuid.UUID) -> Statements:
    """The statements with ``key`` wherever the captured request had ``vary``."""
    if vary is None:
        return statements
    return [(sql, [key if p == vary else p for p in params]) for sql, params in statements]


async def _capture(
    service: str, database_url: str, path: str, headers: dict[str, str], vary: str
) -> dict[str, Any]:
    import asyncpg.connection
    import asyncpg.prepared_stmt
    import httpx

    prefix = service.upper()
    os.environ[f"{prefix}_DATABASE_URL"] = database_url
    os.environ[f"{prefix}_NATS_URL"] = "nats://127.0.0.1:1"  # no bus: reads need none
    os.environ[f"{prefix}_CONSUMERS_ENABLED"] = "false"
    os.environ[f"{prefix}_RUN_MIGRATIONS_ON_START"] = "false"
    settings = importlib.import_module(f"services.{service}.settings").get_settings()
    app = importlib.import_module(f"services.{service}.app").create_app(settings)
    captured: list[tuple[str, Any]] = []

    # Every statement reaches PostgreSQL through asyncpg, whether SQLAlchemy sends it (a prepared
    # statement) or the service hands it to asyncpg itself: record it there, with its arguments.
    def on_connection(method: Any) -> Any:
        async def recorded(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            captured.append((query, args))
            return await method(self, query, *args, **kwargs)

        return recorded

    def on_prepared(method: Any) -> Any:
        async def recorded(self: Any, *args: Any, **kwargs: Any) -> Any:
            captured.append((self.get_query(), args))
            return await method(self, *args, **kwargs)

        return recorded

    for name in ("execute", "fetch", "fetchrow", "fetchval"):
        cls = asyncpg.connection.Connection
        setattr(cls, name, on_connection(getattr(cls, name)))
    for name in ("fetch", "fetchrow", "fetchval"):
        cls = asyncpg.prepared_stmt.PreparedStatement
        setattr(cls, name, on_prepared(getattr(cls, name)))

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for _ in range(3):
                captured.clear()
                response = await client.get(path, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
    statements = [
        {"sql": sql, "params": [encode_param(p) for p in (params or ())]}
        for sql, params in captured
    ]
    return {"vary": vary or None, "statements": statements}


async def capture(
    *,
    service: str,
    database_url: str,
    path: str,
    headers: dict[str, str],
    output: Path,
    vary: str = "",
) -> tuple[Statements, uuid.UUID | None]:
    """The statements ``GET path`` runs in ``service``, captured in a subprocess of its own;
    ``vary``: an id in ``path`` that the floor's requests replace with their own."""
    from bench.stack import ROOT

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.sql_floor",
        "capture",
        service,
        database_url,
        path,
        json.dumps(headers),
        str(output),
        vary,
        cwd=ROOT,
    )
    if await proc.wait() != 0:
        raise RuntimeError(f"capturing the statements of {service} {path} failed")
    return load(output)


def main(argv: list[str]) -> int:
    if len(argv) == 7 and argv[0] == "capture":
        _, service, database_url, path, headers, output, vary = argv
        content = asyncio.run(_capture(service, database_url, path, json.loads(headers), vary))
        Path(output).write_text(json.dumps(content, indent=1))
        return 0
    print("usage: python -m bench.sql_floor capture SERVICE DATABASE_URL PATH HEADERS OUTPUT ID")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
