"""Chart pictures (acceptance 5, picture half): the SVG parses and holds one mark per point and
the expected limit lines; the PNG is a PNG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from services.measurement.analytics import (
    PNG_MEDIA_TYPE,
    SVG_MEDIA_TYPE,
    ChartOptions,
    compute_chart,
    render_png,
    render_svg,
)

ALTERNATING = [10.0, 12.0] * 7


def _ids(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return [el.get("id", "") for el in root.iter() if el.get("id")]


def _points(values: Sequence[float | None]) -> list[dict[str, object]]:
    return [{"period": f"2025-W{k + 1:02d}", "value": v} for k, v in enumerate(values)]


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
    svg = render_svg(chart, title="Staff who would recommend the team")
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
    assert "part-break-1" in ids and "target" in ids and "annotation-0" in ids
    text = svg.decode()
    assert "started PDSA 2: huddles" in text
    assert "Staff who would recommend the team" in text
    assert "Special cause improvement (high)" in text  # 40 is beyond the upper limit
    assert "Hit and miss the target" in text
    assert SVG_MEDIA_TYPE == "image/svg+xml"


def test_flagged_points_are_coloured_by_class() -> None:
    chart = compute_chart(
        _points([*ALTERNATING, 40.0, 1.0]), chart_type="xmr", direction="increase", freeze=14
    )
    root = ET.fromstring(render_svg(chart))

    def fill(point_id: str) -> str:
        group = next(el for el in root.iter() if el.get("id") == point_id)
        return " ".join(el.get("style", "") for el in group.iter())

    assert "#00b0f0" in fill("point-14")  # improvement: blue
    assert "#e46c0a" in fill("point-15")  # concern: orange
    assert "#a6a6a6" in fill("point-0")  # common cause: grey


def test_run_chart_and_short_series_have_no_limit_lines() -> None:
    for chart in (
        compute_chart(_points(ALTERNATING), chart_type="run"),
        compute_chart(_points(ALTERNATING[:12]), chart_type="xmr"),
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
    png = render_png(chart)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    assert PNG_MEDIA_TYPE == "image/png"
