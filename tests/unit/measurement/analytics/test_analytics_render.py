"""Chart pictures a board member can read (issue #22, pictures): checked by parsing the SVG for
the labels, icons, gaps and baseline mark; the PNG is a PNG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date, timedelta

from services.measurement.analytics import (
    PNG_MEDIA_TYPE,
    SVG_MEDIA_TYPE,
    ChartOptions,
    compute_chart,
    render_png,
    render_svg,
)

ALTERNATING = [10.0, 12.0] * 7
START = date(2026, 1, 5)


def _ids(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return [el.get("id", "") for el in root.iter() if el.get("id")]


def _text_of(svg: bytes, element_id: str) -> str:
    """The words inside the element with this id (SVG text kept as text: svg.fonttype none)."""
    root = ET.fromstring(svg)
    found = next(el for el in root.iter() if el.get("id") == element_id)
    return " ".join(" ".join(t.itertext()) for t in found.iter() if t.tag.endswith("text"))


def _points(values: Sequence[float | None]) -> list[dict[str, object]]:
    return [{"period": f"2025-W{k + 1:02d}", "value": v} for k, v in enumerate(values)]


def _weekly(values: Sequence[float | None]) -> list[dict[str, object]]:
    return [
        {"period": (START + timedelta(weeks=k)).isoformat(), "value": v}
        for k, v in enumerate(values)
    ]


def test_svg_has_one_mark_per_point_and_two_limit_lines_per_part() -> None:
    values: list[float | None] = [*ALTERNATING, None, *[v + 10 for v in ALTERNATING], 40.0]
    options = ChartOptions(
        chart_type="xmr",
        direction="increase",
        part_starts=[15],
        target=18,
        annotations={"2025-W03": "started PDSA 2: huddles"},
    )
    chart = compute_chart(_points(values), options)
    svg = render_svg(chart, title="Staff who would recommend the team", unit="score")
    ids = _ids(svg)
    point_ids = [i for i in ids if re.fullmatch(r"point-\d+", i)]
    assert len(point_ids) == sum(v is not None for v in values) == 29
    assert sorted(i for i in ids if i.startswith("limit-")) == [
        "limit-lower-0",
        "limit-lower-1",
        "limit-upper-0",
        "limit-upper-1",
    ]
    assert sorted(i for i in ids if re.fullmatch(r"centre-\d+", i)) == ["centre-0", "centre-1"]
    assert {"part-break-1", "target", "annotation-0", "gap-14"} <= set(ids)
    text = svg.decode()
    assert "started PDSA 2: huddles" in text
    assert "Staff who would recommend the team" in text
    assert "Special cause improvement" in _text_of(svg, "icon-variation")  # 40 > the limit
    assert "Hit and miss" in _text_of(svg, "icon-assurance")
    assert SVG_MEDIA_TYPE == "image/svg+xml"


def test_the_picture_names_its_type_unit_lines_and_dates() -> None:
    # A p chart with a frozen baseline, a missing week, a new part and a target, in percent.
    weeks = 30
    points: list[dict[str, object]] = []
    for k in range(weeks):
        period = (START + timedelta(weeks=k)).isoformat()
        if k == 5:
            points.append({"period": period})  # no data this week: a gap
        else:
            points.append({"period": period, "numerator": 4 + (k >= 20) * 3, "denominator": 10})
    part = (START + timedelta(weeks=20)).isoformat()
    options = ChartOptions(
        chart_type="p", direction="increase", freeze=12, part_starts=[part], target=60,
        percent=True,
    )  # fmt: skip
    chart = compute_chart(points, options)
    svg = render_svg(chart, title="Frequently enjoy work · Ward 7", unit="% of staff responding")
    ids = set(_ids(svg))
    assert _text_of(svg, "y-label") == "% of staff responding"
    assert "p chart" in _text_of(svg, "chart-type")
    assert "Making Data Count" in _text_of(svg, "chart-type")
    # Centre and limits labelled with their values, in percent as the JSON answers them.
    centre = chart.parts[-1].centre
    assert centre is not None and chart.points[-1].value == 70.0
    assert _text_of(svg, "label-centre-1") == f"Mean {centre:.1f}%"
    assert _text_of(svg, "label-upper-1").startswith("Upper limit ")
    assert _text_of(svg, "label-lower-1").endswith("%")
    assert _text_of(svg, "label-centre-0") == "Mean 40.0%"  # the frozen baseline's 4/10
    assert _text_of(svg, "label-target") == "Target 60.0%"
    assert "baseline" in ids and _text_of(svg, "label-baseline") == "Baseline (11 points)"
    assert _text_of(svg, "label-part-1") == f"New limits from {part}"
    assert "gap-5" in ids and "point-5" not in ids
    # The x axis is a date axis: the gap keeps its week (its band sits between its neighbours).
    assert "legend" in ids and "No data" in _text_of(svg, "legend")


def test_icons_are_drawn_as_icons_with_letters() -> None:
    chart = compute_chart(
        _weekly([*ALTERNATING, 40.0]), chart_type="xmr", direction="decrease", target=50
    )
    svg = render_svg(chart)
    # Concern, high (40 is beyond the upper limit and lower is better): H in the ring.
    assert "H" in _text_of(svg, "icon-variation").split()
    assert "Special cause concern" in _text_of(svg, "icon-variation")
    # The target 50 is above the upper limit, lower is better: consistently passing, P.
    assert _text_of(svg, "icon-assurance").split()[0] == "P"
    root = ET.fromstring(svg)
    icon = next(el for el in root.iter() if el.get("id") == "icon-variation")
    assert any(el.tag.endswith("path") for el in icon.iter())  # the ring and the dots


def test_flagged_points_are_coloured_and_shaped_by_class() -> None:
    chart = compute_chart(
        _points([*ALTERNATING, 40.0, 1.0]), chart_type="xmr", direction="increase", freeze=14
    )
    root = ET.fromstring(render_svg(chart))

    def style(point_id: str) -> str:
        group = next(el for el in root.iter() if el.get("id") == point_id)
        return " ".join(el.get("style", "") for el in group.iter())

    assert "#00b0f0" in style("point-14")  # improvement: blue
    assert "#e46c0a" in style("point-15")  # concern: orange
    assert "#7f7f7f" in style("point-0")  # common cause: grey

    # Shapes differ too, so a greyscale print tells them apart: each marker's own path.
    def shape(point_id: str) -> str:
        group = next(el for el in root.iter() if el.get("id") == point_id)
        return next(el.get("d", "") for el in group.iter() if el.tag.endswith("path"))

    assert len({shape("point-14"), shape("point-15"), shape("point-0")}) == 3


def test_excluded_and_withheld_points_and_warnings_are_drawn() -> None:
    points = [
        {"period": (START + timedelta(weeks=k)).isoformat(), "numerator": 4, "denominator": 8,
         "n": 8}
        for k in range(8)
    ]  # fmt: skip
    points[3] = {"period": points[3]["period"], "numerator": 1, "denominator": 2, "n": 2}
    chart = compute_chart(points, chart_type="p", suppress_below=5, exclude=[1], percent=True)
    svg = render_svg(chart)
    ids = set(_ids(svg))
    assert "suppressed-3" in ids and "point-3" not in ids
    assert "excluded-1" in ids and "point-1" not in ids
    assert "Withheld (fewer than 5 responses)" in _text_of(svg, "legend")
    assert "fewer than the 12 recommended" in _text_of(svg, "warning-0")


def test_runs_signal_marks_the_centre_line() -> None:
    # Too few crossings: the centre line carries the signal, not every point.
    chart = compute_chart(_weekly([5, 6, 6, 7, 8, 9, 3, 2, 4, 3, 2, 5]), chart_type="run")
    assert chart.parts[0].runs_signal
    svg = render_svg(chart)
    assert "runs-signal-0" in _ids(svg)
    assert _text_of(svg, "label-centre-0") == "Median 5.00"
    assert not [p for p in chart.points if "anhoj_few_crossings" in p.flags]


def test_run_chart_and_one_point_baselines_have_no_limit_lines() -> None:
    for chart in (
        compute_chart(_points(ALTERNATING), chart_type="run"),
        compute_chart(_points(ALTERNATING[:1]), chart_type="xmr"),
    ):
        ids = _ids(render_svg(chart))
        assert not [i for i in ids if i.startswith("limit-")]
        assert len([i for i in ids if re.fullmatch(r"point-\d+", i)]) == len(chart.points)
        assert "centre-0" in ids


def test_png_renders() -> None:
    chart = compute_chart(
        [{"period": f"w{k:02d}", "numerator": 5 + k % 4, "denominator": 40} for k in range(20)],
        chart_type="p",
        direction="decrease",
    )
    png = render_png(chart, unit="% of contracted days lost")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    assert PNG_MEDIA_TYPE == "image/png"
