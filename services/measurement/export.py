"""Every team's period values for a cohort as CSV (one row per team, measure and period with
data), for the programme team's own analysis. Values are as the charts show them (percent for a
proportion); a period withheld under the small-number rule keeps its row, its values empty and
marked suppressed."""

from __future__ import annotations

import csv
import io
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.report import CohortReport, ReportReading, cohort_report

COLUMNS = (
    "team_id",
    "team_name",
    "organisation_id",
    "measure_key",
    "measure_name",
    "unit",
    "period",
    "period_start",
    "n",
    "value",
    "numerator",
    "denominator",
    "suppressed",
)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value).lower() if isinstance(value, bool) else str(value)


def export_rows(report: CohortReport) -> list[tuple[object, ...]]:
    """The report's team series, one row per team, measure and period with data."""
    rows: list[tuple[object, ...]] = []
    for section in report.sections:
        definition = section.definition
        for verdict in section.report.verdicts:
            chart = section.report.team_charts.get(verdict.team)
            if chart is None:
                continue
            team = report.teams[verdict.team]
            for point in chart.points:
                if point.missing:
                    continue
                rows.append(
                    (
                        verdict.team,
                        team.name,
                        team.organisation_id,
                        definition.key,
                        definition.name,
                        "%" if chart.percent else definition.unit,
                        section.period,
                        point.period,
                        None if point.n is None else int(point.n),
                        point.value,
                        point.numerator,
                        point.denominator,
                        point.suppressed,
                    )
                )
    return rows


async def cohort_export(
    session: AsyncSession, *, reading: ReportReading, cohort_id: uuid.UUID
) -> str:
    """The CSV text (a header row, then the rows)."""
    report = await cohort_report(session, reading=reading, cohort_id=cohort_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([_text(cell) for cell in row] for row in export_rows(report))
    return out.getvalue()
