"""The collaborative's report for a cohort (what the programme team publishes): per measure of the
cohort's plan, the aggregate chart with the change of its centre line from the baseline part to
the latest part, every team's chart and verdict (special-cause improvement, special-cause concern,
neither, too little data), the teams that improved and that deteriorated on at least one measure,
and data-submission compliance (for each team and period, whether data arrived).

The baseline ends where coaching starts (the cohort's start plus its lead-in) unless the request
names other breaks. The report is read by the programme team, outside every team: small numbers
are withheld from team charts and from pooled periods resting on too few responses (pooled
figures still count every response).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.aggregate import cohort_series, cohort_threshold
from services.measurement.analytics import render
from services.measurement.analytics.multiples import Panel, render_multiples
from services.measurement.analytics.report import MeasureReport, measure_report, teams_with
from services.measurement.catalogue import CATALOGUE
from services.measurement.chart_options import (
    ChartRequest,
    chart_options,
)
from services.measurement.measures import MeasureDefinition
from services.measurement.models import Cohort
from services.measurement.periods import (
    Period,
    months_before,
    period_start,
    periods_between,
)
from services.measurement.series import check_range
from services.measurement.store import plan as plan_store
from services.measurement.store.charts import CohortTeam, readable_cohort_teams
from shared.auth import Principal
from shared.clock import uk_date
from shared.errors import NotFound

# The report's pictures of a measure: the aggregate chart, or every team's chart on one page.
View = Literal["collaborative", "teams"]
VERDICTS = {
    (True, True): "Improvement and concern",
    (True, False): "Special-cause improvement",
    (False, True): "Special-cause concern",
    (False, False): "Neither",
}


@dataclass(frozen=True)
class ReportRequest:
    """The report's range (London dates; by default from the earliest baseline data accepted to
    today) and the dates where its later parts start (default: where coaching starts)."""

    first: date | None = None
    last: date | None = None
    parts: tuple[date, ...] = ()


@dataclass(frozen=True)
class ReportReading:
    """Who reads the report (the programme team), what they ask for, when, the disclosure
    threshold, and how far before a cohort's start baseline data may go."""

    user: Principal
    request: ReportRequest
    now: datetime
    small_number_threshold: int
    months_before_start: int


@dataclass(frozen=True)
class TeamCompliance:
    """Whether data arrived for each period a team owed it (from the cohort's start to the last
    complete period, and not after the team withdrew)."""

    team_id: uuid.UUID
    team_name: str
    periods: list[date]
    arrived: list[bool]

    @property
    def submitted(self) -> int:
        return sum(self.arrived)

    @property
    def owed(self) -> int:
        return len(self.periods)

    @property
    def missing(self) -> list[date]:
        return [p for p, ok in zip(self.periods, self.arrived, strict=True) if not ok]


@dataclass(frozen=True)
class MeasureSection:
    definition: MeasureDefinition
    period: Period
    breaks: list[date]
    report: MeasureReport
    compliance: list[TeamCompliance]


@dataclass(frozen=True)
class CohortReport:
    cohort_id: uuid.UUID
    cohort_name: str
    cohort_start: date
    first: date
    last: date
    breaks: list[date]
    suppress_below: int
    teams: dict[str, CohortTeam]
    sections: list[MeasureSection]
    generated_at: datetime
    improved: set[str] = field(default_factory=set)
    deteriorated: set[str] = field(default_factory=set)

    def team_name(self, team: str) -> str:
        return self.teams[team].name

    def section(self, measure_key: str) -> MeasureSection:
        for section in self.sections:
            if section.definition.key == measure_key:
                return section
        raise NotFound(f"{measure_key!r} is not on this cohort's plan")


_CATALOGUE_ORDER = {spec.key: k for k, spec in enumerate(CATALOGUE)}


def _catalogue_order(key: str) -> tuple[int, str]:
    """The programme's measures in the catalogue's order (the default plan first), then others."""
    return _CATALOGUE_ORDER.get(key, len(_CATALOGUE_ORDER)), key


def verdict_text(improvement: bool, concern: bool, too_little: str | None) -> str:
    return f"Too little data: {too_little}" if too_little else VERDICTS[(improvement, concern)]


def coaching_start(cohort: Cohort) -> date:
    """Where coaching starts (the baseline's end by default): the cohort's start plus its
    lead-in (the start itself when the lead-in is not known)."""
    return months_before(cohort.start_date, -(cohort.lead_in_months or 0))


def compliance(
    teams: dict[uuid.UUID, CohortTeam],
    arrived: dict[str, list[date]],
    *,
    start: date,
    today: date,
    last: date,
    period: Period,
) -> list[TeamCompliance]:
    """For each team and period it owed data for, whether data arrived."""
    current = period_start(today, period)  # not complete yet: not owed
    owed = [p for p in periods_between(start, min(last, today), period) if p < current]
    rows = []
    for team_id, team in teams.items():
        periods = [p for p in owed if team.withdrawn_on is None or p < team.withdrawn_on]
        held = set(arrived.get(str(team_id), []))
        rows.append(TeamCompliance(team_id, team.name, periods, [p in held for p in periods]))
    return rows


async def cohort_report(
    session: AsyncSession,
    *,
    reading: ReportReading,
    cohort_id: uuid.UUID,
    measure_keys: Sequence[str] | None = None,
) -> CohortReport:
    """The report (of every measure on the cohort's plan, or of ``measure_keys``)."""
    user, request, now = reading.user, reading.request, reading.now
    cohort = await plan_store.cohort(session, cohort_id)
    teams = await readable_cohort_teams(session, principal=user, cohort_id=cohort_id)
    if cohort is None or not teams:
        raise NotFound("no such cohort")
    today = uk_date(now)
    first = request.first or months_before(cohort.start_date, reading.months_before_start)
    last = request.last or today
    check_range(first, last, what="report")
    breaks = sorted(set(request.parts)) or [coaching_start(cohort)]
    planned = await plan_store.plan_keys(session, cohort_id)
    keys = [k for k in planned if measure_keys is None or k in measure_keys]
    definitions = await plan_store.current_definitions(session, keys)
    sections = []
    below = 0
    for key in sorted(definitions, key=_catalogue_order):
        definition = definitions[key]
        period = definition.period
        threshold = cohort_threshold(user, teams, definition, reading.small_number_threshold)
        below = max(below, threshold)
        options = chart_options(
            ChartRequest(),
            definition,
            period=period,
            target=await plan_store.plan_target(session, cohort_id, key),
            suppress_below=threshold,
        )
        held = await cohort_series(
            session, teams=teams, definition=definition, first=first, last=last, period=period
        )
        labels = sorted({period_start(b, period).isoformat() for b in breaks})
        sections.append(
            MeasureSection(
                definition=definition,
                period=period,
                breaks=[date.fromisoformat(label) for label in labels],
                report=measure_report(
                    {team: series for team, (series, _) in held.items()}, options, labels
                ),
                compliance=compliance(
                    teams,
                    {team: days for team, (_, days) in held.items()},
                    start=period_start(cohort.start_date, period),
                    today=today,
                    last=last,
                    period=period,
                ),
            )
        )
    reports = [section.report for section in sections]
    return CohortReport(
        cohort_id=cohort_id,
        cohort_name=cohort.name,
        cohort_start=cohort.start_date,
        first=first,
        last=last,
        breaks=breaks,
        suppress_below=below,
        teams={str(team_id): team for team_id, team in teams.items()},
        sections=sections,
        generated_at=now,
        improved=teams_with(reports, "improvement"),
        deteriorated=teams_with(reports, "concern"),
    )


# --- the report's pictures and document --------------------------------------------------------


def _chart_picture(report: CohortReport, measure_key: str, picture: str) -> bytes:
    section = report.section(measure_key)
    title = f"{section.definition.name} · collaborative report ({len(report.teams)} teams)"
    return render(section.report.chart, picture=picture, title=title, unit=section.definition.unit)


def _multiples_picture(report: CohortReport, measure_key: str, picture: str) -> bytes:
    section = report.section(measure_key)
    panels = [
        Panel(
            title=report.team_name(v.team),
            chart=section.report.team_charts.get(v.team),
            verdict=verdict_text(v.improvement, v.concern, v.reason),
        )
        for v in section.report.verdicts
    ]
    title = f"{section.definition.name} · each team's chart"
    return render_multiples(panels, title=title, unit=section.definition.unit, picture=picture)


async def report_picture(
    session: AsyncSession,
    *,
    reading: ReportReading,
    cohort_id: uuid.UUID,
    measure_key: str,
    view: View,
    picture: str,
) -> bytes:
    """The report's aggregate chart of a measure (``collaborative``), or every team's chart of it
    on one page (``teams``), drawn off the event loop."""
    found = await cohort_report(
        session, reading=reading, cohort_id=cohort_id, measure_keys=[measure_key]
    )
    draw = _multiples_picture if view == "teams" else _chart_picture
    return await asyncio.to_thread(draw, found, measure_key, picture)
