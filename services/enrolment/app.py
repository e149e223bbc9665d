"""The enrolment service's app factory (``uvicorn --factory services.enrolment.app:create_app``)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI

from services.enrolment import api
from services.enrolment.handlers import HANDLERS
from services.enrolment.settings import EnrolmentSettings, get_settings
from shared.app import create_service_app


def create_app(settings: EnrolmentSettings | None = None) -> FastAPI:
    app = create_service_app(
        settings=settings or get_settings(),
        title="Enjoying Work: Enrolment and viability",
        description="Cohorts, organisations, expressions of interest, go/no-go, team confirmation and QI coaches.",
        routers=[api.router],
        handlers=HANDLERS,
    )
    # The service's clock: deadlines are compared with it. Tests move it across a deadline.
    app.state.clock = utc_now
    return app


def utc_now() -> datetime:
    return datetime.now(UTC)
