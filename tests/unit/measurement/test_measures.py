from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.measurement.measures import (
    DEFAULT_PLAN,
    SWEMWBS_METRIC,
    MeasureSpec,
    default_plan,
    mean,
    net_promoter_score,
    next_version,
    ratio,
    score_response,
)


def test_swemwbs_table_has_29_rows_from_7_to_35():
    assert sorted(SWEMWBS_METRIC) == list(range(7, 36))
    assert SWEMWBS_METRIC[7] == Decimal("7.00")
    assert SWEMWBS_METRIC[8] == Decimal("9.51")
    assert SWEMWBS_METRIC[21] == Decimal("19.25")
    assert SWEMWBS_METRIC[34] == Decimal("32.55")
    assert SWEMWBS_METRIC[35] == Decimal("35.00")
    values = [SWEMWBS_METRIC[raw] for raw in range(7, 36)]
    assert values == sorted(values) and len(set(values)) == 29


def test_default_plan_measures():
    plan = {definition.key: definition for definition in default_plan()}
    assert set(plan) == {
        "swemwbs",
        "recommend_team",
        "what_matters_conversations",
        "sickness_absence",
        "staff_turnover",
    }
    assert all(definition.version == 1 for definition in plan.values())
    assert plan["swemwbs"].data_kind == "score" and plan["swemwbs"].item_count == 7
    assert plan["recommend_team"].scoring == "net_promoter"
    assert plan["what_matters_conversations"].data_kind == "count"
    assert plan["sickness_absence"].data_kind == "proportion"
    assert plan["sickness_absence"].direction == "decrease"
    assert plan["staff_turnover"].data_kind == "rate"
    assert {d.type for d in plan.values()} == {"outcome", "process", "balancing"}


def test_scoring_swemwbs_raw_and_metric_in_hundredths():
    swemwbs = default_plan()[0]
    assert score_response(swemwbs, [1] * 7) == (7, 700)
    assert score_response(swemwbs, [3, 3, 3, 3, 3, 3, 3]) == (21, 1925)
    assert score_response(swemwbs, [5] * 7) == (35, 3500)
    recommend = default_plan()[1]
    assert score_response(recommend, [9]) == (9, None)


def test_net_promoter_and_means():
    # 3 promoters, 1 passive, 2 detractors of 6: 50% - 33.33% = 16.67
    assert net_promoter_score(3, 2, 6) == Decimal("16.67")
    assert net_promoter_score(0, 0, 0) is None
    assert mean(1925 + 3500, 2, scale=100) == Decimal("27.13")  # (19.25 + 35.00) / 2 = 27.125
    assert mean(7, 2) == Decimal("3.50")
    assert ratio(Decimal(3), Decimal(40)) == Decimal("0.0750")
    assert ratio(Decimal(1), Decimal(0)) is None


def test_spec_rules():
    base = DEFAULT_PLAN[3].model_dump()
    with pytest.raises(ValidationError):
        MeasureSpec(**{**base, "item_count": 3})  # items only for scores
    with pytest.raises(ValidationError):
        MeasureSpec(**{**DEFAULT_PLAN[0].model_dump(), "item_count": 6})  # SWEMWBS is 7 items
    with pytest.raises(ValidationError):
        MeasureSpec(**{**base, "key": "Bad Key"})
    with pytest.raises(ValidationError):
        MeasureSpec(**{**base, "period": "day"})
    with pytest.raises(ValidationError):
        MeasureSpec(**{**base, "owner": "x"})  # extra fields are refused


def test_versions_rise_only_on_change_and_kind_is_fixed():
    current = default_plan()[3]
    same = MeasureSpec(**current.model_dump(exclude={"version"}))
    assert next_version(current, same) is None
    changed = MeasureSpec(**{**same.model_dump(), "operational_definition": "Days lost / days."})
    new = next_version(current, changed)
    assert new is not None and new.version == 2
    assert current.version == 1  # the old version is untouched
    with pytest.raises(ValueError, match="data kind"):
        next_version(current, MeasureSpec(**{**same.model_dump(), "data_kind": "rate"}))
    assert next_version(None, same) == current
