"""Field types every service's requests and answers share.

Request models refuse unknown fields (:class:`RequestModel`). Dates and times must be ISO 8601
text (pydantic would otherwise read numbers as Unix timestamps); programme dates fall between
2000 and 2100 (far-off years overflow the UK/UTC conversions and month arithmetic). A time entered
without an offset is UK wall-clock time (:data:`LondonDateTime`). Text is stripped; required text
must not be blank. Times in answers always carry their offset (:data:`UtcDateTime`), even where
SQLite hands them back without one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints

from shared.clock import LONDON


class RequestModel(BaseModel):
    """A request body: a field the API does not know is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


def _iso_text(pattern: re.Pattern[str], example: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        if isinstance(value, int | float) or (isinstance(value, str) and not pattern.match(value)):
            raise ValueError(f"must be ISO 8601, e.g. {example}")
        return value

    return check


_iso_date = _iso_text(re.compile(r"\d{4}-\d{2}-\d{2}\Z"), "2021-01-04")
_iso_datetime = _iso_text(re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"), "2021-01-04T10:00:00")

_D = TypeVar("_D", date, datetime)


def _programme_year(value: _D) -> _D:
    if not 2000 <= value.year <= 2100:
        raise ValueError("must fall between the years 2000 and 2100")
    return value


def as_utc(value: datetime) -> datetime:
    """An aware UTC time; a naive one is taken to be UTC already (as SQLite returns it)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def in_london(value: datetime) -> datetime:
    """Naive input is UK wall-clock time; aware input keeps its instant."""
    return value.replace(tzinfo=LONDON) if value.tzinfo is None else value


def _as_london(value: datetime) -> datetime:
    return in_london(_programme_year(value)).astimezone(LONDON)


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]
ProgrammeDate = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_programme_year)]
ProgrammeDateTime = Annotated[
    datetime, BeforeValidator(_iso_datetime), AfterValidator(_programme_year)
]
LondonDateTime = Annotated[datetime, BeforeValidator(_iso_datetime), AfterValidator(_as_london)]
UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]


def strip(value: str) -> str:
    # Lengths are judged on the text as sent (as documented), then surrounding spaces go.
    return value.strip()


def _strip_non_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Text100 = Annotated[
    str, StringConstraints(min_length=1, max_length=100), AfterValidator(_strip_non_blank)
]
Text200 = Annotated[
    str, StringConstraints(min_length=1, max_length=200), AfterValidator(_strip_non_blank)
]
Text2000 = Annotated[
    str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_strip_non_blank)
]
# Optional free text (may be empty): reasons, purchase orders, postcodes.
FreeText = Annotated[str, StringConstraints(max_length=2000), AfterValidator(strip)]
