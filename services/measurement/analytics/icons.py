"""The Making Data Count icons and the marks a chart reader meets, drawn for print in colour or
greyscale.

The variation icon is a ring in the class's colour around a small run of dots that shows the
pattern (flat for common cause; its last dots high or low for a special cause) with the letter H
or L; the assurance icon is a ring around a dashed target line with P (consistently passing),
F (consistently failing) or ? (hit and miss). The letters and the dots carry the meaning when
the colours are lost (greyscale print); point markers differ in shape by class for the same
reason.
"""

from __future__ import annotations

import textwrap

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle

# NHSRplotthedots' ptd_spc_colours() (the Making Data Count palette).
COLOURS = {
    "common_cause": "#7f7f7f",
    "improvement": "#00b0f0",
    "concern": "#e46c0a",
    "neutral": "#490092",
    "value_line": "#a6a6a6",
    "centre": "#000000",
    "runs_signal": "#d5281b",
    "limit": "#595959",
    "target": "#de1b1b",
    "annotation": "#5d5d5d",
    "baseline": "#d9d9d9",
    "gap": "#bfbfbf",
}
# Marker shapes by class: readable without colour.
MARKERS = {"common_cause": "o", "improvement": "D", "concern": "s", "neutral": "^"}

VARIATION_LABELS = {
    "common_cause": "Common cause variation",
    "improvement_high": "Special cause improvement (high)",
    "improvement_low": "Special cause improvement (low)",
    "concern_high": "Special cause concern (high)",
    "concern_low": "Special cause concern (low)",
    "neutral_high": "Special cause variation (high)",
    "neutral_low": "Special cause variation (low)",
}
ASSURANCE_LABELS = {
    "consistently_passing": "Consistently passing the target",
    "consistently_failing": "Consistently failing the target",
    "hit_and_miss": "Hit and miss the target",
}
_ASSURANCE = {
    "consistently_passing": ("P", "improvement"),
    "consistently_failing": ("F", "concern"),
    "hit_and_miss": ("?", "common_cause"),
}


def _ring(ax: Axes, colour: str) -> None:
    ax.set_xlim(-1.15, 1.15)
    ax.set_ylim(-1.15, 1.15)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.add_patch(Circle((0, 0), 1.0, facecolor="white", edgecolor=colour, linewidth=2.5))


def _label(ax: Axes, text: str, gid: str) -> None:
    """What an icon means, in words beside it (a few short lines)."""
    ax.text(1.3, 0, "\n".join(textwrap.wrap(text, 18)), ha="left", va="center", fontsize=7, gid=gid)


def variation_icon(fig: Figure, variation: str, rect: tuple[float, float, float, float]) -> None:
    """The variation icon (gid ``icon-variation``) with its label beside it."""
    klass, _, side = variation.rpartition("_") if variation != "common_cause" else ("", "", "")
    klass = klass or "common_cause"
    colour = COLOURS[klass]
    ax = fig.add_axes(rect)
    ax.set_gid("icon-variation")
    _ring(ax, colour)
    xs = [-0.6 + 0.2 * k for k in range(7)]
    if variation == "common_cause":
        ys = [0.05, -0.05, 0.08, -0.08, 0.05, -0.03, 0.04]
        dot_colours = [COLOURS["common_cause"]] * 7
    else:
        lift = 0.35 if side == "high" else -0.35
        ys = [0.0, 0.0, 0.0, 0.0, lift, lift, lift]
        dot_colours = [COLOURS["common_cause"]] * 4 + [colour] * 3
    ax.plot(xs, ys, color=COLOURS["value_line"], linewidth=1.0)
    ax.scatter(xs, ys, s=14, c=dot_colours, zorder=3)
    if side:
        letter = "H" if side == "high" else "L"
        ax.text(
            0,
            -0.62 if side == "high" else 0.55,
            letter,
            ha="center",
            va="center",
            fontsize=11,
            fontweight="bold",
            color=colour,
        )
    _label(ax, VARIATION_LABELS[variation], "icon-variation-label")


def assurance_icon(fig: Figure, assurance: str, rect: tuple[float, float, float, float]) -> None:
    """The assurance icon (gid ``icon-assurance``) with its label beside it."""
    letter, klass = _ASSURANCE[assurance]
    colour = COLOURS[klass]
    ax = fig.add_axes(rect)
    ax.set_gid("icon-assurance")
    _ring(ax, colour)
    ax.plot([-0.7, 0.7], [-0.35, -0.35], color=COLOURS["target"], linewidth=1.2, linestyle="--")
    ax.text(0, 0.2, letter, ha="center", va="center", fontsize=15, fontweight="bold", color=colour)
    _label(ax, ASSURANCE_LABELS[assurance], "icon-assurance-label")


def value_text(value: float | None, percent: bool) -> str:
    """A value as a label shows it: three figures or so, in percent for proportions."""
    if value is None:
        return "-"
    size = abs(value)
    text = f"{value:.0f}" if size >= 100 else f"{value:.1f}" if size >= 10 else f"{value:.2f}"
    return f"{text}%" if percent else text
