"""Limits and signals against hand-worked examples kept in tests/fixtures/qi (acceptance 1)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.measurement.analytics import Chart, ChartOptions, compute_chart

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "qi"


def _cases() -> list[Any]:
    cases = []
    for path in sorted(FIXTURES.glob("*.json")):
        data = json.loads(path.read_text())
        for case in data["cases"]:
            assert case["working"], f"{path.name}: {case['name']} says where its numbers come from"
            cases.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return cases


def _points(case: dict[str, Any]) -> list[dict[str, Any]]:
    start = date.fromisoformat(case["start"])
    size = len(case.get("values") or case["numerators"])
    points = []
    for k in range(size):
        point: dict[str, Any] = {"period": (start + timedelta(days=7 * k)).isoformat()}
        if "values" in case:
            point["value"] = case["values"][k]
        else:
            point["numerator"] = case["numerators"][k]
            point["denominator"] = case["denominators"][k]
        points.append(point)
    return points


def _close(actual: float | None, expected: float | None, rel: float = 1e-6) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and actual == pytest.approx(expected, rel=rel, abs=1e-7)


@pytest.mark.parametrize("case", _cases())
def test_fixture_case(case: dict[str, Any]) -> None:
    chart: Chart = compute_chart(_points(case), ChartOptions(**case["options"]))
    expected = case["expected"]

    for block in expected["limits"]:
        for i in range(block["from"], block["to"] + 1):
            point = chart.points[i]
            for field in ("centre", "lower", "upper", "lower_2sigma", "upper_2sigma"):
                if field in block:
                    assert _close(getattr(point, field), block[field]), (i, field, point)

    assert chart.limits_shown == expected.get("limits_shown", chart.limits_shown)
    # A shorter baseline than recommended is said in the answer.
    assert bool(chart.warnings) == any(part.short_baseline for part in chart.parts)
    if "mean_moving_range" in expected:
        assert _close(chart.parts[0].mean_moving_range, expected["mean_moving_range"])
    if "sigma_z" in expected:
        assert _close(chart.parts[0].sigma_z, expected["sigma_z"], rel=1e-4)
    for name, value in expected.get("part", {}).items():
        assert getattr(chart.parts[0], name) == value, name

    got = sorted((s.rule, s.signal_class, tuple(s.points)) for s in chart.signals)
    want = sorted((s["rule"], s["class"], tuple(s["points"])) for s in expected["signals"])
    assert got == want

    for index, klass in expected.get("point_classes", {}).items():
        assert chart.points[int(index)].point_class == klass, index
    for index in expected.get("excluded", []):
        # Left out of the centre and limits, still judged by the rules (qicharts2).
        point = chart.points[index]
        assert point.excluded and point.used and not point.baseline
        assert point.value is not None
    assert chart.variation == expected["variation"]
    assert chart.assurance == expected["assurance"]
    # Every signal names its periods and a stable key built from its first period.
    for signal in chart.signals:
        assert signal.periods == [chart.points[i].period for i in signal.points]
        assert signal.key.endswith(signal.periods[0])
