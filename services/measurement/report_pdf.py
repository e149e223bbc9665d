"""The collaborative's report as a PDF the programme team can publish (fpdf2): the headline figures
across measures, then per measure the aggregate chart with the change from baseline, every team's
chart on one page and the teams in each verdict, then data-submission compliance, and how it was
computed. Charts are drawn as in the API (readable in greyscale: shapes, letters and line styles
carry what colour does)."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from matplotlib import font_manager
from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.analytics import render
from services.measurement.analytics.icons import value_text
from services.measurement.analytics.multiples import Panel, render_multiples
from services.measurement.report import (
    CohortReport,
    MeasureSection,
    ReportReading,
    cohort_report,
    verdict_text,
)
from shared.clock import LONDON

WIDTH = 174  # mm of text width on an A4 portrait page with 18 mm margins
BODY = "Body"


def _font(weight: str) -> str:
    """DejaVu Sans, shipped with matplotlib: it writes every character a name or unit may hold."""
    properties = font_manager.FontProperties(family="DejaVu Sans", weight=weight)
    return str(font_manager.findfont(properties))


class _Document(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font(BODY, "", _font("normal"))
        self.add_font(BODY, "B", _font("bold"))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(BODY, "", 7.5)
        self.cell(0, 5, f"{self.footer_text} · page {self.page_no()}", align="C")

    def heading(self, text: str, size: float = 14) -> None:
        self.set_font(BODY, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def para(self, text: str, size: float = 9.5) -> None:
        self.set_font(BODY, "", size)
        self.multi_cell(0, size * 0.48, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def row(self, cells: Sequence[str], widths: Sequence[float], *, bold: bool = False) -> None:
        self.set_font(BODY, "B" if bold else "", 8)
        for text, width in zip(cells, widths, strict=True):
            self.cell(width, 5.5, text, border="B" if bold else 0)
        self.ln(5.5)


def _change(section: MeasureSection) -> str:
    summary, percent = section.report.summary, section.report.chart.percent
    if summary.centre_change_pct is None:
        return "No change from baseline can be read yet (the data does not reach both parts)."
    return (
        f"Centre line {value_text(summary.baseline_centre, percent)} in the baseline part, "
        f"{value_text(summary.latest_centre, percent)} in the latest part: "
        f"{summary.centre_change_pct:+.0f}% from baseline."
    )


def _summary_page(pdf: _Document, report: CohortReport) -> None:
    pdf.add_page()
    pdf.heading("Enjoying Work collaborative report", 16)
    teams = len(report.teams)
    pdf.para(
        f"{report.cohort_name}: {teams} teams, data from {report.first} to {report.last}. The "
        f"baseline ends where coaching starts ({', '.join(map(str, report.breaks))}); a team's "
        "verdict reads the signals in the latest part against its own baseline."
    )
    pdf.para(
        f"Teams with special-cause improvement on at least one measure: "
        f"{len(report.improved)} of {teams}. Teams with special-cause concern (a sustained "
        f"deterioration) on at least one measure: {len(report.deteriorated)} of {teams}.",
        size=10.5,
    )
    widths = (52, 20, 20, 17, 17, 16, 16, 16)
    pdf.row(
        ("Measure", "Baseline", "Latest", "Change", "Improved", "Concern", "Neither", "Too few"),
        widths,
        bold=True,
    )
    for section in report.sections:
        summary, percent = section.report.summary, section.report.chart.percent
        change = summary.centre_change_pct
        pdf.row(
            (
                section.definition.name[:38],
                value_text(summary.baseline_centre, percent),
                value_text(summary.latest_centre, percent),
                "-" if change is None else f"{change:+.0f}%",
                str(summary.teams_with_improvement),
                str(summary.teams_with_concern),
                str(summary.teams_with_neither),
                str(summary.teams_with_too_little_data),
            ),
            widths,
        )
    pdf.ln(3)
    if report.suppress_below:
        pdf.para(
            f"Small numbers: a team's period built from fewer than {report.suppress_below} "
            "responses is withheld from its chart here (a gap marked as withheld), as national "
            "staff surveys withhold small groups; the aggregate still pools those responses.",
            size=8.5,
        )


def _measure_pages(pdf: _Document, report: CohortReport, section: MeasureSection) -> None:
    definition, measure = section.definition, section.report
    pdf.add_page()
    pdf.heading(definition.name)
    pdf.para(definition.operational_definition, size=8)
    chart = render(
        measure.chart, picture="png", title=f"{definition.name} · all teams",
        unit=definition.unit, dpi=110,
    )  # fmt: skip
    pdf.image(io.BytesIO(chart), w=WIDTH)
    pdf.ln(2)
    pdf.para(_change(section), size=10)
    s = measure.summary
    pdf.para(
        f"In the latest part: {s.teams_with_improvement} teams with special-cause improvement, "
        f"{s.teams_with_concern} with special-cause concern (sustained deterioration), "
        f"{s.teams_with_neither} with neither; {s.teams_with_too_little_data} with too little "
        "data.",
    )
    for label, picked in (
        ("Improvement", [v for v in measure.verdicts if v.improvement]),
        ("Concern", [v for v in measure.verdicts if v.concern]),
        ("Too little data", [v for v in measure.verdicts if v.too_little_data]),
    ):
        if picked:
            names = "; ".join(
                report.team_name(v.team) + (f" ({v.reason})" if v.too_little_data else "")
                for v in picked
            )
            pdf.para(f"{label}: {names}.", size=8)
    panels = [
        Panel(
            title=report.team_name(v.team),
            chart=measure.team_charts.get(v.team),
            verdict=verdict_text(v.improvement, v.concern, v.reason),
        )
        for v in measure.verdicts
    ]
    pdf.add_page(orientation="L")
    pdf.heading(f"{definition.name}: every team", 12)
    picture = render_multiples(
        panels, title=f"{definition.name} · each team's chart", unit=definition.unit, picture="png"
    )
    pdf.image(io.BytesIO(picture), w=261, keep_aspect_ratio=True, h=160)


def _compliance_pages(pdf: _Document, report: CohortReport) -> None:
    pdf.add_page()
    pdf.heading("Data submission")
    pdf.para(
        "For each team, the periods since the cohort started for which data arrived, of those "
        "owed (complete periods up to the report's end, none after a team withdrew), and the "
        "latest periods without data, for the programme team to chase.",
        size=8.5,
    )
    widths = (60, 22, 22, 70)
    for section in report.sections:
        pdf.heading(f"{section.definition.name} ({section.period}ly)", 10)
        pdf.row(("Team", "With data", "Owed", "Latest missing"), widths, bold=True)
        for team in section.compliance:
            missing = ", ".join(str(day) for day in team.missing[-4:])
            pdf.row(
                (team.team_name[:40], str(team.submitted), str(team.owed), missing or "-"),
                widths,
            )
        pdf.ln(3)


def report_pdf(report: CohortReport) -> bytes:
    """The whole report as a PDF document."""
    generated = report.generated_at.astimezone(LONDON).strftime("%d %B %Y %H:%M")
    pdf = _Document(f"{report.cohort_name} · generated {generated} (UK time)")
    pdf.set_title(f"Enjoying Work collaborative report: {report.cohort_name}")
    _summary_page(pdf, report)
    for section in report.sections:
        _measure_pages(pdf, report, section)
    _compliance_pages(pdf, report)
    return bytes(pdf.output())


async def cohort_report_pdf(
    session: AsyncSession, *, reading: ReportReading, cohort_id: uuid.UUID
) -> tuple[bytes, str]:
    """The report as a PDF (drawn off the event loop: a few seconds for a whole cohort), and a
    file name for it."""
    found = await cohort_report(session, reading=reading, cohort_id=cohort_id)
    return await asyncio.to_thread(report_pdf, found), f"collaborative-report-{found.last}.pdf"
