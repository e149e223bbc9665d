"""Progress score levels and distributions; the ramp of PDSA cycles on one idea."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.improvement.rules.progress import LEVELS, ScoreRefused, distribution, level_of
from services.improvement.rules.ramp import (
    CycleState,
    RampRefused,
    idea_outcome,
    missing_before_act,
    next_ramp_step,
)


def test_ten_levels_in_half_points_each_with_its_definition() -> None:
    assert [level.score for level in LEVELS] == [Decimal(n) / 2 for n in range(1, 11)]
    assert level_of(Decimal("0.5")).label == "Intent to participate"
    assert level_of(Decimal("3")).label == "Modest improvement"
    assert level_of(Decimal("5.0")).label == "Outstanding sustainable results"
    assert all(level.definition for level in LEVELS)
    for score in ("0", "2.25", "5.5", "-1"):
        with pytest.raises(ScoreRefused):
            level_of(Decimal(score))


def test_the_distribution_counts_every_level_and_gives_the_median() -> None:
    found = distribution([Decimal("1.5"), Decimal("2.0"), Decimal("2.0"), Decimal("3.5")])
    assert found.teams == 4
    assert found.median == Decimal("2.00")
    assert list(found.counts) == [level.score for level in LEVELS]
    assert {k: v for k, v in found.counts.items() if v} == {
        Decimal("1.5"): 1,
        Decimal("2.0"): 2,
        Decimal("3.5"): 1,
    }
    assert distribution([Decimal("1.0"), Decimal("2.5")]).median == Decimal("1.75")
    empty = distribution([])
    assert (empty.teams, empty.median, sum(empty.counts.values())) == (0, None, 0)


def test_the_ramp_grows_one_completed_cycle_at_a_time() -> None:
    assert next_ramp_step([]) == 1
    adapted = CycleState("completed", "adapt")
    assert next_ramp_step([adapted, adapted]) == 3
    assert next_ramp_step([adapted, CycleState("completed", "adopt")]) == 3  # spread it further
    with pytest.raises(RampRefused, match="cycle 2 on this idea is still open"):
        next_ramp_step([adapted, CycleState("doing")])
    with pytest.raises(RampRefused, match="abandoned"):
        next_ramp_step([adapted, CycleState("completed", "abandon")])


def test_an_ideas_outcome_is_its_latest_decision() -> None:
    assert idea_outcome([]) == "not_tested"
    assert idea_outcome([CycleState("planned")]) == "planned"
    assert idea_outcome([CycleState("doing")]) == "testing"
    adapted = CycleState("completed", "adapt")
    assert idea_outcome([adapted]) == "adapted"
    assert idea_outcome([adapted, CycleState("planned")]) == "adapted"
    assert idea_outcome([adapted, CycleState("doing")]) == "testing"
    assert idea_outcome([adapted, adapted, CycleState("completed", "adopt")]) == "adopted"
    assert idea_outcome([CycleState("completed", "abandon")]) == "abandoned"


def test_a_cycle_is_acted_on_after_its_do_and_study() -> None:
    assert missing_before_act(did=False, studied=False) == ["do", "study"]
    assert missing_before_act(did=True, studied=False) == ["study"]
    assert missing_before_act(did=True, studied=True) == []
