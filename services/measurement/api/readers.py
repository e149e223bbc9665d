"""Who may call the reading routes (the roles; what each may read is the store's readable
statement of teams), and what a chart or report reading is asked with, gathered once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from services.measurement import schemas
from services.measurement.charts import ChartReading
from services.measurement.measures import NO_NUL
from services.measurement.report import ReportReading
from services.measurement.rows import MAX_MEASURE_KEY
from services.measurement.settings import MeasurementSettings
from shared.app import app_settings
from shared.auth import Coordinator, Principal, Role, require_roles
from shared.clock import Clock

# Series and charts: people who follow teams' data (coordinators, team leads, coaches) and trust
# systems' keys (their own organisation's teams); other roles are refused (403).
ChartReader = Annotated[
    Principal, require_roles(Role.coordinator, Role.team_lead, Role.coach, api_keys=True)
]
# Measures and plans, and notes on charts: people who follow teams' data.
Reader = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead, Role.coach)]
# Uploads of one team's data from the web console: its project lead, or a coordinator.
Uploader = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead)]
# The service's settings, as the app holds them.
Settings = Annotated[MeasurementSettings, Depends(app_settings)]
# A measure's key in a path (any text a database can hold: an unknown key is 404, not 422).
MeasureKeyPath = Annotated[str, Path(max_length=MAX_MEASURE_KEY, pattern=NO_NUL)]


async def _chart_reading(
    user: ChartReader,
    params: Annotated[schemas.ChartQuery, Query()],
    clock: Clock,
    settings: Settings,
) -> ChartReading:
    return ChartReading(user, params.request(), clock.now(), settings.small_number_threshold)


async def _report_reading(
    user: Coordinator,
    params: Annotated[schemas.ReportQuery, Query()],
    clock: Clock,
    settings: Settings,
) -> ReportReading:
    return ReportReading(
        user,
        params.request(),
        clock.now(),
        settings.small_number_threshold,
        settings.baseline_months_before_start,
    )


# A chart asked for (team or collaborative, JSON or picture): who reads, the query's choices,
# the time, the disclosure threshold.
AskedChart = Annotated[ChartReading, Depends(_chart_reading)]
# The collaborative's report (or its pictures, or the export) asked for by the programme team.
AskedReport = Annotated[ReportReading, Depends(_report_reading)]
