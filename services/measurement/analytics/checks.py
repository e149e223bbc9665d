"""A chart's options checked against the chart's own periods (pure).

A parameter that cannot mean anything for this series (a baseline longer than the series, a part
that starts at the first point or beyond the last, a point to exclude that is not on the chart, a
baseline reaching into a later part) is refused with `ChartOptionError` naming the parameter,
instead of being ignored in silence.
"""

from __future__ import annotations

from collections.abc import Sequence

from .models import ChartOptions


class ChartOptionError(ValueError):
    """An option that does not fit the chart; ``parameter`` is the request's name for it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


def index_of_period(periods: Sequence[str], label: str, *, after: bool) -> int:
    """Index of `label`; if absent, the first period beyond it (labels are ISO, so they sort)."""
    for i, p in enumerate(periods):
        if p == label:
            return i + 1 if after else i
    for i, p in enumerate(periods):
        if p > label:
            return i
    return len(periods)


def _span(periods: Sequence[str]) -> str:
    return f"{periods[0]} to {periods[-1]}" if periods else "no periods"


def _first_part_start(periods: Sequence[str], options: ChartOptions) -> int | None:
    starts = [
        item if isinstance(item, int) else index_of_period(periods, item, after=False)
        for item in options.part_starts
    ]
    return min(starts, default=None)


def check_options(periods: Sequence[str], options: ChartOptions) -> None:
    """Raise `ChartOptionError` for the first option that cannot apply to ``periods``."""
    size = len(periods)
    freeze = options.freeze
    if isinstance(freeze, int) and freeze > size:
        raise ChartOptionError(
            "freeze", f"{freeze} baseline points asked for, but the chart has {size} points"
        )
    if isinstance(freeze, str) and (not periods or not periods[0] <= freeze <= periods[-1]):
        raise ChartOptionError(
            "freeze", f"the baseline's last period {freeze} is not on the chart ({_span(periods)})"
        )
    for item in options.part_starts:
        if isinstance(item, int) and not 0 < item < size:
            raise ChartOptionError(
                "part",
                f"a part starts at a point after the first and on the chart (1 to {size - 1}), "
                f"not {item}",
            )
        if isinstance(item, str) and (not periods or not periods[0] < item <= periods[-1]):
            raise ChartOptionError(
                "part",
                f"a part starts at a period after the first on the chart ({_span(periods)}), "
                f"not {item}",
            )
    for item in options.exclude:
        if isinstance(item, int) and not 0 <= item < size:
            raise ChartOptionError("exclude", f"point {item} is not on the chart (0 to {size - 1})")
        if isinstance(item, str) and item not in periods:
            raise ChartOptionError(
                "exclude", f"the chart has no point for {item} ({_span(periods)})"
            )
    first_part = _first_part_start(periods, options)
    if freeze is not None and first_part is not None:
        freeze_end = (
            freeze if isinstance(freeze, int) else index_of_period(periods, freeze, after=True)
        )
        if freeze_end > first_part:
            raise ChartOptionError(
                "freeze",
                "the baseline (freeze) belongs to the first part and must end before the first "
                f"new part starts (point {first_part}, {periods[first_part]})",
            )
