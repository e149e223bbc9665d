"""The field types of the enrolment service's requests and answers: checked text, programme
dates, the programme's names for nations, settings and statuses, and times that always leave the
API with their offset. Shared by the input models beside the use cases and by ``schemas``."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints

from services.enrolment.rules import as_utc

# Stored times are UTC; SQLite hands them back without an offset, so answers always add it.
UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]

Nation = Literal["england", "scotland", "wales", "northern_ireland"]
Setting = Literal["clinical", "non_clinical"]
TeamStatusName = Literal["submitted", "accepted", "declined", "confirmed", "withdrawn", "released"]
CohortStatusName = Literal["open", "closed", "confirmed", "cancelled"]


def _iso_text(pattern: re.Pattern[str], example: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        # ISO 8601 text only: pydantic would otherwise read numbers as Unix timestamps.
        if isinstance(value, int | float) or (isinstance(value, str) and not pattern.match(value)):
            raise ValueError(f"must be ISO 8601, e.g. {example}")
        return value

    return check


_iso_date = _iso_text(re.compile(r"\d{4}-\d{2}-\d{2}\Z"), "2021-01-04")
_iso_datetime = _iso_text(re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"), "2021-01-04T10:00:00")


_D = TypeVar("_D", date, datetime)


def _programme_year(value: _D) -> _D:
    # Far-off years overflow the UK/UTC conversions and month arithmetic (a 500 otherwise).
    if not 2000 <= value.year <= 2100:
        raise ValueError("must fall between the years 2000 and 2100")
    return value


ProgrammeDate = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_programme_year)]
ProgrammeDateTime = Annotated[
    datetime, BeforeValidator(_iso_datetime), AfterValidator(_programme_year)
]


def _strip(value: str) -> str:
    # Lengths are judged on the text as sent (as documented), then surrounding spaces go.
    return value.strip()


def _strip_non_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Text200 = Annotated[
    str, StringConstraints(min_length=1, max_length=200), AfterValidator(_strip_non_blank)
]
Text2000 = Annotated[
    str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_strip_non_blank)
]
# Optional free text (may be empty): reasons, purchase orders, postcodes.
Reason = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_strip)]
PurchaseOrder = Annotated[str, StringConstraints(max_length=100), AfterValidator(_strip)]
Postcode = Annotated[str, StringConstraints(max_length=10), AfterValidator(_strip)]


class RequestModel(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")
