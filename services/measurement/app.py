"""The measurement app factory (``uvicorn --factory services.measurement.app:create_app``)."""

from __future__ import annotations

import gc

from fastapi import FastAPI, Request

from services.measurement import keys
from services.measurement.api import ROUTERS
from services.measurement.handlers import HANDLERS
from services.measurement.rows import MAX_BODY_BYTES
from services.measurement.settings import MeasurementSettings, get_settings
from shared.app import create_service_app
from shared.auth import Principal
from shared.clock import TimeSource

PREFIX = "/api/measurement"
# Batch posts and uploads may carry up to 10 MB (the default body limit is far lower).
BATCH_BODY_LIMITS = {
    f"{PREFIX}/responses": MAX_BODY_BYTES,
    f"{PREFIX}/values": MAX_BODY_BYTES,
    f"{PREFIX}/uploads/": MAX_BODY_BYTES,
}


async def _accept_api_keys(app: FastAPI) -> None:
    """Let ``CurrentUser`` recognise this service's organisation-scoped API keys."""
    database = app.state.database

    async def resolve(_request: Request, token: str) -> Principal:
        async with database.sessions() as session:
            if not database.settings.is_sqlite:
                # One read: autocommit spares the BEGIN and ROLLBACK round trips.
                await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            return await keys.resolve_api_key(session, token=token)

    app.state.api_key_resolver = resolve


async def _freeze_startup_heap(_app: FastAPI) -> None:
    """Move everything allocated while starting (modules, mappers, schemas) out of the garbage
    collector's sight: full collections then walk only live request data, not the whole heap."""
    gc.collect()
    gc.freeze()


def create_app(
    settings: MeasurementSettings | None = None, *, clock: TimeSource | None = None
) -> FastAPI:
    return create_service_app(
        settings=settings or get_settings(),
        title="Enjoying Work: Measurement and QI analytics",
        description=(
            "The measurement plan, bulk survey ingestion from trust systems, and QI charts."
        ),
        routers=ROUTERS,
        handlers=HANDLERS,
        clock=clock,
        on_startup=[_accept_api_keys, _freeze_startup_heap],
        body_limits=BATCH_BODY_LIMITS,
    )
