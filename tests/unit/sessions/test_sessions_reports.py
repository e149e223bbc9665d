"""Attendance report totals and CSV that spreadsheets open safely (rules/reports.py)."""

from __future__ import annotations

import csv
import io

from services.sessions.rules.engagement import Engagement
from services.sessions.rules.reports import safe_cell, to_csv, totals


def test_totals_pool_the_teams() -> None:
    found = totals(
        [
            Engagement(held=10, attended=9, missed_learning_sets_in_a_row=0, disengaged=False),
            Engagement(
                held=10,
                attended=3,
                missed_learning_sets_in_a_row=4,
                disengaged=True,
                clinics_held=5,
                clinics_attended=2,
            ),
            Engagement(held=4, attended=4, missed_learning_sets_in_a_row=0, disengaged=False),
        ]
    )
    assert (found.teams, found.teams_disengaged) == (3, 1)
    assert (found.sessions_held, found.sessions_attended) == (24, 16)
    assert found.attendance_rate == round(16 / 24, 3)
    assert (found.clinics_held, found.clinics_attended) == (5, 2)
    assert totals([]).attendance_rate is None


def test_cells_that_would_run_as_formulas_are_text() -> None:
    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    for start in ("+", "-", "@", "\t", "\r"):
        assert safe_cell(f"{start}1") == f"'{start}1"
    assert safe_cell(-3) == -3
    assert safe_cell(None) == ""
    assert safe_cell("Ward 7") == "Ward 7"


def test_csv_has_a_header_and_quotes_what_it_must() -> None:
    text = to_csv(["team", "rate"], [["Ward 7, North", 0.5], ["=cmd", None]])
    assert text.splitlines()[0] == "team,rate"
    assert list(csv.reader(io.StringIO(text))) == [
        ["team", "rate"],
        ["Ward 7, North", "0.5"],
        ["'=cmd", ""],
    ]
