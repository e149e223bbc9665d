"""HTTP routes of the sessions service (mounted under /api/sessions), one router per resource.

Thin: each route parses, calls one use case and answers through one schemas builder. People's
writes are rate limited per caller (429 with Retry-After; see shared/ratelimit.py).
"""

from __future__ import annotations

from services.sessions.api import (
    attendance,
    calendar,
    cohorts,
    engagement,
    materials,
    places,
    programme,
    registers,
    reports,
    rosters,
)
from shared.ratelimit import WRITES, limit_writes

# In this order, so that the OpenAPI document lists the paths as it always has (new ones last).
routers = [
    limit_writes(router, WRITES)
    for router in (
        programme.router,
        places.router,
        attendance.router,
        rosters.router,
        engagement.router,
        calendar.tokens,
        calendar.feeds,
        cohorts.router,
        registers.router,
        materials.router,
        reports.router,
    )
]
