"""HTTP routes of the enrolment service (mounted under /api/enrolment): one router per resource,
each route thin (parse, call one use case, answer through one ``schemas`` builder).

Only coordinators change cohorts, decisions, organisations' details and coaches, and erase
people. A team lead sees and changes only the teams of their own organisation, an applicant only
the expressions of interest they submitted, a coach only the teams they coach: anything else
answers 404, as if it did not exist (the store's readable statements say so once). A cohort's
terms, as the application form shows them, are public.
"""

from __future__ import annotations

from fastapi import APIRouter

from services.enrolment.api.coaches import coach_routes, team_coach_routes
from services.enrolment.api.cohorts import cohort_routes, open_cohort_routes
from services.enrolment.api.erasures import erasure_routes
from services.enrolment.api.organisations import organisation_routes
from services.enrolment.api.teams import eoi_routes, team_routes
from shared.ratelimit import WRITES, limit_writes

# In the order the API documents them. People's writes are rate limited per caller (429 with
# Retry-After; see shared/ratelimit.py); applicants' applications have a tighter limit of their own.
ROUTERS: list[APIRouter] = [
    limit_writes(router, WRITES)
    for router in (
        open_cohort_routes,
        cohort_routes,
        organisation_routes,
        eoi_routes,
        team_routes,
        team_coach_routes,
        coach_routes,
        erasure_routes,
    )
]
