"""The improvement service's app factory (``uvicorn --factory services.improvement.app:create_app``)."""

from __future__ import annotations

from fastapi import FastAPI

from services.improvement.api import changes, projects
from services.improvement.handlers import HANDLERS
from services.improvement.lapses import check_meeting_lapses
from services.improvement.settings import ImprovementSettings, get_settings
from shared.app import PeriodicJob, create_service_app
from shared.clock import TimeSource


def meetings_lapse_job(settings: ImprovementSettings) -> PeriodicJob:
    return PeriodicJob(
        "meetings-lapse-check", check_meeting_lapses, every_seconds=settings.meetings_check_seconds
    )


def create_app(
    settings: ImprovementSettings | None = None, *, clock: TimeSource | None = None
) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        settings=settings,
        title="Enjoying Work: Improvement projects",
        description=(
            "Each team's QI project: project team, aim, readiness, meetings, what matters and "
            "the pebbles in the shoe, multi-voting, driver diagrams, change ideas and PDSA "
            "cycles, progress scores; and the cohort's shared library of tested ideas."
        ),
        routers=[*projects.ROUTERS, *changes.ROUTERS],
        handlers=HANDLERS,
        clock=clock,
        jobs=[meetings_lapse_job(settings)],
    )
