"""The pure enrolment rules: UK-time deadlines, viability, the cohort state machine and coach
allocation (the form's rules and ODS codes: test_eoi_rules; terms and withdrawal dates:
test_terms_rules)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.enrolment.allocation import (
    CoachLoad,
    allocate_coaches,
    choose_coach,
    organisation_team_counts,
)
from services.enrolment.rules import (
    CohortStatus,
    Decision,
    NonexistentUkTime,
    TeamFacts,
    TeamStatus,
    TransitionRefused,
    check_close,
    check_decision,
    check_eoi_window,
    check_team_action,
    days_to_deadline,
    deadline_passed,
    effective_status,
    to_uk,
    uk_wall_time_to_utc,
    viability,
)

# ---------------------------------------------------------------------------- UK time


def test_winter_deadline_is_gmt() -> None:
    # 17:00 on 15 December 2020 in the UK is 17:00 UTC (GMT).
    deadline = uk_wall_time_to_utc(datetime(2020, 12, 15, 17, 0))
    assert deadline == datetime(2020, 12, 15, 17, 0, tzinfo=UTC)
    assert to_uk(deadline).hour == 17


def test_summer_deadline_is_bst() -> None:
    # 17:00 on 15 June 2021 in the UK is 16:00 UTC (BST, UTC+1).
    deadline = uk_wall_time_to_utc(datetime(2021, 6, 15, 17, 0))
    assert deadline == datetime(2021, 6, 15, 16, 0, tzinfo=UTC)
    assert to_uk(deadline).replace(tzinfo=None) == datetime(2021, 6, 15, 17, 0)


def test_summer_deadline_compared_in_uk_time() -> None:
    deadline = uk_wall_time_to_utc(datetime(2021, 6, 15, 17, 0))
    # 16:30 UK (15:30 UTC) is in time; 17:00 UK (16:00 UTC) and 17:30 UK (16:30 UTC) are late.
    assert not deadline_passed(deadline, datetime(2021, 6, 15, 15, 30, tzinfo=UTC))
    assert not deadline_passed(deadline, datetime(2021, 6, 15, 15, 59, 59, tzinfo=UTC))
    assert deadline_passed(deadline, datetime(2021, 6, 15, 16, 0, tzinfo=UTC))
    assert deadline_passed(deadline, datetime(2021, 6, 15, 16, 30, tzinfo=UTC))


def test_winter_deadline_compared_in_uk_time() -> None:
    deadline = uk_wall_time_to_utc(datetime(2020, 12, 15, 17, 0))
    assert not deadline_passed(deadline, datetime(2020, 12, 15, 16, 30, tzinfo=UTC))
    assert deadline_passed(deadline, datetime(2020, 12, 15, 17, 0, tzinfo=UTC))


def test_aware_input_is_converted() -> None:
    value = datetime(2021, 6, 15, 17, 0, tzinfo=UTC)
    assert uk_wall_time_to_utc(value) == value
    plus_two = datetime(2021, 6, 15, 19, 0).astimezone(UTC).replace(tzinfo=None)
    assert uk_wall_time_to_utc(plus_two.replace(tzinfo=UTC)) == plus_two.replace(tzinfo=UTC)


def test_skipped_hour_is_refused() -> None:
    # 28 March 2021: the clocks went from 01:00 GMT to 02:00 BST; 01:30 never happened.
    with pytest.raises(NonexistentUkTime):
        uk_wall_time_to_utc(datetime(2021, 3, 28, 1, 30))


def test_repeated_hour_means_first_occurrence() -> None:
    # 31 October 2021: 01:30 happened at 00:30 UTC (BST) and again at 01:30 UTC (GMT).
    assert uk_wall_time_to_utc(datetime(2021, 10, 31, 1, 30)) == datetime(
        2021, 10, 31, 0, 30, tzinfo=UTC
    )


def test_days_to_deadline_counts_uk_calendar_days() -> None:
    deadline = uk_wall_time_to_utc(datetime(2021, 6, 15, 17, 0))
    # 23:30 UTC on 13 June is 00:30 on 14 June in the UK: one day to go, not two.
    assert days_to_deadline(deadline, datetime(2021, 6, 13, 23, 30, tzinfo=UTC)) == 1
    assert days_to_deadline(deadline, datetime(2021, 6, 15, 10, 0, tzinfo=UTC)) == 0
    assert days_to_deadline(deadline, datetime(2021, 6, 20, tzinfo=UTC)) == 0
    assert days_to_deadline(deadline, datetime(2021, 6, 1, 12, tzinfo=UTC)) == 14


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)))
def test_wall_time_round_trips(value: datetime) -> None:
    try:
        as_utc = uk_wall_time_to_utc(value)
    except NonexistentUkTime:
        return
    assert as_utc.tzinfo is UTC
    assert to_uk(as_utc).replace(tzinfo=None) == value.replace(fold=0)


# ---------------------------------------------------------------------------- viability

ORG_A, ORG_B = uuid.uuid4(), uuid.uuid4()
DEADLINE = datetime(2020, 12, 15, 17, 0, tzinfo=UTC)


def _team(
    status: TeamStatus, org: uuid.UUID = ORG_A, nation: str = "england", setting: str = "clinical"
) -> TeamFacts:
    return TeamFacts(status, nation, setting, org, "A trust" if org == ORG_A else "B trust")


def test_viability_counts_and_breakdowns() -> None:
    teams = [
        _team(TeamStatus.ACCEPTED),
        _team(TeamStatus.ACCEPTED, setting="non_clinical"),
        _team(TeamStatus.SUBMITTED, ORG_B, nation="wales"),
        _team(TeamStatus.DECLINED, ORG_B, nation="wales"),
        _team(TeamStatus.WITHDRAWN, ORG_B, nation="scotland"),
        _team(TeamStatus.CONFIRMED, ORG_B, nation="wales"),
    ]
    v = viability(
        teams, minimum_teams=5, deadline=DEADLINE, now=datetime(2020, 12, 10, 9, tzinfo=UTC)
    )
    assert (v.submitted, v.accepted, v.declined, v.withdrawn) == (4, 3, 1, 1)
    assert v.shortfall == 2 and not v.viable
    assert v.days_to_deadline == 5 and not v.deadline_passed
    assert {k: (t.submitted, t.accepted) for k, t in v.by_nation.items()} == {
        "england": (2, 2),
        "wales": (2, 1),
    }
    assert {k: (t.submitted, t.accepted) for k, t in v.by_setting.items()} == {
        "clinical": (3, 2),
        "non_clinical": (1, 1),
    }
    assert [(o.organisation_id, o.submitted, o.accepted) for o in v.by_organisation] == [
        (ORG_A, 2, 2),
        (ORG_B, 2, 1),
    ]


def test_viability_reaches_minimum() -> None:
    teams = [_team(TeamStatus.ACCEPTED) for _ in range(35)] + [_team(TeamStatus.SUBMITTED)]
    v = viability(teams, minimum_teams=35, deadline=DEADLINE, now=DEADLINE + timedelta(days=1))
    assert v.viable and v.shortfall == 0 and v.accepted == 35 and v.submitted == 36
    assert v.deadline_passed and v.days_to_deadline == 0


# ---------------------------------------------------------------------------- cohort states

BEFORE = DEADLINE - timedelta(minutes=1)
AFTER = DEADLINE + timedelta(minutes=1)


def test_open_cohort_closes_when_deadline_passes() -> None:
    assert effective_status(CohortStatus.OPEN, deadline=DEADLINE, now=BEFORE) == CohortStatus.OPEN
    assert effective_status(CohortStatus.OPEN, deadline=DEADLINE, now=AFTER) == CohortStatus.CLOSED
    assert (
        effective_status(CohortStatus.CONFIRMED, deadline=DEADLINE, now=AFTER)
        == CohortStatus.CONFIRMED
    )


def test_close() -> None:
    assert check_close(CohortStatus.OPEN) == CohortStatus.CLOSED
    assert check_close(CohortStatus.CLOSED) == CohortStatus.CLOSED
    for decided in (CohortStatus.CONFIRMED, CohortStatus.CANCELLED):
        with pytest.raises(TransitionRefused):
            check_close(decided)


def _decide(
    status: CohortStatus,
    decision: Decision,
    accepted: int = 35,
    reason: str | None = None,
    now: datetime = AFTER,
):
    return check_decision(
        status,
        decision,
        accepted=accepted,
        minimum_teams=35,
        override_reason=reason,
        deadline=DEADLINE,
        now=now,
    )


def test_go_when_viable() -> None:
    outcome = _decide(CohortStatus.CLOSED, Decision.GO)
    assert outcome.new_status == CohortStatus.CONFIRMED and outcome.changes
    # An open cohort whose deadline passed is closed in effect.
    assert _decide(CohortStatus.OPEN, Decision.GO).new_status == CohortStatus.CONFIRMED


def test_go_refused_before_deadline_unless_closed() -> None:
    with pytest.raises(TransitionRefused) as refused:
        _decide(CohortStatus.OPEN, Decision.GO, now=BEFORE)
    assert refused.value.code == "cohort-still-open"
    assert _decide(CohortStatus.CLOSED, Decision.GO, now=BEFORE).changes


def test_go_below_minimum_needs_reason() -> None:
    with pytest.raises(TransitionRefused) as refused:
        _decide(CohortStatus.CLOSED, Decision.GO, accepted=34)
    assert refused.value.code == "cohort-not-viable"
    with pytest.raises(TransitionRefused):
        _decide(CohortStatus.CLOSED, Decision.GO, accepted=34, reason="   ")
    assert _decide(CohortStatus.CLOSED, Decision.GO, accepted=34, reason="board agreed").changes


def test_no_go_needs_no_minimum() -> None:
    assert (
        _decide(CohortStatus.CLOSED, Decision.NO_GO, accepted=0).new_status
        == CohortStatus.CANCELLED
    )


def test_same_decision_twice_changes_nothing() -> None:
    assert not _decide(CohortStatus.CONFIRMED, Decision.GO).changes
    assert not _decide(CohortStatus.CANCELLED, Decision.NO_GO).changes


def test_decision_cannot_be_reversed() -> None:
    with pytest.raises(TransitionRefused):
        _decide(CohortStatus.CONFIRMED, Decision.NO_GO)
    with pytest.raises(TransitionRefused):
        _decide(CohortStatus.CANCELLED, Decision.GO)


def test_eoi_window() -> None:
    check_eoi_window(CohortStatus.OPEN, deadline=DEADLINE, now=BEFORE, late_entry=False)
    with pytest.raises(TransitionRefused) as refused:
        check_eoi_window(CohortStatus.OPEN, deadline=DEADLINE, now=DEADLINE, late_entry=False)
    assert refused.value.code == "eoi-deadline-passed"
    assert "17:00 on 15 December 2020" in refused.value.detail
    with pytest.raises(TransitionRefused):
        check_eoi_window(CohortStatus.CLOSED, deadline=DEADLINE, now=BEFORE, late_entry=False)
    check_eoi_window(CohortStatus.CONFIRMED, deadline=DEADLINE, now=AFTER, late_entry=True)
    with pytest.raises(TransitionRefused):
        check_eoi_window(CohortStatus.CANCELLED, deadline=DEADLINE, now=AFTER, late_entry=True)


def test_team_actions() -> None:
    assert check_team_action("accept", TeamStatus.SUBMITTED, CohortStatus.OPEN)
    assert not check_team_action("accept", TeamStatus.ACCEPTED, CohortStatus.OPEN)
    assert check_team_action("decline", TeamStatus.ACCEPTED, CohortStatus.CLOSED)
    assert check_team_action("confirm", TeamStatus.ACCEPTED, CohortStatus.CONFIRMED)
    assert not check_team_action("confirm", TeamStatus.CONFIRMED, CohortStatus.CONFIRMED)
    assert check_team_action("withdraw", TeamStatus.CONFIRMED, CohortStatus.CONFIRMED)
    with pytest.raises(TransitionRefused):
        check_team_action("confirm", TeamStatus.ACCEPTED, CohortStatus.CLOSED)
    with pytest.raises(TransitionRefused):
        check_team_action("accept", TeamStatus.SUBMITTED, CohortStatus.CONFIRMED)
    with pytest.raises(TransitionRefused):
        check_team_action("decline", TeamStatus.CONFIRMED, CohortStatus.CLOSED)
    with pytest.raises(TransitionRefused):
        check_team_action("confirm", TeamStatus.WITHDRAWN, CohortStatus.CONFIRMED)
    with pytest.raises(TransitionRefused):
        check_team_action("accept", TeamStatus.SUBMITTED, CohortStatus.CANCELLED)


# ---------------------------------------------------------------------------- coaches


def _coach(name: str, capacity: int, load: int = 0) -> CoachLoad:
    return CoachLoad(uuid.uuid4(), name, capacity, load)


def test_choose_coach_prefers_the_organisations_coach() -> None:
    a, b = _coach("A", 5, load=4), _coach("B", 10)
    a.organisations[ORG_A] = 1
    assert choose_coach(ORG_A, [a, b]) is a
    a.load = 5  # full: fall back to most free capacity
    assert choose_coach(ORG_A, [a, b]) is b


def test_choose_coach_most_free_capacity_then_none() -> None:
    a, b = _coach("A", 5, load=1), _coach("B", 6, load=1)
    assert choose_coach(ORG_B, [a, b]) is b
    assert choose_coach(ORG_B, [_coach("C", 2, load=2)]) is None
    assert choose_coach(ORG_B, []) is None


def test_allocate_keeps_organisations_together() -> None:
    coaches = [_coach("A", 4), _coach("B", 4), _coach("C", 4)]
    teams = [(uuid.uuid4(), org) for org, n in ((ORG_A, 3), (ORG_B, 4)) for _ in range(n)]
    result = allocate_coaches(teams, coaches)
    assert len({result[t] for t, o in teams if o == ORG_A}) == 1
    assert len({result[t] for t, o in teams if o == ORG_B}) == 1
    assert all(c.load <= c.capacity for c in coaches)


def test_allocate_runs_out_of_capacity() -> None:
    coaches = [_coach("A", 2), _coach("B", 1)]
    teams = [(uuid.uuid4(), ORG_A) for _ in range(4)]
    result = allocate_coaches(teams, coaches)
    assert sum(1 for c in result.values() if c is None) == 1
    assert [c.load for c in coaches] == [2, 1]


@given(
    capacities=st.lists(st.integers(min_value=0, max_value=6), max_size=6),
    org_sizes=st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=10),
)
def test_allocation_never_exceeds_capacity(capacities: list[int], org_sizes: list[int]) -> None:
    coaches = [_coach(f"C{i}", cap) for i, cap in enumerate(capacities)]
    teams = [
        (uuid.uuid4(), org) for size in org_sizes for org in [uuid.uuid4()] for _ in range(size)
    ]
    result = allocate_coaches(teams, coaches)
    loads = Counter(c for c in result.values() if c is not None)
    for coach in coaches:
        assert loads[coach.coach_id] <= coach.capacity
    # Nobody waits while a coach has room.
    awaiting = sum(1 for c in result.values() if c is None)
    assert awaiting == max(len(teams) - sum(capacities), 0)


# ---------------------------------------------------------------------------- team counts


def test_teams_confirmed_together_share_the_final_count() -> None:
    t1, t2, t3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    counts = organisation_team_counts(Counter(), [(t1, ORG_A), (t2, ORG_A), (t3, ORG_B)])
    assert counts == {t1: 2, t2: 2, t3: 1}
    late = uuid.uuid4()
    assert organisation_team_counts(Counter({ORG_A: 2}), [(late, ORG_A)]) == {late: 3}


# ---------------------------------------------------------------------------- money and rates


def test_money_and_rates_keep_their_entered_scale() -> None:
    from decimal import Decimal

    from services.enrolment.rules import money, rate

    assert str(money(Decimal("4300"))) == "4300.00"
    assert str(money(Decimal("4300.005"))) == "4300.01"
    assert str(rate(Decimal("0.1000"))) == "0.10"
    assert str(rate(Decimal("0.2"))) == "0.20"
    assert str(rate(Decimal("0.1250"))) == "0.1250"
