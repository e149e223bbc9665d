"""Measures: their versioned definitions and scoring (pure). The measures the programme offers,
and the default plan of a new cohort, are in ``catalogue``.

A definition is versioned: editing a measure adds a new version and every stored observation keeps
the version it was scored under, so changing a definition never rewrites the data already held.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.measurement.periods import Period

MeasureType = Literal["outcome", "process", "balancing"]
# score = a mean of individual responses; proportion = numerator/denominator (posted, or counted
# from individual responses: the share answering in the top box); count; rate = count per
# denominator unit; value = a period value computed elsewhere (e.g. mean days to fill a rota gap).
DataKind = Literal["score", "proportion", "count", "rate", "value"]
Direction = Literal["increase", "decrease", "neutral"]
# How one individual response is scored: SWEMWBS (raw total and Rasch metric), a 0-10 recommend
# question (net promoter), the plain sum of the items, or the top box (the answer is counted in
# a proportion's numerator when it lies between top_box_min and top_box_max).
Scoring = Literal["swemwbs", "net_promoter", "sum", "top_box"]

KEY_PATTERN = r"^[a-z][a-z0-9_]{1,62}$"
# What a stored value (Numeric(14, 4)) can hold.
VALUE_LIMIT = Decimal("9999999999.9999")
StoredNumber = Annotated[
    Decimal, Field(ge=-VALUE_LIMIT, le=VALUE_LIMIT, max_digits=14, decimal_places=4)
]
# Text a database can store: PostgreSQL refuses the NUL character in text.
NO_NUL = r"^[^\x00]*$"
AnswerLabel = Annotated[str, Field(min_length=1, max_length=300, pattern=NO_NUL)]

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
_ITEM_FIELDS = ("item_count", "item_min", "item_max", "scoring")


class MeasureSpec(BaseModel):
    """What a coordinator states about a measure (one version of its definition)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    operational_definition: str = Field(min_length=1, max_length=4000, pattern=NO_NUL)
    type: MeasureType
    data_kind: DataKind
    unit: str = Field(min_length=1, max_length=100, pattern=NO_NUL)
    period: Period
    direction: Direction
    # Only for measures taken from individual responses (scores, and proportions scored by the
    # top box): how many items a response has, their range and how they are scored.
    item_count: int | None = Field(default=None, ge=1, le=50)
    # Answers are small whole numbers (stored one byte each).
    item_min: int | None = Field(default=None, ge=0, le=100)
    item_max: int | None = Field(default=None, ge=0, le=100)
    scoring: Scoring | None = None
    # The item as staff are asked it, and each answer's label (item_min first).
    question: str | None = Field(default=None, min_length=1, max_length=1000, pattern=NO_NUL)
    answer_labels: list[AnswerLabel] | None = Field(default=None, min_length=2, max_length=101)
    # Top box: the answers counted in the proportion's numerator (inclusive).
    top_box_min: int | None = Field(default=None, ge=0, le=100)
    top_box_max: int | None = Field(default=None, ge=0, le=100)
    # Value measures: the range a period value may take (a negative minimum allows negatives).
    value_min: StoredNumber | None = None
    value_max: StoredNumber | None = None
    # Where the item's wording and the definition come from.
    source: str | None = Field(default=None, min_length=1, max_length=2000, pattern=NO_NUL)

    @field_validator("answer_labels", mode="before")
    @classmethod
    def _labels_from_json(cls, labels: object) -> object:
        # A JSON column read straight through asyncpg arrives as its text.
        return json.loads(labels) if isinstance(labels, str) else labels

    @property
    def takes_responses(self) -> bool:
        """Whether teams post individual responses (else aggregated period values)."""
        return self.scoring is not None

    @model_validator(mode="after")
    def _fields_fit_the_kind(self) -> MeasureSpec:
        self._check_items()
        if self.data_kind == "value":
            low, high = self.value_min, self.value_max
            if low is not None and high is not None and low > high:
                raise ValueError("value_min must not exceed value_max")
        elif (self.value_min, self.value_max) != (None, None):
            raise ValueError("value_min and value_max apply only to value measures")
        return self

    def _check_items(self) -> None:
        item_fields = tuple(getattr(self, name) for name in _ITEM_FIELDS)
        responses = self.data_kind == "score" or (
            self.data_kind == "proportion" and self.scoring is not None
        )
        if not responses:
            extra = (*item_fields, self.question, self.answer_labels, self.top_box_min)
            if any(value is not None for value in (*extra, self.top_box_max)):
                raise ValueError(
                    "items, questions, answers and scoring apply only to measures taken from "
                    "individual responses (scores, and proportions scored by the top box)"
                )
            return
        if any(value is None for value in item_fields):
            raise ValueError(
                "a measure taken from responses needs item_count, item_min, item_max, scoring"
            )
        assert self.item_min is not None and self.item_max is not None
        if self.item_min > self.item_max:
            raise ValueError("item_min must not exceed item_max")
        answers = self.item_max - self.item_min + 1
        if self.answer_labels is not None and len(self.answer_labels) != answers:
            raise ValueError(f"answer_labels needs one label for each of the {answers} answers")
        self._check_scoring()

    def _check_scoring(self) -> None:
        box = (self.top_box_min, self.top_box_max)
        if (self.data_kind == "proportion") != (self.scoring == "top_box"):
            raise ValueError("top_box scoring is how a proportion is taken from responses")
        if self.scoring == "top_box":
            assert self.item_min is not None and self.item_max is not None
            if self.item_count != 1:
                raise ValueError("top_box scoring needs a single item")
            if None in box or not self.item_min <= box[0] <= box[1] <= self.item_max:  # type: ignore[operator]
                raise ValueError(
                    "top_box scoring needs top_box_min <= top_box_max within the answers"
                )
        elif box != (None, None):
            raise ValueError("top_box_min and top_box_max apply only to top_box scoring")
        if self.scoring == "swemwbs" and (self.item_count, self.item_min, self.item_max) != (
            7,
            1,
            5,
        ):
            raise ValueError("SWEMWBS scoring needs 7 items scored 1-5")
        if self.scoring == "net_promoter" and (self.item_count, self.item_min, self.item_max) != (
            1,
            0,
            10,
        ):
            raise ValueError("net promoter scoring needs one item scored 0-10")

    def in_top_box(self, raw: int) -> bool:
        assert self.top_box_min is not None and self.top_box_max is not None
        return self.top_box_min <= raw <= self.top_box_max


class MeasureDefinition(MeasureSpec):
    """One stored version of a measure."""

    version: int = Field(ge=1)


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
