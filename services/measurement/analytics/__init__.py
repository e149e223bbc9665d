"""QI analytics: run charts, SPC charts, signal rules, the collaborative aggregate and pictures.

Pure computation, no database, HTTP or bus: the measurement service's chart API and its signal
recording call these functions.

- `compute_chart(points, ChartOptions(chart_type="xmr", direction="increase", ...))` -> `Chart`
  (points are `ChartPointInput`s, dicts, or a column `Series`; periods are ISO labels or dates;
  a period without a value is a gap). Options that cannot apply to the series raise
  `ChartOptionError` naming the parameter.
- `aggregate_chart({team: points, ...}, ChartOptions(...))` -> `CollaborativeChart` (pooled
  chart + summary: centre change between the first and last part, team counts, team rows).
- `new_signals(previous_keys, chart)` -> the signals to record as `measurement.signal.detected`
  (improvement/concern by default); store `fired_keys(chart)` afterwards. A key is
  rule|class|first period, so re-posting data or a run growing by a point records nothing.
- `render(chart, picture="svg"|"png")`, `render_svg(chart)` / `render_png(chart)` -> bytes (`SVG_MEDIA_TYPE`, `PNG_MEDIA_TYPE`).
"""

from .aggregate import aggregate_chart, fired_keys, new_signals, pool_series, team_options
from .checks import ChartOptionError, check_options
from .engine import Series, analyse, chart_from_analysis, compute_chart, signal_key
from .models import (
    Chart,
    ChartOptions,
    ChartPart,
    ChartPoint,
    ChartPointInput,
    CollaborativeChart,
    CollaborativeSummary,
    Signal,
    TeamRow,
)
from .render import PNG_MEDIA_TYPE, SVG_MEDIA_TYPE, render, render_png, render_svg

__all__ = [
    "PNG_MEDIA_TYPE",
    "SVG_MEDIA_TYPE",
    "Chart",
    "ChartOptionError",
    "ChartOptions",
    "ChartPart",
    "ChartPoint",
    "ChartPointInput",
    "CollaborativeChart",
    "CollaborativeSummary",
    "Series",
    "Signal",
    "TeamRow",
    "aggregate_chart",
    "analyse",
    "chart_from_analysis",
    "check_options",
    "compute_chart",
    "fired_keys",
    "new_signals",
    "pool_series",
    "render",
    "render_png",
    "render_svg",
    "signal_key",
    "team_options",
]
