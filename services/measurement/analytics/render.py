"""Chart pictures (SVG and PNG) drawn with matplotlib's Agg/SVG canvases, no display needed.

Drawn for a board member to read, in colour or greyscale: the chart type and the measure's unit
named; centre and limits labelled with their values (in percent for proportions, as the JSON);
the target labelled; a frozen baseline shaded and labelled; part breaks labelled with their
dates; notes; missing and withheld periods as gaps on a date axis; the Making Data Count
variation and assurance icons; a warning when the limits rest on a short baseline.

Every element carries an SVG id so the picture can be checked by parsing it: `point-<i>`,
`excluded-<i>`, `gap-<i>`, `suppressed-<i>`, `value-line-<part>`, `centre-<part>`,
`runs-signal-<part>`, `limit-upper-<part>`, `limit-lower-<part>`, `label-centre-<part>`,
`label-upper-<part>`, `label-lower-<part>`, `target`, `label-target`, `baseline`,
`label-baseline`, `part-break-<k>`, `label-part-<k>`, `annotation-<k>`, `annotation-text-<k>`,
`y-label`, `chart-type`, `icon-variation`, `icon-assurance`, `warning-<k>`, `legend`.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from datetime import date
from itertools import pairwise

import matplotlib
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, DateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from .icons import COLOURS, MARKERS, assurance_icon, value_text, variation_icon
from .models import CHART_NAMES, Chart, ChartPart, ChartPoint

matplotlib.use("Agg")

SVG_MEDIA_TYPE = "image/svg+xml"
PNG_MEDIA_TYPE = "image/png"
# A chart's rules, as its subtitle names them.
RULE_NAMES = {
    "making_data_count": "Making Data Count rules",
    "anhoj": "Anhøj runs rules",
    "ihi": "IHI run chart rules",
}


def x_positions(points: Sequence[ChartPoint]) -> tuple[list[float], bool]:
    """Each point's x: its period's date (so a missing period leaves its own space), or its index
    when the periods are not dates."""
    try:
        days = [date.fromisoformat(p.period) for p in points]
    except ValueError:
        return [float(p.index) for p in points], False
    return [float(x) for x in date2num(days)], True  # type: ignore[no-untyped-call]


def step_of(xs: Sequence[float]) -> float:
    """The usual distance between neighbouring periods (a week, a month, or 1 for indices)."""
    steps = sorted(b - a for a, b in pairwise(xs))
    return steps[len(steps) // 2] if steps else 1.0


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def _note(
    ax: Axes,
    text: str,
    xy: tuple[float, float | None],
    offset: tuple[float, float],
    gid: str,
    **style: object,
) -> None:
    """A label placed ``offset`` points from ``xy`` (data coordinates unless ``xycoords``)."""
    if xy[1] is None:
        return
    ax.annotate(text, xy=xy, xytext=offset, textcoords="offset points", gid=gid,
                **{"ha": "left", "annotation_clip": False, **style})  # type: ignore[arg-type]  # fmt: skip


def _label_at(ax: Axes, x: float, y: float | None, text: str, gid: str, colour: str) -> None:
    """A line's label in the right margin, level with it."""
    _note(ax, text, (x, y), (4, 0), gid, va="center", fontsize=7, color=colour)


def draw_lines(ax: Axes, chart: Chart, xs: Sequence[float], *, labels: bool) -> None:
    """The value line (broken at gaps and part breaks), centre lines and limits of every part."""
    points = chart.points
    half = step_of(xs) / 2
    for part in chart.parts:
        span = range(part.start, part.end + 1)
        ax.plot(
            [xs[i] for i in span],
            [_nan(points[i].value) for i in span],
            color=COLOURS["value_line"],
            linewidth=1.2,
            zorder=2,
            gid=f"value-line-{part.index}",
        )
        centre_style = "--" if part.runs_signal else "-"
        centre_colour = COLOURS["runs_signal"] if part.runs_signal else COLOURS["centre"]
        ax.plot(
            [xs[part.start] - half, xs[part.end] + half],
            [part.centre, part.centre] if part.centre is not None else [math.nan, math.nan],
            color=centre_colour,
            linewidth=1.3,
            linestyle=centre_style,
            zorder=3,
            gid=f"centre-{part.index}",
        )
        if part.limits_shown:
            for side in ("upper", "lower"):
                ax.plot(
                    [xs[i] for i in span],
                    [_nan(getattr(points[i], side)) for i in span],
                    color=COLOURS["limit"],
                    linewidth=1.0,
                    linestyle=(0, (4, 2)),
                    drawstyle="steps-mid",
                    zorder=3,
                    gid=f"limit-{side}-{part.index}",
                )
        if labels:
            _part_labels(ax, chart, part, xs, half)


def _part_labels(ax: Axes, chart: Chart, part: ChartPart, xs: Sequence[float], half: float) -> None:
    """The part's centre and limits with their values: in the right margin for the last part,
    just above the lines at the part's start for earlier ones (where nothing else is drawn)."""
    percent = chart.percent
    name = "Median" if chart.chart_type == "run" else "Mean"
    latest = part.index == chart.parts[-1].index
    at = chart.points[part.end] if latest else chart.points[part.start]
    texts = [("centre", part.centre, f"{name} {value_text(part.centre, percent)}")]
    if part.limits_shown:
        texts.append(("upper", at.upper, f"Upper limit {value_text(at.upper, percent)}"))
        texts.append(("lower", at.lower, f"Lower limit {value_text(at.lower, percent)}"))
    for side, y, text in texts:
        if y is None:
            continue
        colour = COLOURS["centre"] if side == "centre" else COLOURS["limit"]
        gid = f"label-{side}-{part.index}"
        if latest:
            _label_at(ax, xs[part.end] + half, y, text, gid, colour)
        else:
            _note(ax, text, (xs[part.start] - half, y), (2, 2), gid, va="bottom", fontsize=6.5,
                  color=colour)  # fmt: skip
    if part.runs_signal:
        x = xs[part.end] + half if latest else xs[part.start] - half
        _note(ax, "runs signal", (x, part.centre), (4 if latest else 2, -9),
              f"runs-signal-{part.index}", va="center", fontsize=6.5,
              color=COLOURS["runs_signal"])  # fmt: skip


def draw_points(ax: Axes, chart: Chart, xs: Sequence[float], *, size: float = 5.5) -> None:
    """One artist per point (so each can be found in the SVG), shaped and coloured by class."""
    for p in chart.points:
        if p.value is None:
            continue
        klass = p.point_class or "common_cause"
        colour = COLOURS[klass]
        ax.plot(
            [xs[p.index]],
            [p.value],
            marker=MARKERS[klass],
            markersize=size,
            linestyle="none",
            markerfacecolor="white" if p.excluded else colour,
            markeredgecolor=colour,
            markeredgewidth=1.3,
            zorder=4,
            gid=f"excluded-{p.index}" if p.excluded else f"point-{p.index}",
        )


def draw_gaps(ax: Axes, chart: Chart, xs: Sequence[float]) -> None:
    """Missing periods as hatched bands, withheld ones as denser bands: the axis keeps their
    place."""
    half = step_of(xs) / 2
    for p in chart.points:
        if p.missing or p.suppressed:
            ax.axvspan(
                xs[p.index] - half,
                xs[p.index] + half,
                facecolor="none",
                edgecolor=COLOURS["gap"],
                hatch="xxx" if p.suppressed else "///",
                linewidth=0,
                zorder=1,
                gid=f"suppressed-{p.index}" if p.suppressed else f"gap-{p.index}",
            )


def _top_label(ax: Axes, x: float, text: str, gid: str) -> None:
    """A label just above the plot, starting at ``x``."""
    _note(ax, text, (x, 1.0), (2, 1), gid, xycoords=("data", "axes fraction"), va="bottom",
          fontsize=7, color="#404040")  # fmt: skip


def draw_baseline(ax: Axes, chart: Chart, xs: Sequence[float], *, labels: bool) -> None:
    """A frozen baseline shaded (and labelled with its length)."""
    if not chart.parts or not chart.parts[0].frozen:
        return
    part = chart.parts[0]
    last = max((p.index for p in chart.points if p.part == 0 and p.baseline), default=part.start)
    half = step_of(xs) / 2
    ax.axvspan(
        xs[part.start] - half,
        xs[last] + half,
        facecolor=COLOURS["baseline"],
        alpha=0.45,
        linewidth=0,
        zorder=0,
        gid="baseline",
    )
    if labels:
        _top_label(
            ax, xs[part.start] - half, f"Baseline ({part.baseline_points} points)", "label-baseline"
        )


def _breaks(ax: Axes, chart: Chart, xs: Sequence[float]) -> None:
    half = step_of(xs) / 2
    for k, part in enumerate(chart.parts[1:], start=1):
        x = xs[part.start] - half
        ax.axvline(
            x, color="#404040", linewidth=1.0, linestyle=":", zorder=1, gid=f"part-break-{k}"
        )
        _top_label(ax, x, f"New limits from {part.start_period}", f"label-part-{k}")


def _notes(ax: Axes, chart: Chart, xs: Sequence[float]) -> None:
    values = [p.value for p in chart.points if p.value is not None]
    top = max(values) if values else 1.0
    for k, note in enumerate(chart.annotations):
        if note.index is None:
            continue
        x = xs[note.index]
        ax.axvline(
            x,
            color=COLOURS["annotation"],
            linewidth=0.8,
            linestyle="-.",
            zorder=1,
            gid=f"annotation-{k}",
        )
        ax.annotate(
            note.note,
            xy=(x, top),
            xytext=(3, -2),
            textcoords="offset points",
            fontsize=7,
            color=COLOURS["annotation"],
            rotation=90,
            va="top",
            ha="left",
            gid=f"annotation-text-{k}",
        )


def _target(ax: Axes, chart: Chart, xs: Sequence[float]) -> None:
    if chart.target is None:
        return
    ax.axhline(chart.target, color=COLOURS["target"], linewidth=1.1, linestyle="-.", gid="target")
    _label_at(
        ax,
        xs[-1] + step_of(xs) / 2 if xs else 0.0,
        chart.target,
        f"Target {value_text(chart.target, chart.percent)}",
        "label-target",
        COLOURS["target"],
    )


def format_axes(ax: Axes, chart: Chart, xs: Sequence[float], dated: bool, *, ticks: int) -> None:
    half = step_of(xs) / 2
    if xs:
        ax.set_xlim(xs[0] - half, xs[-1] + half)
    if dated:
        ax.xaxis.set_major_locator(AutoDateLocator(maxticks=ticks))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(DateFormatter("%d %b %Y"))  # type: ignore[no-untyped-call]
        ax.tick_params(axis="x", labelsize=7, labelrotation=45)
    else:
        size = len(chart.points)
        every = max(1, -(-size // ticks))
        chosen = list(range(0, size, every))
        ax.set_xticks(
            [xs[i] for i in chosen],
            [chart.points[i].period for i in chosen],
            rotation=45,
            ha="right",
            fontsize=7,
        )
    if chart.percent:
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=100.0, decimals=0))
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="y", color="#eeeeee", linewidth=0.6)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)


def _legend(ax: Axes, chart: Chart) -> None:
    classes = {p.point_class or "common_cause" for p in chart.points if p.value is not None}
    names = {
        "common_cause": "Common cause",
        "improvement": "Special cause improvement",
        "concern": "Special cause concern",
        "neutral": "Special cause (no direction)",
    }
    handles = [
        Line2D([], [], marker=MARKERS[k], color=COLOURS[k], linestyle="none", label=names[k])
        for k in names
        if k in classes
    ]
    if any(p.excluded for p in chart.points):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                markerfacecolor="white",
                linestyle="none",
                color=COLOURS["common_cause"],
                label="Excluded from the limits",
            )
        )
    if chart.target is not None:
        handles.append(Line2D([], [], color=COLOURS["target"], linestyle="-.", label="Target"))
    if any(p.missing for p in chart.points):
        handles.append(Line2D([], [], color=COLOURS["gap"], linewidth=6, label="No data"))
    if chart.suppressed_periods:
        handles.append(
            Line2D(
                [],
                [],
                color=COLOURS["gap"],
                linewidth=6,
                linestyle=":",
                label=f"Withheld (fewer than {chart.suppress_below} responses)",
            )
        )
    legend = ax.figure.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.01, 0.0),
        ncol=4,
        fontsize=7,
        frameon=False,
    )
    legend.set_gid("legend")


def subtitle(chart: Chart, unit: str | None) -> str:
    """The chart type, its rules and the unit, as the picture names them."""
    parts = [CHART_NAMES.get(chart.chart_type, chart.chart_type), RULE_NAMES[chart.rule_set]]
    if unit:
        parts.append(f"{unit} (%)" if chart.percent and "%" not in unit else unit)
    return " · ".join(parts)


def _draw(chart: Chart, title: str | None, unit: str | None, width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=0.08, right=0.83, top=0.78, bottom=0.3)
    ax = fig.add_subplot()
    xs, dated = x_positions(chart.points)
    draw_baseline(ax, chart, xs, labels=True)
    draw_gaps(ax, chart, xs)
    draw_lines(ax, chart, xs, labels=True)
    _breaks(ax, chart, xs)
    _target(ax, chart, xs)
    draw_points(ax, chart, xs)
    _notes(ax, chart, xs)
    format_axes(ax, chart, xs, dated, ticks=12)
    label = unit or ("%" if chart.percent else None)
    if label:
        ax.set_ylabel(
            f"{label} (%)" if chart.percent and "%" not in label else label,
            fontsize=8,
            gid="y-label",
        )
    heading = textwrap.wrap(title or CHART_NAMES.get(chart.chart_type, chart.chart_type), 62)
    fig.text(
        0.01,
        0.97,
        "\n".join(heading[:2]),
        fontsize=11,
        fontweight="bold",
        va="top",
        ha="left",
        gid="title",
    )
    fig.text(
        0.01,
        0.935 - 0.032 * min(len(heading), 2),
        subtitle(chart, unit),
        fontsize=8.5,
        va="top",
        ha="left",
        color="#404040",
        gid="chart-type",
    )
    for k, warning in enumerate(chart.warnings):
        fig.text(
            0.01,
            0.085 + 0.03 * (len(chart.warnings) - 1 - k),
            f"Provisional limits: {warning}",
            fontsize=7.5,
            va="bottom",
            ha="left",
            color=COLOURS["concern"],
            style="italic",
            gid=f"warning-{k}",
        )
    if chart.variation:
        variation_icon(fig, chart.variation, (0.64, 0.83, 0.07, 0.13))
    if chart.assurance:
        assurance_icon(fig, chart.assurance, (0.83, 0.83, 0.07, 0.13))
    _legend(ax, chart)
    return fig


def save(fig: Figure, fmt: str, dpi: int) -> bytes:
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "enjoying-work", "svg.fonttype": "none"}):
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()


SIZE = (10.0, 5.6)  # inches: a chart's picture


def render(
    chart: Chart, *, picture: str, title: str | None = None, unit: str | None = None,
    dpi: int = 100,
) -> bytes:  # fmt: skip
    """The chart as an SVG document (``picture="svg"``) or a PNG image (``"png"``)."""
    return save(_draw(chart, title, unit, *SIZE), picture, 100 if picture == "svg" else dpi)


def render_svg(chart: Chart, *, title: str | None = None, unit: str | None = None) -> bytes:
    """The chart as an SVG document (image/svg+xml)."""
    return render(chart, picture="svg", title=title, unit=unit)


def render_png(chart: Chart, *, title: str | None = None, unit: str | None = None) -> bytes:
    """The chart as a PNG image (image/png)."""
    return render(chart, picture="png", title=title, unit=unit)
