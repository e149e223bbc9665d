"""Engagement and the "two consecutive missed learning sets" rule."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.sessions.rules.engagement import Outcome, engagement, miss_runs

NOW = datetime(2022, 1, 1, tzinfo=UTC)


def sets(*attended: bool | None, kind: str = "learning_set") -> list[Outcome]:
    return [
        Outcome(
            session_id=uuid.UUID(int=month),
            kind=kind,
            starts_at=datetime(2021, month, 16, 14, tzinfo=UTC),
            cancelled=False,
            attended=a,
        )
        for month, a in enumerate(attended, start=3)
    ]


def test_two_consecutive_misses_make_one_run() -> None:
    outcomes = sets(True, False, False)
    runs = miss_runs(outcomes, NOW)
    assert len(runs) == 1
    assert runs[0].session_ids == (uuid.UUID(int=4), uuid.UUID(int=5))
    assert engagement(outcomes, NOW).disengaged


def test_a_longer_run_is_still_one_run_with_the_same_key() -> None:
    two = miss_runs(sets(False, False), NOW)
    three = miss_runs(sets(False, False, False), NOW)
    assert len(three) == 1
    assert three[0].key == two[0].key


def test_attending_ends_the_run_and_a_new_run_counts_again() -> None:
    runs = miss_runs(sets(False, False, True, False, False), NOW)
    assert [r.key for r in runs] == [uuid.UUID(int=3), uuid.UUID(int=6)]


def test_one_miss_or_alternating_misses_do_not_disengage() -> None:
    assert miss_runs(sets(False, True, False, True), NOW) == []
    assert not engagement(sets(True, False), NOW).disengaged


def test_unrecorded_and_cancelled_sets_and_learning_sessions_do_not_break_a_run() -> None:
    outcomes = sets(False, None, False)
    outcomes.append(
        Outcome(uuid.uuid4(), "learning_session", datetime(2021, 4, 8, 9, tzinfo=UTC), False, True)
    )
    outcomes.append(
        Outcome(uuid.uuid4(), "learning_set", datetime(2021, 4, 1, 9, tzinfo=UTC), True, True)
    )
    assert len(miss_runs(outcomes, NOW)) == 1


def test_clinics_are_drop_ins_counted_apart_and_never_a_miss() -> None:
    clinics = sets(False, False, True, kind="clinic")
    assert miss_runs(clinics, NOW) == []
    result = engagement(clinics, NOW)
    assert (result.held, result.attended, result.missed_learning_sets_in_a_row) == (0, 0, 0)
    assert (result.clinics_held, result.clinics_attended) == (3, 1)
    assert not result.disengaged
    # A clinic between two missed learning sets neither breaks the run nor adds to it.
    mixed = sets(False, None, False)
    mixed[1] = Outcome(uuid.uuid4(), "clinic", mixed[1].starts_at, False, True)
    assert len(miss_runs(mixed, NOW)) == 1
    so_far = engagement(mixed, NOW)
    assert (so_far.held, so_far.attended, so_far.clinics_attended) == (2, 0, 1)
    assert so_far.rate == 0.0


def test_future_sessions_are_not_held_yet() -> None:
    outcomes = sets(True, False, None, None)
    result = engagement(outcomes, datetime(2021, 5, 1, tzinfo=UTC))
    assert (result.held, result.attended) == (2, 1)
    assert result.rate == 0.5
    assert engagement([], NOW).rate is None
