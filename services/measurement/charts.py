"""A team's QI chart of a measure (run or control chart, with signals and summary) as JSON or a
picture, and the notes people attach to the periods of a team's measure.

A chart covers every period from its first with data to its last; a period without data is a gap
on it. Readers outside the team see periods built from too few responses withheld (see
``series``); their charts are computed from what they are shown."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.analytics import (
    Chart,
    ChartOptionError,
    ChartOptions,
    Series,
    compute_chart,
    render,
)
from services.measurement.chart_options import (
    ChartRequest,
    annotations_by_period,
    chart_options,
    chart_series,
    engine_refusal,
    with_gaps,
)
from services.measurement.measures import MeasureDefinition
from services.measurement.models import ChartAnnotation
from services.measurement.periods import Period
from services.measurement.series import readable_team_measure, series_of, threshold_for
from services.measurement.store import charts as store
from services.measurement.store import rollup
from services.measurement.store.charts import TeamMeasure
from shared.auth import Principal
from shared.clock import uk_date

Picture = Literal["svg", "png"]

# A chart without a range shows up to today and as far back as a series may reach.
DEFAULT_CHART_YEARS = 5


def chart_range(request: ChartRequest, *, now: datetime) -> tuple[date, date]:
    """The request's range: up to today, as far back as a series may reach, unless given."""
    last = request.last or uk_date(now)
    first = request.first or last - timedelta(days=365 * DEFAULT_CHART_YEARS)
    return first, last


@dataclass(frozen=True)
class TeamChart:
    team_id: uuid.UUID
    team_name: str
    definition: MeasureDefinition
    period: Period
    first: date
    last: date
    chart: Chart

    @property
    def title(self) -> str:
        return f"{self.definition.name} · {self.team_name}"


def computed(series: Series, options: ChartOptions) -> Chart:
    """The engine's chart; an option the series cannot take is a 422 naming it."""
    try:
        return compute_chart(series, options)
    except ChartOptionError as exc:
        raise engine_refusal(exc) from exc


@dataclass(frozen=True)
class ChartReading:
    """Who reads a chart, what they ask for, when, and the disclosure threshold that applies to
    them outside a team (0 withholds nothing)."""

    user: Principal
    request: ChartRequest
    now: datetime
    small_number_threshold: int = 0


@dataclass(frozen=True)
class _Asked:
    """A team chart asked for by someone who may read the team: all it is made from but the
    series and the notes."""

    team_id: uuid.UUID
    team: TeamMeasure
    definition: MeasureDefinition
    request: ChartRequest
    first: date
    last: date
    suppress_below: int


async def _asked(
    session: AsyncSession, reading: ChartReading, team_id: uuid.UUID, measure_key: str
) -> _Asked:
    user = reading.user
    team, definition = await readable_team_measure(
        session, user=user, team_id=team_id, measure_key=measure_key
    )
    first, last = chart_range(reading.request, now=reading.now)
    below = threshold_for(
        user,
        organisation_id=team.organisation_id,
        definition=definition,
        threshold=reading.small_number_threshold,
    )
    return _Asked(team_id, team, definition, reading.request, first, last, below)


async def _compute_team_chart(session: AsyncSession, asked: _Asked) -> TeamChart:
    definition, first, last = asked.definition, asked.first, asked.last
    chosen, points = await series_of(
        session,
        team_id=asked.team_id,
        definition=definition,
        first=first,
        last=last,
        period=asked.request.period,
    )
    notes = await store.notes(session, team_id=asked.team_id, measure_key=definition.key)
    options = chart_options(
        asked.request,
        definition,
        period=chosen,
        target=asked.team.target,
        annotations=annotations_by_period(notes, chosen, first, last),
        suppress_below=asked.suppress_below,
    )
    return TeamChart(
        team_id=asked.team_id,
        team_name=asked.team.team_name,
        definition=definition,
        period=chosen,
        first=first,
        last=last,
        chart=computed(chart_series(with_gaps(points, chosen), definition), options),
    )


async def team_chart(
    session: AsyncSession, *, reading: ChartReading, team_id: uuid.UUID, measure_key: str
) -> TeamChart:
    """A team's chart of a measure: its series (read as ``series`` reads it), the cohort's
    target and direction of the measure, and the notes attached to its periods."""
    return await _compute_team_chart(session, await _asked(session, reading, team_id, measure_key))


async def team_chart_json(
    session: AsyncSession,
    *,
    reading: ChartReading,
    team_id: uuid.UUID,
    measure_key: str,
    encode: Callable[[TeamChart], bytes],
) -> bytes:
    """``team_chart`` as its JSON answer (``encode``d), made once per data version (one query
    when it is cached, see ``store.charts.ChartCache``)."""
    asked = await _asked(session, reading, team_id, measure_key)
    key = (
        session.bind,  # the database (tests run several in one process): never another's chart
        team_id,
        measure_key,
        asked.request,
        asked.first,
        asked.last,
        asked.definition.version,
        asked.team.team_name,
        asked.team.target,
        asked.team.data_version,
        asked.suppress_below,
    )

    async def make() -> bytes:
        return encode(await _compute_team_chart(session, asked))

    return await store.TEAM_CHARTS.answer(key, make)


async def team_chart_picture(
    session: AsyncSession,
    *,
    reading: ChartReading,
    team_id: uuid.UUID,
    measure_key: str,
    picture: Picture,
) -> bytes:
    """``team_chart`` drawn as SVG or PNG."""
    answer = await team_chart(session, reading=reading, team_id=team_id, measure_key=measure_key)
    return await draw(
        answer.chart, title=answer.title, unit=answer.definition.unit, picture=picture
    )


async def draw(chart: Chart, *, title: str, unit: str, picture: Picture) -> bytes:
    """The chart drawn as SVG or PNG (off the event loop: drawing takes tens of milliseconds)."""
    return await asyncio.to_thread(render, chart, picture=picture, title=title, unit=unit)


async def annotate(
    session: AsyncSession,
    *,
    user: Principal,
    team_id: uuid.UUID,
    measure_key: str,
    day: date,
    note: str,
    now: datetime,
) -> ChartAnnotation:
    """Attach a note to the period holding ``day`` on a team's charts of a measure."""
    await readable_team_measure(session, user=user, team_id=team_id, measure_key=measure_key)
    annotation = ChartAnnotation(
        id=uuid.uuid4(),
        team_id=team_id,
        measure_key=measure_key,
        day=day,
        note=note,
        created_at=now,
        created_by=user.subject,
    )
    await store.add_annotation(session, annotation)
    await rollup.bump_versions(session, [(team_id, measure_key)])  # its charts are stale now
    return annotation


async def list_annotations(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, measure_key: str
) -> list[ChartAnnotation]:
    await readable_team_measure(session, user=user, team_id=team_id, measure_key=measure_key)
    return await store.annotation_rows(session, team_id=team_id, measure_key=measure_key)
