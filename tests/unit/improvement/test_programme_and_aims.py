"""The programme calendar (2 months' lead-in, 10 of coaching, counted in calendar months from
the cohort's start) and the aim statement's sentence."""

from __future__ import annotations

from datetime import date

import pytest

from services.improvement.rules.aims import aim_statement
from services.improvement.rules.programme import Programme, month_label, parse_month

PROGRAMME = Programme(date(2021, 1, 4), 2, 10)


def test_lead_in_then_coaching_in_calendar_months() -> None:
    assert PROGRAMME.total_months == 12
    assert PROGRAMME.coaching_starts_on == date(2021, 3, 1)
    assert PROGRAMME.lead_in_ends_on == date(2021, 2, 28)
    assert PROGRAMME.ends_on == date(2021, 12, 31)
    assert PROGRAMME.months()[0] == date(2021, 1, 1) and PROGRAMME.months()[-1] == date(2021, 12, 1)
    assert [
        PROGRAMME.phase_on(d)
        for d in (date(2021, 1, 3), date(2021, 1, 4), date(2021, 3, 1), date(2022, 1, 1))
    ] == [
        "not_started",
        "lead_in",
        "coaching",
        "ended",
    ]
    assert PROGRAMME.month_number(date(2021, 1, 31)) == 1
    assert PROGRAMME.month_number(date(2021, 12, 1)) == 12
    assert PROGRAMME.month_number(date(2020, 12, 31)) is None
    assert PROGRAMME.month_number(date(2022, 1, 1)) is None


def test_a_programme_across_a_year_end() -> None:
    autumn = Programme(date(2022, 9, 15), 2, 10)
    assert autumn.coaching_starts_on == date(2022, 11, 1)
    assert autumn.ends_on == date(2023, 8, 31)


def test_months_are_written_year_dash_month() -> None:
    assert parse_month("2021-03") == date(2021, 3, 1)
    assert month_label(date(2021, 3, 1)) == "2021-03"
    for bad in ("2021-3", "2021-13", "21-03", "2021-03-01"):
        with pytest.raises(ValueError):
            parse_month(bad)


def test_an_aim_statement_says_what_by_how_much_by_when_and_for_whom() -> None:
    assert (
        aim_statement(
            what="Increase the staff who frequently enjoy work",
            how_much="from 40% to 60%.",
            by_when=date(2021, 12, 31),
            for_whom="nurses and therapists on Ward 7",
        )
        == "Increase the staff who frequently enjoy work from 40% to 60% by 31 December 2021, "
        "for nurses and therapists on Ward 7."
    )
    assert aim_statement(
        what="Cut burnout", how_much="by a third", by_when=date(2021, 9, 1), for_whom=None
    ) == ("Cut burnout by a third by 1 September 2021.")
