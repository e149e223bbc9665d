"""HTTP routes of the enrolment service (mounted under /api/enrolment), one router per resource.
Thin: parse, call one use case, answer through one ``schemas`` builder."""

from __future__ import annotations

from fastapi import APIRouter

from services.enrolment.api import coaches, cohorts, organisations, teams
from shared.ratelimit import WRITES, limit_writes

# In the order the API documents them. People's writes are rate limited per caller (429 with
# Retry-After; see shared/ratelimit.py).
ROUTERS: list[APIRouter] = [
    limit_writes(router, WRITES)
    for router in (
        cohorts.router,
        organisations.router,
        teams.eois,
        teams.router,
        coaches.team_coach,
        coaches.router,
    )
]
