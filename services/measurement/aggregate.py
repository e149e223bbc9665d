"""The collaborative chart of a measure: one chart pooled over the cohort's teams the caller may
read, with its summary and per-team table.

Every team's series covers the same periods (a period a team has no data for is a gap in its
row); small numbers are withheld in the team rows and in the pooled chart for readers outside a
team, after pooling (the pooled chart keeps every response)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.analytics import (
    ChartOptionError,
    CollaborativeChart,
    Series,
    aggregate_chart,
)
from services.measurement.chart_options import (
    chart_options,
    chart_series,
    engine_refusal,
    span_of,
    with_gaps,
)
from services.measurement.charts import ChartReading, Picture, chart_range, draw
from services.measurement.measures import MeasureDefinition
from services.measurement.periods import Period
from services.measurement.series import check_range, chosen_period
from services.measurement.store import plan as plan_store
from services.measurement.store import series as series_store
from services.measurement.store.access import withholds_small_numbers
from services.measurement.store.charts import CohortTeam, readable_cohort_teams
from shared.auth import Principal
from shared.errors import NotFound


@dataclass(frozen=True)
class CohortChart:
    cohort_id: uuid.UUID
    definition: MeasureDefinition
    period: Period
    first: date
    last: date
    team_names: dict[str, str]
    collaborative: CollaborativeChart

    @property
    def title(self) -> str:
        return f"{self.definition.name} · collaborative ({len(self.team_names)} teams)"


async def cohort_series(
    session: AsyncSession,
    *,
    teams: dict[uuid.UUID, CohortTeam],
    definition: MeasureDefinition,
    first: date,
    last: date,
    period: Period,
) -> dict[str, tuple[Series, list[date]]]:
    """Each team's series of the measure over the same periods (a gap where a team has no data),
    and the periods it has data for, in one grouped query."""
    points = await series_store.team_points(
        session, team_ids=list(teams), definition=definition, first=first, last=last, period=period
    )
    span = span_of(points.values())
    return {
        str(team_id): (
            chart_series(with_gaps(team_points, period, span=span), definition),
            [p["period_start"] for p in team_points if p["n"]],
        )
        for team_id, team_points in points.items()
    }


def cohort_threshold(
    user: Principal, teams: dict[uuid.UUID, CohortTeam], definition: MeasureDefinition, below: int
) -> int:
    """The disclosure threshold of a collaborative view: none when every team in it is the
    reader's own (or the measure is not taken from responses)."""
    outside = any(withholds_small_numbers(user, team.organisation_id) for team in teams.values())
    return below if outside and definition.takes_responses else 0


async def cohort_chart(
    session: AsyncSession, *, reading: ChartReading, cohort_id: uuid.UUID, measure_key: str
) -> CohortChart:
    """The collaborative chart of a measure over the cohort's teams the caller may read
    (coordinators: all; team leads: their organisation's; coaches: their own), with the
    summary and per-team table."""
    user, request = reading.user, reading.request
    first, last = chart_range(request, now=reading.now)
    check_range(first, last, what="chart")
    teams = await readable_cohort_teams(session, principal=user, cohort_id=cohort_id)
    if not teams:
        raise NotFound("no such cohort")
    definition = (await plan_store.current_definitions(session, [measure_key])).get(measure_key)
    if definition is None:
        raise NotFound(f"no measure {measure_key!r}")
    chosen = chosen_period(definition, request.period)
    target = await plan_store.plan_target(session, cohort_id, measure_key)
    options = chart_options(
        request,
        definition,
        period=chosen,
        target=target,
        suppress_below=cohort_threshold(user, teams, definition, reading.small_number_threshold),
    )
    held = await cohort_series(
        session, teams=teams, definition=definition, first=first, last=last, period=chosen
    )
    with_data = {team: series for team, (series, days) in held.items() if days}
    try:
        collaborative = aggregate_chart(with_data, options)
    except ChartOptionError as exc:
        raise engine_refusal(exc) from exc
    return CohortChart(
        cohort_id=cohort_id,
        definition=definition,
        period=chosen,
        first=first,
        last=last,
        team_names={
            str(team_id): team.name for team_id, team in teams.items() if str(team_id) in with_data
        },
        collaborative=collaborative,
    )


async def cohort_chart_picture(
    session: AsyncSession,
    *,
    reading: ChartReading,
    cohort_id: uuid.UUID,
    measure_key: str,
    picture: Picture,
) -> bytes:
    """``cohort_chart`` drawn as SVG or PNG."""
    answer = await cohort_chart(
        session, reading=reading, cohort_id=cohort_id, measure_key=measure_key
    )
    chart, unit = answer.collaborative.chart, answer.definition.unit
    return await draw(chart, title=answer.title, unit=unit, picture=picture)
