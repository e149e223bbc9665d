"""The collaborative's report as JSON, and its query parameters (also those of the CSV export)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from services.measurement.analytics import Chart, Signal
from services.measurement.analytics.models import Variation
from services.measurement.analytics.report import MeasureSummary
from services.measurement.measures import DataKind
from services.measurement.periods import Period
from services.measurement.report import (
    CohortReport,
    MeasureSection,
    ReportRequest,
    verdict_text,
)
from services.measurement.schemas.fields import option
from shared.fields import UtcDateTime


class ReportQuery(BaseModel):
    """Query parameters of the report, its pictures and the CSV export."""

    model_config = ConfigDict(extra="forbid")

    first: date | None = option(
        "The first London date the report covers (default: as far back as baseline "
        "data is accepted before the cohort's start).",
        "2025-11-03",
        alias="from",
    )
    last: date | None = option(
        "The last London date the report covers (default: today).",
        "2026-12-31",
        alias="to",
    )
    part: list[date] = Field(
        default_factory=list,
        max_length=10,
        description="Where the baseline ends and later parts start (repeat for several; each "
        "date stands for the period holding it). Default: where coaching starts, the cohort's "
        "start plus its lead-in. Team verdicts read the signals in the last part against the "
        "team's baseline (the periods before the first date).",
        examples=[["2026-03-02"]],
    )

    def request(self) -> ReportRequest:
        return ReportRequest(first=self.first, last=self.last, parts=tuple(self.part))


class TeamVerdictOut(BaseModel):
    team_id: uuid.UUID
    team_name: str
    verdict: str
    improvement: bool  # special-cause improvement reaching into the latest part
    concern: bool  # special-cause concern (a sustained deterioration) there
    too_little_data: bool
    reason: str | None
    points: int
    baseline_points: int
    latest_points: int
    variation: Variation | None
    latest_period: str | None
    latest_value: float | None
    signals: list[Signal]


class ComplianceOut(BaseModel):
    """Whether data arrived, for each period a team owed it (read from ``TeamCompliance``)."""

    model_config = ConfigDict(from_attributes=True)

    team_id: uuid.UUID
    team_name: str
    periods: list[date]
    arrived: list[bool]
    submitted: int
    owed: int
    missing: list[date]


class MeasureReportOut(BaseModel):
    measure_key: str
    measure_name: str
    unit: str
    data_kind: DataKind
    period: Period
    breaks: list[date]  # the start of each later part (period starts)
    summary: MeasureSummary  # change from baseline; team counts in the latest part
    chart: Chart  # the aggregate, parts at the breaks
    teams: list[TeamVerdictOut]
    compliance: list[ComplianceOut]

    @classmethod
    def of(cls, report: CohortReport, section: MeasureSection) -> MeasureReportOut:
        definition = section.definition
        return cls(
            measure_key=definition.key,
            measure_name=definition.name,
            unit=definition.unit,
            data_kind=definition.data_kind,
            period=section.period,
            breaks=section.breaks,
            summary=section.report.summary,
            chart=section.report.chart,
            teams=[
                TeamVerdictOut(
                    team_id=uuid.UUID(v.team),
                    team_name=report.team_name(v.team),
                    verdict=verdict_text(v.improvement, v.concern, v.reason),
                    **v.model_dump(exclude={"team"}),
                )
                for v in section.report.verdicts
            ],
            compliance=[ComplianceOut.model_validate(team) for team in section.compliance],
        )


class ReportOut(BaseModel):
    cohort_id: uuid.UUID
    cohort_name: str
    cohort_start: date
    first: date = Field(serialization_alias="from")
    last: date = Field(serialization_alias="to")
    breaks: list[date]
    teams: int
    # Teams with special-cause improvement (concern) in the latest part on at least one measure.
    teams_improved_on_at_least_one_measure: int
    teams_deteriorated_on_at_least_one_measure: int
    improved_teams: list[uuid.UUID]
    deteriorated_teams: list[uuid.UUID]
    suppress_below: int  # the small-number threshold applied (0: none)
    measures: list[MeasureReportOut]
    generated_at: UtcDateTime

    @classmethod
    def of(cls, report: CohortReport) -> ReportOut:
        return cls(
            cohort_id=report.cohort_id,
            cohort_name=report.cohort_name,
            cohort_start=report.cohort_start,
            first=report.first,
            last=report.last,
            breaks=report.breaks,
            teams=len(report.teams),
            teams_improved_on_at_least_one_measure=len(report.improved),
            teams_deteriorated_on_at_least_one_measure=len(report.deteriorated),
            improved_teams=sorted(uuid.UUID(t) for t in report.improved),
            deteriorated_teams=sorted(uuid.UUID(t) for t in report.deteriorated),
            suppress_below=report.suppress_below,
            measures=[MeasureReportOut.of(report, section) for section in report.sections],
            generated_at=report.generated_at,
        )
