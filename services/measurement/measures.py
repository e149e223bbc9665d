"""Measures: their versioned definitions, the default plan seeded for a cohort, and scoring (pure).

A definition is versioned: editing a measure adds a new version and every stored observation keeps
the version it was scored under, so changing a definition never rewrites the data already held.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.measurement.periods import Period

MeasureType = Literal["outcome", "process", "balancing"]
# score = a mean of individual responses; proportion = numerator/denominator; count; rate = count
# per denominator unit.
DataKind = Literal["score", "proportion", "count", "rate"]
Direction = Literal["increase", "decrease", "neutral"]
# How one individual response is scored: SWEMWBS (raw total and Rasch metric), a 0-10 recommend
# question (net promoter), or the plain sum of the items.
Scoring = Literal["swemwbs", "net_promoter", "sum"]

KEY_PATTERN = r"^[a-z][a-z0-9_]{1,62}$"

# The published SWEMWBS raw -> metric (Rasch) conversion table: raw 7..35.
# fmt: off
SWEMWBS_METRIC: dict[int, Decimal] = {
    raw: Decimal(metric)
    for raw, metric in (
        (7, "7.00"), (8, "9.51"), (9, "11.25"), (10, "12.40"), (11, "13.33"), (12, "14.08"),
        (13, "14.75"), (14, "15.32"), (15, "15.84"), (16, "16.36"), (17, "16.88"), (18, "17.43"),
        (19, "17.98"), (20, "18.59"), (21, "19.25"), (22, "19.98"), (23, "20.73"), (24, "21.54"),
        (25, "22.35"), (26, "23.21"), (27, "24.11"), (28, "25.03"), (29, "26.02"), (30, "27.03"),
        (31, "28.13"), (32, "29.31"), (33, "30.70"), (34, "32.55"), (35, "35.00"),
    )
}
# fmt: on


class MeasureSpec(BaseModel):
    """What a coordinator states about a measure (one version of its definition)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    operational_definition: str = Field(min_length=1, max_length=4000)
    type: MeasureType
    data_kind: DataKind
    unit: str = Field(min_length=1, max_length=100)
    period: Period
    direction: Direction
    # Only for score measures: how many items a response has, their range and how they are scored.
    item_count: int | None = Field(default=None, ge=1, le=50)
    # Answers are small whole numbers (stored one byte each).
    item_min: int | None = Field(default=None, ge=0, le=100)
    item_max: int | None = Field(default=None, ge=0, le=100)
    scoring: Scoring | None = None

    @model_validator(mode="after")
    def _items_only_for_scores(self) -> MeasureSpec:
        item_fields = (self.item_count, self.item_min, self.item_max, self.scoring)
        if self.data_kind == "score":
            if any(value is None for value in item_fields):
                raise ValueError("a score measure needs item_count, item_min, item_max, scoring")
            assert self.item_min is not None and self.item_max is not None
            if self.item_min > self.item_max:
                raise ValueError("item_min must not exceed item_max")
            if self.scoring == "swemwbs" and (self.item_count, self.item_min, self.item_max) != (
                7,
                1,
                5,
            ):
                raise ValueError("SWEMWBS scoring needs 7 items scored 1-5")
            if self.scoring == "net_promoter" and (
                self.item_count,
                self.item_min,
                self.item_max,
            ) != (1, 0, 10):
                raise ValueError("net promoter scoring needs one item scored 0-10")
        elif any(value is not None for value in item_fields):
            raise ValueError("items and scoring apply only to score measures")
        return self


class MeasureDefinition(MeasureSpec):
    """One stored version of a measure."""

    version: int = Field(ge=1)

    @property
    def takes_responses(self) -> bool:
        return self.data_kind == "score"


DEFAULT_PLAN: tuple[MeasureSpec, ...] = (
    MeasureSpec(
        key="swemwbs",
        name="Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS)",
        operational_definition=(
            "Each staff member answers the 7 SWEMWBS items anonymously, each scored 1 (none of "
            "the time) to 5 (all of the time). A response's raw score is the sum of its items "
            "(7-35), also reported as the published Rasch metric score. The period value is the "
            "mean over the responses received in the period, with their number."
        ),
        type="outcome",
        data_kind="score",
        unit="score (7-35)",
        period="month",
        direction="increase",
        item_count=7,
        item_min=1,
        item_max=5,
        scoring="swemwbs",
    ),
    MeasureSpec(
        key="recommend_team",
        name="How likely are you to recommend this team as a place to work?",
        operational_definition=(
            "Each staff member answers anonymously on a 0-10 scale. Staff net promoter score for "
            "the period: the percentage answering 9-10 minus the percentage answering 0-6."
        ),
        type="outcome",
        data_kind="score",
        unit="net promoter score (-100 to 100)",
        period="month",
        direction="increase",
        item_count=1,
        item_min=0,
        item_max=10,
        scoring="net_promoter",
    ),
    MeasureSpec(
        key="what_matters_conversations",
        name="'What matters to you' conversations held",
        operational_definition=(
            "The number of 'what matters to you' conversations held with team members in the "
            "week, as recorded by the project team."
        ),
        type="process",
        data_kind="count",
        unit="conversations",
        period="week",
        direction="increase",
    ),
    MeasureSpec(
        key="sickness_absence",
        name="Staff sickness absence",
        operational_definition=(
            "Numerator: contracted working days lost to sickness absence in the month. "
            "Denominator: contracted working days available in the month."
        ),
        type="balancing",
        data_kind="proportion",
        unit="proportion of contracted days lost",
        period="month",
        direction="decrease",
    ),
    MeasureSpec(
        key="staff_turnover",
        name="Staff turnover",
        operational_definition=(
            "Numerator: leavers in the month. Denominator: average headcount in the month "
            "(whole-time equivalents). Reported as leavers per whole-time equivalent."
        ),
        type="balancing",
        data_kind="rate",
        unit="leavers per WTE",
        period="month",
        direction="decrease",
    ),
)


def default_plan() -> list[MeasureDefinition]:
    """Version 1 of every measure in the default plan."""
    return [MeasureDefinition(**spec.model_dump(), version=1) for spec in DEFAULT_PLAN]


def next_version(current: MeasureDefinition | None, spec: MeasureSpec) -> MeasureDefinition | None:
    """The new version a changed spec makes, or None when nothing changed (no new version)."""
    if current is None:
        return MeasureDefinition(**spec.model_dump(), version=1)
    if current.data_kind != spec.data_kind:
        # The stored rows of a measure have one shape; a different kind is a different measure.
        raise ValueError("the data kind of an existing measure cannot change")
    if MeasureSpec(**current.model_dump(exclude={"version"})) == spec:
        return None
    return MeasureDefinition(**spec.model_dump(), version=current.version + 1)


def score_response(definition: MeasureDefinition, items: Sequence[int]) -> tuple[int, int | None]:
    """(raw score, metric score in hundredths or None) of one valid response.

    The metric is kept in integer hundredths so the database sums it exactly.
    """
    raw = sum(items)
    if definition.scoring == "swemwbs":
        return raw, int(SWEMWBS_METRIC[raw] * 100)
    return raw, None


TWO_PLACES = Decimal("0.01")


def mean(total: int | Decimal, n: int, *, scale: int = 1) -> Decimal | None:
    """total / n (total given in 1/scale units) to 2 places, half up; None for no data."""
    if n == 0:
        return None
    return (Decimal(total) / Decimal(scale) / Decimal(n)).quantize(TWO_PLACES, ROUND_HALF_UP)


def net_promoter_score(promoters: int, detractors: int, n: int) -> Decimal | None:
    """% answering 9-10 minus % answering 0-6, to 2 places."""
    if n == 0:
        return None
    return (Decimal(100) * (promoters - detractors) / Decimal(n)).quantize(
        TWO_PLACES, ROUND_HALF_UP
    )


def ratio(numerator: Decimal, denominator: Decimal, places: int = 4) -> Decimal | None:
    if denominator == 0:
        return None
    return (numerator / denominator).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
