"""Request and response models of the measurement API (request models forbid unknown fields).
Each response is built in one place: from what a use case returns, by ``model_validate`` (its
attributes) or by the model's ``of``.

The batch row models live in ``rows.py`` (they are shared by the JSON and CSV readers).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.measurement.aggregate import CohortChart
from services.measurement.analytics import Chart, CollaborativeSummary
from services.measurement.analytics.models import ChartType, RunRuleSet
from services.measurement.chart_options import RECOMMENDED_BASELINE, ChartRequest
from services.measurement.charts import TeamChart
from services.measurement.keys import CreatedKey
from services.measurement.measures import NO_NUL, DataKind, MeasureDefinition, StoredNumber
from services.measurement.periods import Period
from services.measurement.rows import MAX_ROWS, ResponseRow, ValueRow
from services.measurement.schemas.fields import option
from services.measurement.schemas.report import ReportOut, ReportQuery
from services.measurement.series import TeamSeries

__all__ = ["ReportOut", "ReportQuery"]  # the report's models, from their own module


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class MeasureSaved(_Out):
    measure: MeasureDefinition
    changed: bool  # False when the definition was already exactly this (no new version)


class PlanOut(_Out):
    cohort_id: uuid.UUID
    measures: list[MeasureDefinition]


class ApiKeyCreate(_In):
    organisation_id: uuid.UUID
    label: str = Field(min_length=1, max_length=200, pattern=NO_NUL)


class ApiKeyOut(_Out):
    id: uuid.UUID
    prefix: str
    organisation_id: uuid.UUID
    label: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    # The whole key, shown in this answer only: it cannot be read again.
    secret: str

    @classmethod
    def of(cls, created: CreatedKey) -> ApiKeyCreated:
        return cls(**ApiKeyOut.model_validate(created.key).model_dump(), secret=created.secret)


class BatchOut(_Out):
    batch_id: uuid.UUID
    rows: int
    new_rows: int
    repeated_rows: int


class SeriesPointOut(_Out):
    period_start: date
    n: int  # responses, or aggregated rows, in the period
    mean_raw: Decimal | None = None
    mean_metric: Decimal | None = None  # SWEMWBS metric (Rasch) score
    net_promoter: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    ratio: Decimal | None = None  # numerator / denominator
    value: Decimal | None = None  # counts, period values
    suppressed: bool = False  # withheld: fewer responses than the disclosure threshold


class SeriesOut(_Out):
    team_id: uuid.UUID
    measure_key: str
    measure_version: int
    data_kind: DataKind
    period: Period
    first: date = Field(serialization_alias="from")
    last: date = Field(serialization_alias="to")
    points: list[SeriesPointOut]
    suppression: str | None = None  # why some periods are withheld from this reader

    @classmethod
    def of(cls, series: TeamSeries) -> SeriesOut:
        return cls(
            team_id=series.team_id,
            measure_key=series.definition.key,
            measure_version=series.definition.version,
            data_kind=series.definition.data_kind,
            period=series.period,
            first=series.first,
            last=series.last,
            points=[SeriesPointOut.model_validate(point) for point in series.points],
            suppression=suppression_reason(series.suppress_below)
            if any(point.suppressed for point in series.points)
            else None,
        )


class ChartQuery(_In):
    """Query parameters of a chart (team or collaborative, JSON or picture). A parameter that
    cannot mean anything for the chart asked for is refused (422 naming it), never ignored."""

    first: date | None = option(
        "The first London date the chart covers (default: five years before `to`).",
        "2025-11-03",
        alias="from",
    )
    last: date | None = option(
        "The last London date the chart covers (default: today). A chart shows every "
        "period from its first with data to its last; a period without data is a gap.",
        "2026-10-30",
        alias="to",
    )
    period: Period | None = option(
        "`week` (ISO weeks, Monday to Sunday) or `month`. Measures taken from "
        "responses may be charted either way; others only by the period they are collected "
        "for (the default).",
        "week",
    )
    chart_type: ChartType | None = option(
        "`run`, `xmr` (or `i`), `p`, `pp` (Laney p'), `u`, `up` (Laney u'), `c`. "
        "Default by the measure's data: proportions p, rates u, counts c, scores and values "
        "xmr. A type that does not fit the data is refused.",
        "p",
    )
    rules: RunRuleSet | None = option(
        "Run charts only: `anhoj` (the default: Anhøj rules, as qicharts2) or `ihi` "
        "(shift of 6, trend of 5, too few or too many runs). Refused on control charts, which "
        "use the Making Data Count rules.",
        "ihi",
    )
    n: int | None = option(
        "Control charts only: points in a shift or a trend (default 6, as NHS England's Making "
        "Data Count tools; 7 in NHSRplotthedots). Refused on run charts.",
        7,
        ge=2,
        le=50,
    )
    freeze: str | None = Field(
        default=None,
        max_length=20,
        description="The baseline of the first part, whose centre and limits are extended "
        "over the rest of it: a number of points counted from the first (`12` = the first 12 "
        "points, as qicharts2's freeze) or the date of the last baseline point (the period "
        "holding it). It must end before the first new part (see `part`): freeze shapes the "
        "first part only; every later part computes its own limits from all its points.",
        examples=["12", "2026-03-30"],
    )
    part: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Where new parts start, each with its own centre and limits (repeat the "
        "parameter for several): the 0-based index of the part's first point (`20` = the 21st "
        "point; qicharts2's part) or a date (the period holding it). A part cannot start at "
        "the first point (0) or beyond the last.",
        examples=[["20"], ["2026-06-01"]],
    )
    exclude: list[str] = Field(
        default_factory=list,
        max_length=500,
        description="Points left out of the centre and limits (a known special cause), as 0-based "
        "indices or dates. They are still shown and judged by the rules, as in qicharts2. "
        "Each must be a point on the chart.",
        examples=[["5"], ["2026-02-09"]],
    )
    screen: bool = Field(
        default=False,
        description="XmR and Laney p'/u' charts only: leave moving ranges above 3.267 times "
        "their mean out of the limits (Nelson's screening). Refused on other chart types.",
        examples=[True],
    )
    recommended_baseline: int = Field(
        default=RECOMMENDED_BASELINE,
        ge=2,
        le=100,
        description="Limits are drawn from a baseline of 2 points on (1 point has none); a "
        "part whose baseline is shorter than this many points carries a warning in the answer "
        "and on the picture.",
        examples=[12],
    )

    def request(self) -> ChartRequest:
        return ChartRequest(
            first=self.first,
            last=self.last,
            period=self.period,
            chart_type=self.chart_type,
            rules=self.rules,
            n=self.n,
            freeze=self.freeze,
            parts=tuple(self.part),  # tuples: a request is part of a cached chart's key
            exclude=tuple(self.exclude),
            screen=self.screen,
            recommended_baseline=self.recommended_baseline,
        )


def suppression_reason(below: int) -> str | None:
    """Why periods are withheld from this reader (None when nothing is)."""
    if below <= 0:
        return None
    return (
        f"Outside the team, a period built from fewer than {below} responses is withheld: with "
        "so few answers a value could point at a person (national staff surveys withhold "
        "small groups the same way). Pooled figures still count those responses."
    )


class _ChartOut(_Out):
    measure_key: str
    measure_name: str
    measure_version: int
    data_kind: DataKind
    unit: str
    period: Period
    first: date = Field(serialization_alias="from")
    last: date = Field(serialization_alias="to")
    # Why some periods are withheld from this reader (chart.suppressed_periods lists them).
    suppression: str | None = None
    chart: Chart

    @staticmethod
    def _about(chart: TeamChart | CohortChart) -> dict[str, Any]:
        """The fields every chart answer (team or collaborative) carries about its measure."""
        definition = chart.definition
        return {
            "measure_key": definition.key,
            "measure_name": definition.name,
            "measure_version": definition.version,
            "data_kind": definition.data_kind,
            "unit": definition.unit,
            "period": chart.period,
            "first": chart.first,
            "last": chart.last,
        }

    @staticmethod
    def _suppression(chart: Chart) -> str | None:
        return suppression_reason(chart.suppress_below) if chart.suppressed_periods else None


class TeamChartOut(_ChartOut):
    team_id: uuid.UUID
    team_name: str

    @classmethod
    def of(cls, chart: TeamChart) -> TeamChartOut:
        return cls(
            team_id=chart.team_id,
            team_name=chart.team_name,
            chart=chart.chart,
            suppression=cls._suppression(chart.chart),
            **cls._about(chart),
        )


def team_chart_json(chart: TeamChart) -> bytes:
    """A team chart's JSON answer (the chart cache keeps these bytes)."""
    return TeamChartOut.of(chart).model_dump_json(by_alias=True).encode()


class CohortChartOut(_ChartOut):
    cohort_id: uuid.UUID
    team_names: dict[str, str]  # team id -> name, for the teams in the table
    summary: CollaborativeSummary

    @classmethod
    def of(cls, chart: CohortChart) -> CohortChartOut:
        return cls(
            cohort_id=chart.cohort_id,
            team_names=chart.team_names,
            chart=chart.collaborative.chart,
            summary=chart.collaborative.summary,
            suppression=cls._suppression(chart.collaborative.chart),
            **cls._about(chart),
        )


class AnnotationIn(_In):
    day: date  # a London date; the note shows on the period holding it
    note: str = Field(min_length=1, max_length=500, pattern=NO_NUL)


class AnnotationOut(_Out):
    id: uuid.UUID
    team_id: uuid.UUID
    measure_key: str
    day: date
    note: str
    created_at: datetime
    created_by: str


class TargetIn(_In):
    # In the measure's unit (percent for a proportion); null clears it.
    target: StoredNumber | None = Field(
        description="The cohort's target in the measure's unit: percent (0-100) for a "
        "proportion, within a value measure's bounds; null clears it.",
        examples=["60"],
    )


class TargetOut(_Out):
    cohort_id: uuid.UUID
    measure_key: str
    target: Decimal | None


def _batch_schema(row: type[BaseModel]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["rows"],
        "properties": {
            "rows": {"type": "array", "maxItems": MAX_ROWS, "items": row.model_json_schema()}
        },
    }


def _csv_schema(kind: Literal["responses", "values"], upload: bool) -> dict[str, Any]:
    header = (
        "client_id,team_id,measure,responded_at,item_1,...,item_N"
        if kind == "responses"
        else "client_id,team_id,measure,period,numerator,denominator,value"
    )
    team = (
        " The team_id column may be left out (or blank): every row is for the team in the path."
        if upload
        else ""
    )
    return {
        "type": "string",
        "description": f"A header row ({header}), then one row per line.{team} A failing row "
        "is named by its 0-based index among the data rows, and its column.",
    }


def batch_request_body(
    kind: Literal["responses", "values"], *, upload: bool = False
) -> dict[str, Any]:
    """OpenAPI for a raw batch body (read by the service itself, as JSON or CSV)."""
    row = ResponseRow if kind == "responses" else ValueRow
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _batch_schema(row)},
                "text/csv": {"schema": _csv_schema(kind, upload)},
            },
        },
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
                "description": (
                    "Same key and body replays the first answer; a different body is 422; "
                    "a concurrent request with the key is 409."
                ),
            }
        ],
    }
