"""The sessions service's app factory (``uvicorn --factory services.sessions.app:create_app``)."""

from __future__ import annotations

from fastapi import FastAPI

from services.sessions import api
from services.sessions.handlers import HANDLERS
from services.sessions.settings import SessionsSettings, get_settings
from shared.app import create_service_app
from shared.clock import TimeSource


def create_app(
    settings: SessionsSettings | None = None, *, clock: TimeSource | None = None
) -> FastAPI:
    return create_service_app(
        settings=settings or get_settings(),
        title="Enjoying Work: Learning sessions",
        description="Learning sessions and monthly learning sets, rosters, attendance and calendar feeds.",
        routers=api.routers,
        handlers=HANDLERS,
        clock=clock,
    )
