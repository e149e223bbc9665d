"""What the enrolment routes depend on: who may call them, and the time.

Only coordinators change cohorts, decisions and coaches. A team lead sees and changes only the
teams of their own organisation: other organisations' teams answer 404, as if they did not exist
(the store's readable statements say so once).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from shared.auth import Principal, Role, require_roles
from shared.clock import Clock

EoiSubmitter = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead)]
TeamReader = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead, Role.coach)]
Reader = Annotated[
    Principal, require_roles(Role.coordinator, Role.team_lead, Role.coach, Role.finance)
]


async def current_time(clock: Clock) -> datetime:
    """Now, from the service's clock (tests move it across a deadline)."""
    return clock.now()


Now = Annotated[datetime, Depends(current_time)]
