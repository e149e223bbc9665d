"""The enrolment service's app factory (``uvicorn --factory services.enrolment.app:create_app``)."""

from __future__ import annotations

from fastapi import FastAPI

from services.enrolment import api
from services.enrolment.handlers import HANDLERS
from services.enrolment.settings import EnrolmentSettings, get_settings
from shared.app import create_service_app
from shared.clock import TimeSource


def create_app(
    settings: EnrolmentSettings | None = None, *, clock: TimeSource | None = None
) -> FastAPI:
    app = create_service_app(
        settings=settings or get_settings(),
        title="Enjoying Work: Enrolment and viability",
        description="Cohorts, organisations, expressions of interest, go/no-go, team confirmation and QI coaches.",
        routers=api.ROUTERS,
        handlers=HANDLERS,
        clock=clock,
    )
    return app
