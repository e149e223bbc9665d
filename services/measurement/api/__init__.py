"""HTTP routes of the measurement service (mounted under /api/measurement): one router per
resource, each route thin (parse, call one use case, answer through a schemas builder)."""

from __future__ import annotations

from fastapi import APIRouter

from services.measurement.api import charts, ingestion, keys, measures, reports, series

ROUTERS: list[APIRouter] = [
    measures.measures,
    measures.plans,
    keys.router,
    ingestion.router,
    series.router,
    charts.team_charts,
    charts.cohort_charts,
    reports.router,
]
