"""HTTP routes of the improvement service (mounted under /api/improvement), one router per
resource; every write route is rate limited per caller (shared.ratelimit.WRITES)."""

from __future__ import annotations

from fastapi import APIRouter

from services.improvement.api import cohorts, diagrams, ideas, meetings, pdsa, progress, teams

ROUTERS: list[APIRouter] = [
    teams.router,
    cohorts.router,
    meetings.router,
    ideas.router,
    diagrams.router,
    pdsa.router,
    progress.router,
]
