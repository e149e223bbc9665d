"""Every team's chart of a measure as small multiples on one page (SVG or PNG), for the
collaborative's report: each panel the team's values, centre line, limits, frozen baseline and
gaps, points shaped and coloured by class, headed by the team's name and its verdict.

SVG ids: `team-<k>` (a panel, in the order given), inside it the ids of `render` (`point-<i>`,
`centre-<part>`, `limit-upper-<part>`, `gap-<i>`, `baseline`...), and `verdict-<k>`.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from .models import Chart
from .render import draw_baseline, draw_gaps, draw_lines, draw_points, save, x_positions

COLUMNS = 6


@dataclass(frozen=True)
class Panel:
    """One team's panel: its name, its chart (None: too little data to chart) and its verdict."""

    title: str
    chart: Chart | None
    verdict: str


def _figure(panels: Sequence[Panel], title: str, unit: str | None) -> Figure:
    columns = min(COLUMNS, max(len(panels), 1))
    rows = max(1, math.ceil(len(panels) / columns))
    height = 1.9 * rows + 1.0  # inches: 0.6 above the panels, 0.4 below
    fig = Figure(figsize=(2.3 * columns + 0.6, height))
    fig.subplots_adjust(left=0.05, right=0.99, top=1 - 0.75 / height, bottom=0.4 / height,
                        hspace=0.9, wspace=0.3)  # fmt: skip
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    if unit:
        fig.text(0.01, 0.005, f"Values: {unit}", fontsize=7, color="#404040")
    for k, panel in enumerate(panels):
        ax = fig.add_subplot(rows, columns, k + 1)
        ax.set_gid(f"team-{k}")
        ax.set_title(panel.title, fontsize=7, loc="left", pad=16)
        verdict = "\n".join(textwrap.wrap(panel.verdict, 42)[:2])
        ax.text(0.0, 1.02, verdict, transform=ax.transAxes, fontsize=6, va="bottom",
                ha="left", color="#404040", gid=f"verdict-{k}")  # fmt: skip
        ax.tick_params(labelsize=5, length=2)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
        chart = panel.chart
        if chart is None or not chart.points:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.text(0.5, 0.5, "too little data", transform=ax.transAxes, fontsize=6,
                    ha="center", va="center", color="#7f7f7f")  # fmt: skip
            continue
        xs, _ = x_positions(chart.points)
        draw_baseline(ax, chart, xs, labels=False)
        draw_gaps(ax, chart, xs)
        draw_lines(ax, chart, xs, labels=False)
        draw_points(ax, chart, xs, size=2.5)
        ax.set_xticks([xs[0], xs[-1]], [chart.points[0].period, chart.points[-1].period])
        if chart.percent:
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=100.0, decimals=0))
        ax.grid(axis="y", color="#eeeeee", linewidth=0.4)
    return fig


def render_multiples(
    panels: Sequence[Panel], *, title: str, unit: str | None = None, picture: str = "svg"
) -> bytes:
    """The panels on one page, as SVG (image/svg+xml) or PNG (image/png)."""
    fig = _figure(panels, title, unit)
    return save(fig, picture, 100 if picture == "svg" else 110)
