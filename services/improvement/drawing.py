"""The driver diagram drawn as SVG (pure: a document in, SVG text out).

Written with the standard library's ``xml.etree.ElementTree``: it escapes every text, and a driver
diagram is boxes, lines and words, so no drawing package is needed (svgwrite, the usual one, is
no longer maintained; matplotlib is for charts, not diagrams).

Layout: four columns (aim, primary drivers, secondary drivers, change ideas); every change idea
(or a driver without ideas) takes one row, and each box is centred on the rows of what hangs on
it. Long names are wrapped and cut to three lines; the full text is the box's tooltip.
Change ideas are coloured by their outcome.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from typing import Any

SVG_NS = "http://www.w3.org/2000/svg"
COLUMNS = ("Aim", "Primary drivers", "Secondary drivers", "Change ideas")
BOX_WIDTH, BOX_HEIGHT, ROW, GAP, MARGIN, HEADER = 240, 54, 64, 50, 20, 40
LINE_CHARS, MAX_LINES = 34, 3
OUTCOME_FILL: dict[str | None, str] = {
    None: "#ffffff",
    "not_tested": "#ffffff",
    "planned": "#ffffff",
    "testing": "#d6e6f5",
    "adapted": "#fff1c2",
    "adopted": "#d5ecd4",
    "abandoned": "#e8e8e8",
}
FILL = {"aim": "#005eb8", "primary": "#41b6e6", "secondary": "#e8f1f8"}


def _x(column: int) -> int:
    return MARGIN + column * (BOX_WIDTH + GAP)


def _wrap(text: str) -> list[str]:
    lines = textwrap.wrap(text, LINE_CHARS) or [""]
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], lines[MAX_LINES - 1][: LINE_CHARS - 1] + "…"]
    return lines


class _Canvas:
    def __init__(self, rows: int, title: str) -> None:
        height = HEADER + max(rows, 1) * ROW + MARGIN
        width = _x(len(COLUMNS)) - GAP + MARGIN
        self.root = ET.Element(
            "svg",
            {
                "xmlns": SVG_NS,
                "width": str(width),
                "height": str(height),
                "viewBox": f"0 0 {width} {height}",
                "role": "img",
                "font-family": "Arial, sans-serif",
                "font-size": "12",
            },
        )
        ET.SubElement(self.root, "title").text = title
        self.lines = ET.SubElement(self.root, "g", {"class": "links", "stroke": "#768692"})
        self.boxes = ET.SubElement(self.root, "g", {"class": "nodes"})
        for column, title in enumerate(COLUMNS):
            heading = ET.SubElement(
                self.root,
                "text",
                {"x": str(_x(column)), "y": str(MARGIN + 8), "font-weight": "bold"},
            )
            heading.text = title

    def box(
        self, column: int, middle: float, text: str, kind: str, fill: str, node_id: str
    ) -> None:
        top = middle - BOX_HEIGHT / 2
        group = ET.SubElement(self.boxes, "g", {"class": f"node {kind}", "data-id": node_id})
        ET.SubElement(group, "title").text = text
        ET.SubElement(
            group,
            "rect",
            {
                "x": str(_x(column)),
                "y": f"{top:g}",
                "width": str(BOX_WIDTH),
                "height": str(BOX_HEIGHT),
                "rx": "6",
                "fill": fill,
                "stroke": "#425563",
            },
        )
        lines = _wrap(text)
        label = ET.SubElement(
            group,
            "text",
            {"fill": "#ffffff" if kind == "aim" else "#212b32"},
        )
        first = middle - (len(lines) - 1) * 7 + 4
        for index, line in enumerate(lines):
            span = ET.SubElement(
                label, "tspan", {"x": str(_x(column) + 8), "y": f"{first + index * 14:g}"}
            )
            span.text = line

    def link(self, from_column: int, from_middle: float, to_column: int, to_middle: float) -> None:
        start = _x(from_column) + BOX_WIDTH
        end = _x(to_column)
        bend = (start + end) / 2 if to_column == from_column + 1 else end - GAP / 2
        ET.SubElement(
            self.lines,
            "path",
            {
                "d": f"M{start} {from_middle:g} H{bend:g} V{to_middle:g} H{end}",
                "fill": "none",
            },
        )


def _middle(first_row: int, rows: int) -> float:
    return HEADER + (first_row + rows / 2) * ROW


def _rows(driver: dict[str, Any]) -> int:
    own = len(driver["change_ideas"])
    below = sum(max(len(s["change_ideas"]), 1) for s in driver.get("secondary_drivers", []))
    return max(own + below, 1)


def draw(document: dict[str, Any], *, title: str) -> str:
    """The SVG of a diagram document (see ``rules.diagram.document``)."""
    primaries = document["primary_drivers"]
    total = sum(_rows(p) for p in primaries)
    canvas = _Canvas(total, title)
    aim_middle = _middle(0, max(total, 1))
    canvas.box(0, aim_middle, document["aim"], "aim", FILL["aim"], "aim")
    row = 0
    for primary in primaries:
        rows = _rows(primary)
        middle = _middle(row, rows)
        canvas.link(0, aim_middle, 1, middle)
        canvas.box(1, middle, primary["name"], "primary", FILL["primary"], primary["id"])
        for secondary in primary["secondary_drivers"]:
            own_rows = max(len(secondary["change_ideas"]), 1)
            secondary_middle = _middle(row, own_rows)
            canvas.link(1, middle, 2, secondary_middle)
            canvas.box(
                2,
                secondary_middle,
                secondary["name"],
                "secondary",
                FILL["secondary"],
                secondary["id"],
            )
            row = _ideas(canvas, secondary, 2, secondary_middle, row)
            row += 0 if secondary["change_ideas"] else 1
        row = _ideas(canvas, primary, 1, middle, row)
        if rows == 1 and not primary["secondary_drivers"] and not primary["change_ideas"]:
            row += 1
    return ET.tostring(canvas.root, encoding="unicode")


def _ideas(canvas: _Canvas, driver: dict[str, Any], column: int, middle: float, row: int) -> int:
    for idea in driver["change_ideas"]:
        idea_middle = _middle(row, 1)
        canvas.link(column, middle, 3, idea_middle)
        fill = OUTCOME_FILL.get(idea.get("outcome"), OUTCOME_FILL[None])
        canvas.box(3, idea_middle, idea["name"], "change-idea", fill, idea["id"])
        row += 1
    return row
