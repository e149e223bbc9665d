"""Stored series points (as the measurement service returns them) become chart input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from services.measurement.analytics import compute_chart
from services.measurement.analytics.adapters import DEFAULT_CHART_TYPE, series_from_points


def test_scores_prefer_the_swemwbs_metric_and_keep_n() -> None:
    points = [
        SimpleNamespace(
            period_start=date(2025, 1, 6), n=4, mean_raw=Decimal("21"), mean_metric=Decimal("19.25")
        ),
        {"period_start": date(2025, 1, 13), "n": 2, "mean_raw": Decimal("22")},
    ]
    series = series_from_points(points, "score")
    assert series.periods == ["2025-01-06", "2025-01-13"]
    assert series.values == [19.25, 22.0]
    assert series.ns == [4.0, 2.0]
    assert compute_chart(series, chart_type=DEFAULT_CHART_TYPE["score"]).chart_type == "xmr"


def test_proportions_and_counts() -> None:
    row = {
        "period_start": date(2025, 2, 1),
        "n": 1,
        "numerator": Decimal("3"),
        "denominator": Decimal("12"),
        "ratio": Decimal("0.25"),
    }
    series = series_from_points([row], "proportion")
    assert (series.numerators, series.denominators, series.values) == ([3.0], [12.0], [None])
    chart = compute_chart(series, chart_type=DEFAULT_CHART_TYPE["proportion"])
    assert chart.points[0].value == 0.25
    counts = series_from_points(
        [{"period_start": date(2025, 2, 1), "value": Decimal("7")}], "count"
    )
    assert counts.values == [7.0]
