"""A team's series of a measure: its period values over a range of London dates, read by the
database from the day sums kept at ingestion or the stored values. Charts are drawn from it.

Outside the team itself, a period of a measure taken from responses whose value rests on fewer
responses than the disclosure threshold is withheld: its values are null and it is marked
``suppressed`` (its number of responses stays, as the reason)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.measures import MeasureDefinition, ratio
from services.measurement.periods import Period
from services.measurement.store import charts as chart_store
from services.measurement.store import series as store
from services.measurement.store.access import withholds_small_numbers
from shared.auth import Principal
from shared.errors import NotFound, Unprocessable

# The longest range a series (or a chart) covers.
MAX_RANGE = timedelta(days=366 * 5)


@dataclass(frozen=True)
class SeriesPoint:
    period_start: date
    n: int
    mean_raw: Decimal | None = None
    mean_metric: Decimal | None = None
    net_promoter: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    value: Decimal | None = None
    suppressed: bool = False  # withheld: fewer responses than the disclosure threshold

    @property
    def ratio(self) -> Decimal | None:
        if self.numerator is None or self.denominator is None:
            return None
        return ratio(self.numerator, self.denominator)


@dataclass(frozen=True)
class TeamSeries:
    team_id: uuid.UUID
    definition: MeasureDefinition
    period: Period
    first: date
    last: date
    points: list[SeriesPoint]
    suppress_below: int = 0  # the threshold applied to this reader (0: none)


def threshold_for(
    user: Principal, *, organisation_id: uuid.UUID, definition: MeasureDefinition, threshold: int
) -> int:
    """The disclosure threshold for this reader of a team's measure: 0 inside the team, or for a
    measure not taken from responses; else ``threshold``."""
    if not definition.takes_responses or not withholds_small_numbers(user, organisation_id):
        return 0
    return threshold


def withheld(points: list[SeriesPoint], below: int) -> list[SeriesPoint]:
    """The points, those built from fewer than ``below`` responses withheld."""
    if below <= 0:
        return points
    return [SeriesPoint(p.period_start, p.n, suppressed=True) if p.n < below else p for p in points]


async def readable_team_measure(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, measure_key: str
) -> tuple[chart_store.TeamMeasure, MeasureDefinition]:
    """The team (once the caller may read it) and the measure's current definition."""
    found = await chart_store.team_measure(
        session, principal=user, team_id=team_id, measure_key=measure_key
    )
    if found is None:
        # One answer for "no such team" and "not yours": others' team ids are not confirmed.
        raise NotFound("no such team")
    if found.definition is None:
        raise NotFound(f"no measure {measure_key!r}")
    return found, found.definition


def check_range(first: date, last: date, *, what: str) -> None:
    if last < first:
        raise Unprocessable("the range ends before it starts")
    if last - first > MAX_RANGE:
        raise Unprocessable(f"a {what} covers at most five years")


def chosen_period(definition: MeasureDefinition, period: Period | None) -> Period:
    """The period asked for (scores may be read weekly or monthly), else the measure's own."""
    if definition.takes_responses:
        return period or definition.period
    if period is not None and period != definition.period:
        raise Unprocessable(f"{definition.key!r} is collected per {definition.period}")
    return definition.period


async def series(
    session: AsyncSession,
    *,
    user: Principal,
    team_id: uuid.UUID,
    measure_key: str,
    first: date,
    last: date,
    period: Period | None = None,
    small_number_threshold: int = 0,
) -> TeamSeries:
    """The team's period values for [first, last] (London dates), computed by the database;
    small numbers withheld from readers outside the team."""
    team, definition = await readable_team_measure(
        session, user=user, team_id=team_id, measure_key=measure_key
    )
    chosen, points = await series_of(
        session, team_id=team_id, definition=definition, first=first, last=last, period=period
    )
    below = threshold_for(
        user,
        organisation_id=team.organisation_id,
        definition=definition,
        threshold=small_number_threshold,
    )
    return TeamSeries(team_id, definition, chosen, first, last, withheld(points, below), below)


async def series_of(
    session: AsyncSession,
    *,
    team_id: uuid.UUID,
    definition: MeasureDefinition,
    first: date,
    last: date,
    period: Period | None,
) -> tuple[Period, list[SeriesPoint]]:
    check_range(first, last, what="series")
    chosen = chosen_period(definition, period)
    points = await store.team_points(
        session, team_ids=[team_id], definition=definition, first=first, last=last, period=chosen
    )
    return chosen, [_point(point) for point in points[team_id]]


def _point(point: dict[str, Any]) -> SeriesPoint:
    return SeriesPoint(
        period_start=point["period_start"],
        n=point["n"],
        mean_raw=point.get("mean_raw"),
        mean_metric=point.get("mean_metric"),
        net_promoter=point.get("net_promoter"),
        numerator=_decimal(point.get("numerator")),
        denominator=_decimal(point.get("denominator")),
        value=_decimal(point.get("value")),
    )


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.0001"))
