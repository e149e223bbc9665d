"""A cohort's programme calendar: lead-in months, then coaching months.

The programme runs ``lead_in_months + coaching_months`` calendar months, month 1 being the
calendar month of the cohort's start date (as the sessions service counts them): with a start on
4 January 2021 and 2 + 10 months, the lead-in is January and February, coaching runs from 1 March
to 31 December.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Phase = Literal["not_started", "lead_in", "coaching", "ended"]
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def add_months(day: date, months: int) -> date:
    """The first day of the calendar month ``months`` after ``day``'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str) -> date:
    """``"2021-03"`` → 1 March 2021."""
    if not re.fullmatch(MONTH_PATTERN, text):
        raise ValueError("a month is written YYYY-MM")
    return date(int(text[:4]), int(text[5:]), 1)


def month_label(first_day: date) -> str:
    return f"{first_day.year:04d}-{first_day.month:02d}"


@dataclass(frozen=True)
class Programme:
    start_date: date
    lead_in_months: int
    coaching_months: int

    @property
    def total_months(self) -> int:
        return self.lead_in_months + self.coaching_months

    @property
    def coaching_starts_on(self) -> date:
        return add_months(self.start_date, self.lead_in_months)

    @property
    def ends_on(self) -> date:
        last = add_months(self.start_date, self.total_months - 1)
        return last.replace(day=calendar.monthrange(last.year, last.month)[1])

    @property
    def lead_in_ends_on(self) -> date:
        return self.coaching_starts_on - timedelta(days=1)

    def months(self) -> list[date]:
        """The first day of each programme month, in order."""
        return [add_months(self.start_date, i) for i in range(self.total_months)]

    def month_number(self, day: date) -> int | None:
        """1 for the start month, ..., ``total_months`` for the last; ``None`` outside."""
        number = (day.year - self.start_date.year) * 12 + day.month - self.start_date.month + 1
        return number if 1 <= number <= self.total_months else None

    def phase_on(self, day: date) -> Phase:
        if day < self.start_date:
            return "not_started"
        if day < self.coaching_starts_on:
            return "lead_in"
        if day <= self.ends_on:
            return "coaching"
        return "ended"
