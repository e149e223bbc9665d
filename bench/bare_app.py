"""The floors for API throughput: bare Starlette endpoints served by uvicorn with exactly the
settings of ``shared.serve`` (uvloop and httptools when installed, no access log, proxy headers).

``python -m bench.bare_app PORT [DSN POOL_SIZE NAME=STATEMENTS.json ...]``:

- ``GET /team`` answers a JSON body shaped like a team, with no I/O;
- ``GET /sql/NAME`` and ``GET /sql/NAME/ID`` run the statements an endpoint runs (captured by
  ``bench.sql_floor``, ``ID`` in place of the captured request's id) through an asyncpg pool of
  ``POOL_SIZE`` connections on ``DSN`` and answer their rows as JSON.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.sql_floor import Statements, load, with_id

# About the size of a TeamOut answer, so that both endpoints serialise a similar body.
TEAM = {
    "id": "0b5e4f7e-5d7c-4a84-9a39-0d7f1c6a4f11",
    "cohort_id": "5c0a1f5e-0f77-4a1e-b0d5-7f0f31a4c2d9",
    "organisation_id": "7a1e9c2b-3f4d-4e5f-8a9b-0c1d2e3f4a5b",
    "organisation_name": "Benchmark NHS Foundation Trust 001",
    "organisation_verified": True,
    "nation": "england",
    "team_name": "Community mental health team 0001",
    "setting": "clinical",
    "service_type": "Community mental health team",
    "project_lead": {"name": "Lead 1", "email": "lead1@example.nhs.uk", "job_title": "Manager"},
    "senior_sponsor": {"name": "Sponsor", "email": "sponsor@example.nhs.uk", "job_title": "Dir"},
    "project_team": [{"role": "service user", "name": None, "is_service_user": True}],
    "service_user_involvement": None,
    "team_size": 12,
    "contact_phone": "01632 960 001",
    "hopes_to_improve": "More of the team enjoying work",
    "agreed_to_take_part": True,
    "can_meet_commitment": True,
    "will_attend_learning_sets": True,
    "will_implement_change_ideas": True,
    "will_collect_data": True,
    "purchase_order": "PO-0001",
    "status": "confirmed",
    "late_entry": True,
    "submitted_at": "2026-11-27T04:00:00Z",
    "decided_at": "2026-11-27T04:00:00Z",
    "decline_reason": None,
    "confirmed_at": "2026-11-27T04:00:00Z",
    "organisation_team_count": 3,
    "withdrawn_on": None,
    "withdrawal_reason": None,
    "withdrawn_by": None,
    "withdrawal_date_chosen_by": None,
    "coach_id": "1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    "coach_name": "Coach 1",
    "awaiting_coach": False,
    "carried_from_team_id": None,
}


async def team(_request: Request) -> JSONResponse:
    return JSONResponse(TEAM)


def sql_app(dsn: str, pool_size: int, captured: dict[str, Path]) -> Starlette:
    floors = {name: load(path) for name, path in captured.items()}
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size)
        yield
        await state["pool"].close()

    async def run(statements: Statements) -> Response:
        rows: list[dict[str, Any]] = []
        async with state["pool"].acquire() as conn:
            for sql, params in statements:
                rows.extend(dict(r) for r in await conn.fetch(sql, *params))
        return Response(orjson.dumps(rows, default=str), media_type="application/json")

    async def sql(request: Request) -> Response:
        statements, vary = floors[request.path_params["name"]]
        key = request.path_params.get("key")
        return await run(with_id(statements, vary, uuid.UUID(key)) if key else statements)

    return Starlette(
        routes=[
            Route("/team", team),
            Route("/sql/{name}", sql),
            Route("/sql/{name}/{key}", sql),
        ],
        lifespan=lifespan,
    )


app = Starlette(routes=[Route("/team", team)])


def main(argv: list[str]) -> None:
    served = app
    if len(argv) > 1:
        dsn, pool_size, *specs = argv[1:]
        captured = {s.split("=", 1)[0]: Path(s.split("=", 1)[1]) for s in specs}
        served = sql_app(dsn, int(pool_size), captured)
    uvicorn.run(
        served,
        host="127.0.0.1",
        port=int(argv[0]),
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=8,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
