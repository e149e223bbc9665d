"""Chart pictures (SVG and PNG) drawn with matplotlib's Agg/SVG canvases, no display needed.

Drawn the way an NHS "Making Data Count" chart is read: grey line and common-cause points,
special-cause improvement blue, concern orange, neutral purple; black centre line, grey process
limits, red dashed target. Every element carries an SVG id (`point-<i>`, `centre-<part>`,
`limit-upper-<part>`, `limit-lower-<part>`, `target`, `part-break-<k>`, `annotation-<k>`) so
the picture can be checked by parsing it.
"""

from __future__ import annotations

import io

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from .models import CHART_NAMES, Chart, ChartPoint

matplotlib.use("Agg")

# NHSRplotthedots' ptd_spc_colours() (the Making Data Count palette).
COLOURS = {
    "common_cause": "#a6a6a6",
    "improvement": "#00b0f0",
    "concern": "#e46c0a",
    "neutral": "#490092",
    "value_line": "#a6a6a6",
    "centre": "#000000",
    "limit": "#a6a6a6",
    "target": "#de1b1b",
    "annotation": "#5d5d5d",
}

_VARIATION_LABELS = {
    "common_cause": "Common cause variation",
    "improvement_high": "Special cause improvement (high)",
    "improvement_low": "Special cause improvement (low)",
    "concern_high": "Special cause concern (high)",
    "concern_low": "Special cause concern (low)",
    "neutral_high": "Special cause neutral (high)",
    "neutral_low": "Special cause neutral (low)",
}
_ASSURANCE_LABELS = {
    "consistently_passing": "Consistently passing the target",
    "consistently_failing": "Consistently failing the target",
    "hit_and_miss": "Hit and miss the target",
}


def _point_colour(point: ChartPoint) -> str:
    klass = point.point_class or "common_cause"
    return COLOURS[klass]


def _draw(chart: Chart, title: str | None, width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    points = chart.points
    ys = [p.value for p in points if p.value is not None]

    # The value line, broken at part boundaries so each part reads on its own.
    for part in chart.parts:
        seg = [p for p in points[part.start : part.end + 1] if p.value is not None]
        if seg:
            ax.plot(
                [p.index for p in seg],
                [float(p.value or 0.0) for p in seg],
                color=COLOURS["value_line"],
                linewidth=1.2,
                zorder=2,
                gid=f"value-line-{part.index}",
            )
        span = points[part.start : part.end + 1]
        ax.plot(
            [p.index for p in span],
            [float("nan") if p.centre is None else p.centre for p in span],
            color=COLOURS["centre"],
            linewidth=1.2,
            linestyle="-" if chart.chart_type != "run" else "--",
            zorder=3,
            gid=f"centre-{part.index}",
        )
        if part.limits_shown:
            for name, attr in (("upper", "upper"), ("lower", "lower")):
                limit_points = [p for p in span if getattr(p, attr) is not None]
                ax.plot(
                    [p.index for p in limit_points],
                    [getattr(p, attr) for p in limit_points],
                    color=COLOURS["limit"],
                    linewidth=1.0,
                    linestyle="--",
                    drawstyle="steps-mid",
                    zorder=3,
                    gid=f"limit-{name}-{part.index}",
                )
    for k, part in enumerate(chart.parts[1:], start=1):
        ax.axvline(
            part.start - 0.5,
            color="#404040",
            linewidth=1.0,
            linestyle=":",
            zorder=1,
            gid=f"part-break-{k}",
        )
    if chart.target is not None:
        ax.axhline(
            chart.target, color=COLOURS["target"], linewidth=1.0, linestyle="--", gid="target"
        )

    # One artist per point so each can be found (and counted) in the SVG.
    for p in points:
        if p.value is None:
            continue
        colour = _point_colour(p)
        ax.plot(
            [p.index],
            [p.value],
            marker="o",
            markersize=5.5,
            linestyle="none",
            markerfacecolor="white" if p.excluded else colour,
            markeredgecolor=colour,
            zorder=4,
            gid=f"point-{p.index}",
        )

    top = max(ys) if ys else 1.0
    for k, note in enumerate(chart.annotations):
        if note.index is None:
            continue
        ax.axvline(
            note.index,
            color=COLOURS["annotation"],
            linewidth=0.8,
            linestyle="-.",
            zorder=1,
            gid=f"annotation-{k}",
        )
        ax.annotate(
            note.note,
            xy=(note.index, top),
            xytext=(3, -2),
            textcoords="offset points",
            fontsize=7,
            color=COLOURS["annotation"],
            rotation=90,
            va="top",
            ha="left",
            gid=f"annotation-text-{k}",
        )

    size = len(points)
    step = max(1, -(-size // 12))
    ticks = list(range(0, size, step))
    ax.set_xticks(ticks, [points[i].period for i in ticks], rotation=45, ha="right", fontsize=7)
    ax.set_xlim(-0.5, max(size - 0.5, 0.5))
    if chart.chart_type in ("p", "pp"):
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="y", color="#eeeeee", linewidth=0.6)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)

    heading = title or CHART_NAMES.get(chart.chart_type, chart.chart_type)
    fig.suptitle(heading, fontsize=11, x=0.01, ha="left", fontweight="bold")
    status = []
    if chart.variation:
        status.append(_VARIATION_LABELS[chart.variation])
    if chart.assurance:
        status.append(_ASSURANCE_LABELS[chart.assurance])
    if status:
        klass = (chart.variation or "common_cause").rsplit("_", 1)[0]
        colour = COLOURS.get(klass, COLOURS["common_cause"])
        ax.set_title(" · ".join(status), fontsize=8.5, loc="left", color=colour, gid="status")
    return fig


def _save(fig: Figure, fmt: str, dpi: int) -> bytes:
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "enjoying-work", "svg.fonttype": "none"}):
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()


def render_svg(
    chart: Chart, *, title: str | None = None, width: float = 9.0, height: float = 4.5
) -> bytes:
    """The chart as an SVG document (image/svg+xml)."""
    return _save(_draw(chart, title, width, height), "svg", 100)


def render_png(
    chart: Chart,
    *,
    title: str | None = None,
    width: float = 9.0,
    height: float = 4.5,
    dpi: int = 100,
) -> bytes:
    """The chart as a PNG image (image/png)."""
    return _save(_draw(chart, title, width, height), "png", dpi)


SVG_MEDIA_TYPE = "image/svg+xml"
PNG_MEDIA_TYPE = "image/png"
