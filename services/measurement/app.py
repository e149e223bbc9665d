"""The measurement service's app factory (``uvicorn --factory services.measurement.app:create_app``)."""

from __future__ import annotations

from fastapi import FastAPI

from services.measurement import api
from services.measurement.handlers import HANDLERS
from services.measurement.settings import MeasurementSettings, get_settings
from shared.app import create_service_app


def create_app(settings: MeasurementSettings | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or get_settings(),
        title="Enjoying Work: Measurement and QI analytics",
        description="The measurement plan, bulk survey ingestion from trust systems, and QI charts.",
        routers=[api.router],
        handlers=HANDLERS,
    )
