"""Series read by the database: each team's period values of a measure over a range of London
dates, from the day sums kept at ingestion (responses) or the stored values (aggregated values).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.measures import MeasureDefinition, mean, net_promoter_score
from services.measurement.models import MeasureValue, ResponseDay
from services.measurement.periods import Period

Points = dict[uuid.UUID, list[dict[str, Any]]]


async def team_points(
    session: AsyncSession,
    *,
    team_ids: Sequence[uuid.UUID],
    definition: MeasureDefinition,
    first: date,
    last: date,
    period: Period,
) -> Points:
    """Each team's period values for [first, last] (London dates), in one grouped query."""
    if definition.takes_responses:
        return await response_points(
            session,
            team_ids=team_ids,
            measure_key=definition.key,
            scoring=definition.scoring,
            first=first,
            last=last,
            period=period,
        )
    return await value_points(
        session,
        team_ids=team_ids,
        measure_key=definition.key,
        first=first,
        last=last,
        mean_of_values=definition.data_kind == "value",
    )


def _teams(column: Any, team_ids: Sequence[uuid.UUID]) -> Any:
    return column == team_ids[0] if len(team_ids) == 1 else column.in_(team_ids)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def response_points(
    session: AsyncSession,
    *,
    team_ids: Sequence[uuid.UUID],
    measure_key: str,
    scoring: str | None,
    first: date,
    last: date,
    period: Period,
) -> Points:
    """Each team's period values of a responses measure for the London dates [first, last]:
    n, mean_raw, mean_metric and net_promoter (or, scored by the top box, the responses in it
    over all responses), as a GROUP BY over the responses would give."""
    out: Points = {team: [] for team in team_ids}
    if not team_ids:
        return out
    table = ResponseDay
    bucket = table.week_start if period == "week" else table.month_start
    rows = await session.execute(
        select(
            table.team_id,
            bucket.label("period_start"),
            func.sum(table.n).label("n"),
            func.sum(table.raw_total).label("raw_total"),
            func.sum(table.metric_total).label("metric_total"),
            func.sum(table.promoters).label("promoters"),
            func.sum(table.detractors).label("detractors"),
            func.sum(table.successes).label("successes"),
        )
        .where(
            _teams(table.team_id, team_ids),
            table.measure_key == measure_key,
            table.day >= first,
            table.day <= last,
        )
        .group_by(table.team_id, bucket)
        .order_by(table.team_id, bucket)
    )
    for row in rows:
        n = int(row.n)
        start = row.period_start
        out[row.team_id].append(
            {
                "period_start": _as_date(start),
                "n": n,
                "mean_raw": mean(int(row.raw_total), n),
                "mean_metric": None
                if row.metric_total is None
                else mean(int(row.metric_total), n, scale=100),
                "net_promoter": net_promoter_score(int(row.promoters), int(row.detractors), n)
                if scoring == "net_promoter"
                else None,
                **(
                    {"numerator": Decimal(int(row.successes or 0)), "denominator": Decimal(n)}
                    if scoring == "top_box"
                    else {}
                ),
            }
        )
    return out


async def value_points(
    session: AsyncSession,
    *,
    team_ids: Sequence[uuid.UUID],
    measure_key: str,
    first: date,
    last: date,
    mean_of_values: bool = False,
) -> Points:
    """Each team's period values of an aggregated-values measure for [first, last]: n and the
    sums of numerators, denominators and values (``mean_of_values``: the mean of the values
    posted for the period, for value measures, whose values do not add up)."""
    out: Points = {team: [] for team in team_ids}
    if not team_ids:
        return out
    table = MeasureValue
    rows = await session.execute(
        select(
            table.team_id,
            table.period_start,
            func.count().label("n"),
            func.sum(table.numerator).label("numerator"),
            func.sum(table.denominator).label("denominator"),
            func.sum(table.value).label("value"),
        )
        .where(
            _teams(table.team_id, team_ids),
            table.measure_key == measure_key,
            table.period_start >= first,
            table.period_start <= last,
        )
        .group_by(table.team_id, table.period_start)
        .order_by(table.team_id, table.period_start)
    )
    for row in rows:
        n, value = int(row.n), row.value
        if mean_of_values and value is not None:
            value = Decimal(str(value)) / n
        out[row.team_id].append(
            {
                "period_start": _as_date(row.period_start),
                "n": n,
                "numerator": row.numerator,
                "denominator": row.denominator,
                "value": value,
            }
        )
    return out
