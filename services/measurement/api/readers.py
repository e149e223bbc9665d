"""Who may call the reading routes (the roles; what each may read is the store's readable
statement of teams)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from services.measurement.measures import NO_NUL
from services.measurement.rows import MAX_MEASURE_KEY
from services.measurement.settings import MeasurementSettings
from shared.app import app_settings
from shared.auth import CurrentUser, Principal, Role, require_roles
from shared.errors import Forbidden

_CHART_ROLES = frozenset({Role.coordinator, Role.team_lead, Role.coach})


async def _chart_reader(user: CurrentUser) -> Principal:
    """People who follow teams' data (coordinators, team leads, coaches) and trust systems' keys
    (their own organisation's teams, as for series); other roles are refused outright (403)."""
    if not user.is_machine and user.role not in _CHART_ROLES:
        raise Forbidden("your role may not read charts")
    return user


# Series and charts: people who follow teams' data, and trust systems.
ChartReader = Annotated[Principal, Depends(_chart_reader)]
# Measures and plans, and notes on charts: people who follow teams' data.
Reader = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead, Role.coach)]
# Uploads of one team's data from the web console: its project lead, or a coordinator.
Uploader = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead)]
# The service's settings, as the app holds them.
Settings = Annotated[MeasurementSettings, Depends(app_settings)]
# A measure's key in a path (any text a database can hold: an unknown key is 404, not 422).
MeasureKeyPath = Annotated[str, Path(max_length=MAX_MEASURE_KEY, pattern=NO_NUL)]
