"""From the measurement service's stored series to chart input (duck-typed, no import of it).

A series point carries `period_start`, `n` and, by the measure's data kind, `mean_metric` /
`mean_raw` / `net_promoter` (scores), `numerator` and `denominator` (proportions, rates) or
`value` (counts, and period values computed elsewhere), as Decimals. A point with none of
these (only its `period_start`) is a period without data: a gap.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .analysis import Series
from .models import ChartType, period_label

DEFAULT_CHART_TYPE: dict[str, ChartType] = {
    "score": "xmr",
    "proportion": "p",
    "rate": "u",
    "count": "c",
    "value": "xmr",
}
_SCORE_FIELDS = ("mean_metric", "mean_raw", "net_promoter")


def _float(x: Any) -> float | None:
    return None if x is None else float(x)


def series_from_points(
    points: Iterable[Any], data_kind: str, *, score_field: str | None = None
) -> Series:
    """Chart input from series points (objects or mappings), in the order given.

    Scores use `score_field`, or the first of mean_metric (SWEMWBS metric), mean_raw and
    net_promoter that the point has; their n weights the collaborative mean.
    """
    periods: list[str] = []
    values: list[float | None] = []
    nums: list[float | None] = []
    dens: list[float | None] = []
    ns: list[float | None] = []
    for point in points:
        get = point.get if isinstance(point, dict) else lambda k, p=point: getattr(p, k, None)
        start = get("period_start")
        if start is None:
            raise ValueError("a series point needs its period_start")
        periods.append(period_label(start))
        ns.append(_float(get("n")))
        if data_kind in ("proportion", "rate"):
            nums.append(_float(get("numerator")))
            dens.append(_float(get("denominator")))
            values.append(None)
            continue
        nums.append(None)
        dens.append(None)
        if data_kind == "score":
            fields = (score_field,) if score_field else _SCORE_FIELDS
            value = next((get(f) for f in fields if get(f) is not None), None)
        else:
            value = get("value")
        values.append(_float(value))
    return Series(periods=periods, values=values, numerators=nums, denominators=dens, ns=ns)
