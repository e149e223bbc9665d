"""The pure rules of changing an opened cohort's terms and of withdrawal dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.enrolment.rules import (
    CohortFacts,
    CohortStatus,
    InvalidTerms,
    TransitionRefused,
    WithdrawalDateRefused,
    check_terms_change,
    deadline_before_start,
    withdrawal_date,
)

NOW = datetime(2020, 11, 2, 9, 0, tzinfo=UTC)
DEADLINE = datetime(2020, 12, 15, 17, 0, tzinfo=UTC)
START = date(2021, 1, 4)


def _cohort(status: CohortStatus = CohortStatus.OPEN, *, priced: bool = False) -> CohortFacts:
    return CohortFacts(status=status, deadline=DEADLINE, start_date=START, priced=priced)


def test_a_deadline_must_fall_before_the_start_date() -> None:
    assert deadline_before_start(DEADLINE, START)
    assert not deadline_before_start(datetime(2021, 1, 4, 9, tzinfo=UTC), START)
    assert not deadline_before_start(datetime(2021, 2, 1, 9, tzinfo=UTC), START)
    # 23:30 UTC on 3 January is 23:30 in the UK (GMT): still the day before.
    assert deadline_before_start(datetime(2021, 1, 3, 23, 30, tzinfo=UTC), START)


def test_open_cohort_takes_every_change() -> None:
    check_terms_change(
        _cohort(),
        ["minimum_teams", "eoi_deadline", "withdrawal_credit_cutoff", "fee_per_team", "vat_rate"],
        new_deadline=DEADLINE + timedelta(days=7),
        now=NOW,
    )


def test_the_deadline_moves_only_before_it_passed_into_the_future_and_before_the_start() -> None:
    with pytest.raises(TransitionRefused) as passed:
        check_terms_change(
            _cohort(CohortStatus.CLOSED), ["eoi_deadline"], new_deadline=DEADLINE, now=NOW
        )
    assert passed.value.code == "eoi-deadline-passed"
    with pytest.raises(InvalidTerms) as past:
        check_terms_change(
            _cohort(), ["eoi_deadline"], new_deadline=NOW - timedelta(hours=1), now=NOW
        )
    assert past.value.field == "eoi_deadline"
    with pytest.raises(InvalidTerms, match="before the cohort starts on 4 January 2021"):
        check_terms_change(
            _cohort(), ["eoi_deadline"], new_deadline=datetime(2021, 1, 5, tzinfo=UTC), now=NOW
        )


def test_prices_are_fixed_once_priced() -> None:
    for term in ("fee_per_team", "multi_team_discount", "vat_rate"):
        with pytest.raises(TransitionRefused) as refused:
            check_terms_change(_cohort(priced=True), [term], new_deadline=None, now=NOW)
        assert refused.value.code == "cohort-invoiced"
    # The cutoff and the minimum still move.
    check_terms_change(
        _cohort(priced=True),
        ["withdrawal_credit_cutoff", "minimum_teams"],
        new_deadline=None,
        now=NOW,
    )


def test_decided_cohorts() -> None:
    with pytest.raises(TransitionRefused) as confirmed:
        check_terms_change(
            _cohort(CohortStatus.CONFIRMED), ["minimum_teams"], new_deadline=None, now=NOW
        )
    assert confirmed.value.code == "cohort-decided"
    check_terms_change(
        _cohort(CohortStatus.CONFIRMED), ["withdrawal_credit_cutoff"], new_deadline=None, now=NOW
    )
    with pytest.raises(TransitionRefused) as cancelled:
        check_terms_change(
            _cohort(CohortStatus.CANCELLED),
            ["withdrawal_credit_cutoff"],
            new_deadline=None,
            now=NOW,
        )
    assert cancelled.value.code == "cohort-cancelled"


TODAY = date(2021, 3, 10)
CONFIRMED = date(2021, 1, 20)


def _date(chosen: date | None, *, coordinator: bool = True) -> date:
    return withdrawal_date(
        chosen, today=TODAY, earliest=CONFIRMED, since="confirmed", may_backdate=coordinator
    )


def test_withdrawals_take_effect_today_unless_a_coordinator_chooses() -> None:
    assert _date(None, coordinator=False) == TODAY
    assert _date(TODAY, coordinator=False) == TODAY  # today, given explicitly, is no choice
    assert _date(date(2021, 2, 1)) == date(2021, 2, 1)
    assert _date(CONFIRMED) == CONFIRMED  # the day of confirmation itself


def test_only_a_coordinator_backdates() -> None:
    with pytest.raises(WithdrawalDateRefused) as refused:
        _date(date(2021, 2, 1), coordinator=False)
    assert refused.value.forbidden


@pytest.mark.parametrize(
    ("chosen", "says"),
    [
        (TODAY + timedelta(days=1), "future"),
        (CONFIRMED - timedelta(days=1), "confirmed on 20 January 2021"),
    ],
)
def test_never_in_the_future_nor_before_confirmation(chosen: date, says: str) -> None:
    with pytest.raises(WithdrawalDateRefused, match=says) as refused:
        _date(chosen)
    assert not refused.value.forbidden
