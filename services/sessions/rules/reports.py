"""Attendance reports: totals over teams, and CSV that spreadsheets open safely.

Pure rules. A team's line is its engagement so far (``rules/engagement.py``). Totals over
several teams (an organisation's, a cohort's) pool them: sessions held and attended are summed
over the teams (team-sessions), so the rate is attended over held across them all, and
``teams_disengaged`` counts the teams whose latest run of missed learning sets reached two.

CSV cells that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or
carriage return: OWASP "CSV injection") are prefixed with an apostrophe; numbers are written as
they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.sessions.rules.engagement import Engagement, attendance_rate

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Totals:
    teams: int
    teams_disengaged: int
    sessions_held: int
    sessions_attended: int
    clinics_held: int
    clinics_attended: int

    @property
    def attendance_rate(self) -> float | None:
        return attendance_rate(self.sessions_attended, self.sessions_held)


def totals(engagements: Iterable[Engagement]) -> Totals:
    found = list(engagements)
    return Totals(
        teams=len(found),
        teams_disengaged=sum(1 for e in found if e.disengaged),
        sessions_held=sum(e.held for e in found),
        sessions_attended=sum(e.attended for e in found),
        clinics_held=sum(e.clinics_held for e in found),
        clinics_attended=sum(e.clinics_attended for e in found),
    )


def safe_cell(value: object) -> object:
    """A cell a spreadsheet shows as text, never runs: text that could start a formula gets an
    apostrophe in front; numbers, booleans and empty cells are left as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """RFC 4180 CSV (CRLF line ends) with a header line."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
