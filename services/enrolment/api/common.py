"""What the enrolment routes share: who may call them (named role sets) and the time of the
request from the service's clock."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from shared.auth import Principal, Role, require_roles
from shared.clock import Clock
from shared.errors import problem_responses

# Expressions of interest: submitted, edited and withdrawn by coordinators, team leads (their
# organisation's) and applicants (their own).
EoiSubmitter = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead, Role.applicant)]
TeamReader = Annotated[
    Principal, require_roles(Role.coordinator, Role.team_lead, Role.coach, Role.applicant)
]
Reader = Annotated[
    Principal, require_roles(Role.coordinator, Role.team_lead, Role.coach, Role.finance)
]
OrganisationEditor = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead)]


async def current_time(clock: Clock) -> datetime:
    """Now, from the service's clock (tests move it across a deadline)."""
    return clock.now()


Now = Annotated[datetime, Depends(current_time)]
CHANGES = problem_responses(400, 404, 409)
