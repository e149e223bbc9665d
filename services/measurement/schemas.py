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
from services.measurement.chart_options import ChartRequest
from services.measurement.charts import TeamChart
from services.measurement.keys import CreatedKey
from services.measurement.measures import DataKind, MeasureDefinition
from services.measurement.periods import Period
from services.measurement.rows import MAX_ROWS, ResponseRow, ValueRow
from services.measurement.series import TeamSeries


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
    label: str = Field(min_length=1, max_length=200)


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
    value: Decimal | None = None  # counts


class SeriesOut(_Out):
    team_id: uuid.UUID
    measure_key: str
    measure_version: int
    data_kind: DataKind
    period: Period
    first: date = Field(serialization_alias="from")
    last: date = Field(serialization_alias="to")
    points: list[SeriesPointOut]

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
        )


class ChartQuery(_In):
    """Query parameters of a chart (team or collaborative, JSON or picture)."""

    first: date | None = Field(default=None, alias="from")  # default: five years before `to`
    last: date | None = Field(default=None, alias="to")  # default: today (London)
    period: Period | None = None  # scores may be charted weekly or monthly
    chart_type: ChartType | None = None  # default by data kind: xmr, p, u, c
    rules: RunRuleSet = "anhoj"  # run charts: Anhøj (qicharts2) or IHI
    n: int = Field(default=6, ge=2, le=50)  # points in a shift or trend (6 NHS, 7 plotthedots)
    # Point indices ("12") or dates (the period holding them): the last baseline point (or the
    # number of baseline points), where new parts start, points shown but not used.
    freeze: str | None = Field(default=None, max_length=20)
    part: list[str] = Field(default_factory=list, max_length=50)
    exclude: list[str] = Field(default_factory=list, max_length=500)
    screen: bool = False  # XmR: screen moving ranges above 3.267 x their mean

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


class TeamChartOut(_ChartOut):
    team_id: uuid.UUID
    team_name: str

    @classmethod
    def of(cls, chart: TeamChart) -> TeamChartOut:
        return cls(
            team_id=chart.team_id, team_name=chart.team_name, chart=chart.chart, **cls._about(chart)
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
            **cls._about(chart),
        )


class AnnotationIn(_In):
    day: date  # a London date; the note shows on the period holding it
    note: str = Field(min_length=1, max_length=500)


class AnnotationOut(_Out):
    id: uuid.UUID
    team_id: uuid.UUID
    measure_key: str
    day: date
    note: str
    created_at: datetime
    created_by: str


class TargetIn(_In):
    target: Decimal | None  # null clears it


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


def _csv_schema(kind: Literal["responses", "values"]) -> dict[str, Any]:
    header = (
        "client_id,team_id,measure,responded_at,item_1,...,item_N"
        if kind == "responses"
        else "client_id,team_id,measure,period,numerator,denominator,value"
    )
    return {"type": "string", "description": f"A header row ({header}), then one row per line."}


def batch_request_body(kind: Literal["responses", "values"]) -> dict[str, Any]:
    """OpenAPI for a raw batch body (read by the service itself, as JSON or CSV)."""
    row = ResponseRow if kind == "responses" else ValueRow
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _batch_schema(row)},
                "text/csv": {"schema": _csv_schema(kind)},
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
