"""How requests are read: unknown fields refused, times entered in Europe/London.

A time without an offset is UK wall-clock time, a time with an offset keeps its instant; either
way it must be ISO 8601 text (pydantic would otherwise read numbers as Unix timestamps).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from shared.clock import LONDON


class Input(BaseModel):
    """A request model: a field the API does not know is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


def in_london(value: datetime) -> datetime:
    """Naive input is UK wall-clock time; aware input is kept as it is."""
    return value.replace(tzinfo=LONDON) if value.tzinfo is None else value


def _as_london(value: datetime) -> datetime:
    """Naive input is UK wall-clock time; aware input keeps its instant."""
    if not 2000 <= value.year <= 2100:
        # Far-off years overflow the UK/UTC conversion (a 500 otherwise).
        raise ValueError("must fall between the years 2000 and 2100")
    return in_london(value).astimezone(LONDON)


def _iso_text(pattern: re.Pattern[str], example: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        if isinstance(value, int | float) or (isinstance(value, str) and not pattern.match(value)):
            raise ValueError(f"must be ISO 8601, e.g. {example}")
        return value

    return check


_iso_datetime = _iso_text(re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"), "2021-01-04T10:00:00")

LondonIn = Annotated[datetime, BeforeValidator(_iso_datetime), AfterValidator(_as_london)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]
