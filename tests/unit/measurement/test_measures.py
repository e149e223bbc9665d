from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.measurement.catalogue import (
    CATALOGUE,
    DEFAULT_PLAN,
    OPTIONAL,
    SICKNESS_ABSENCE,
    SWEMWBS,
    default_plan,
    first_versions,
)
from services.measurement.measures import (
    SWEMWBS_METRIC,
    MeasureSpec,
    mean,
    net_promoter_score,
    next_version,
    ratio,
    score_response,
)

CATALOGUED = {definition.key: definition for definition in first_versions()}


def test_swemwbs_table_has_29_rows_from_7_to_35():
    assert sorted(SWEMWBS_METRIC) == list(range(7, 36))
    assert SWEMWBS_METRIC[7] == Decimal("7.00")
    assert SWEMWBS_METRIC[8] == Decimal("9.51")
    assert SWEMWBS_METRIC[21] == Decimal("19.25")
    assert SWEMWBS_METRIC[34] == Decimal("32.55")
    assert SWEMWBS_METRIC[35] == Decimal("35.00")
    values = [SWEMWBS_METRIC[raw] for raw in range(7, 36)]
    assert values == sorted(values) and len(set(values)) == 29


def test_the_default_plan_is_the_programmes_three_weekly_pulse_measures():
    plan = {definition.key: definition for definition in default_plan()}
    assert list(plan) == [
        "frequently_enjoy_work",
        "no_burnout_symptoms",
        "extremely_likely_to_recommend",
    ]
    for definition in plan.values():
        # Each a proportion of the week's anonymous responses in its top box, weekly, outcome.
        assert definition.version == 1 and definition.type == "outcome"
        assert definition.data_kind == "proportion" and definition.scoring == "top_box"
        assert definition.takes_responses and definition.period == "week"
        assert definition.direction == "increase" and definition.item_count == 1
        assert definition.question and definition.source and definition.answer_labels
        assert "Numerator" in definition.operational_definition
        assert "Denominator" in definition.operational_definition
        assert "must confirm" in definition.source  # honest about what was not checked
    enjoy = plan["frequently_enjoy_work"]
    assert enjoy.answer_labels == ["Never", "Rarely", "Sometimes", "Often", "Always"]
    assert [enjoy.in_top_box(answer) for answer in range(1, 6)] == [False] * 3 + [True] * 2
    burnout = plan["no_burnout_symptoms"]
    assert burnout.answer_labels is not None
    assert burnout.answer_labels[0] == "I enjoy my work. I have no symptoms of burnout."
    assert [burnout.in_top_box(answer) for answer in range(1, 6)] == [True] * 2 + [False] * 3
    recommend = plan["extremely_likely_to_recommend"]
    assert recommend.answer_labels is not None and recommend.answer_labels[-1] == "Don't know"
    assert [recommend.in_top_box(answer) for answer in range(1, 7)] == [True] + [False] * 5


def test_the_other_measures_stay_available():
    assert {spec.key for spec in OPTIONAL} == {
        "swemwbs",
        "recommend_team",
        "what_matters_conversations",
        "sickness_absence",
        "staff_turnover",
        "days_to_fill_rota_gap",
    }
    assert CATALOGUE == DEFAULT_PLAN + OPTIONAL
    assert CATALOGUED["swemwbs"].data_kind == "score" and CATALOGUED["swemwbs"].item_count == 7
    assert CATALOGUED["recommend_team"].scoring == "net_promoter"
    assert CATALOGUED["what_matters_conversations"].data_kind == "count"
    assert CATALOGUED["sickness_absence"].data_kind == "proportion"
    assert not CATALOGUED["sickness_absence"].takes_responses  # posted numerator/denominator
    assert CATALOGUED["staff_turnover"].data_kind == "rate"
    rota = CATALOGUED["days_to_fill_rota_gap"]
    assert rota.data_kind == "value" and (rota.value_min, rota.value_max) == (0, 365)
    assert {d.type for d in CATALOGUED.values()} == {"outcome", "process", "balancing"}


def test_value_measures_take_bounds_and_may_go_below_zero():
    change = MeasureSpec(
        key="change_score", name="Change score", operational_definition="From the survey tool.",
        type="outcome", data_kind="value", unit="points", period="week", direction="increase",
        value_min=Decimal("-10"), value_max=Decimal("10"),
    )  # fmt: skip
    assert change.value_min == Decimal("-10") and not change.takes_responses
    with pytest.raises(ValidationError, match="value_min must not exceed value_max"):
        MeasureSpec(**{**change.model_dump(), "value_min": Decimal(11)})
    with pytest.raises(ValidationError, match="only to value measures"):
        MeasureSpec(**{**SICKNESS_ABSENCE.model_dump(), "value_max": Decimal(1)})
    with pytest.raises(ValidationError):  # beyond what a stored value holds (Numeric(14, 4))
        MeasureSpec(**{**change.model_dump(), "value_max": Decimal("595713768450340.0")})


def test_top_box_rules():
    enjoy = DEFAULT_PLAN[0].model_dump()
    with pytest.raises(ValidationError, match="within the answers"):
        MeasureSpec(**{**enjoy, "top_box_max": 6})
    with pytest.raises(ValidationError, match="one label for each"):
        MeasureSpec(**{**enjoy, "answer_labels": ["No", "Yes"]})
    with pytest.raises(ValidationError, match="single item"):
        MeasureSpec(**{**enjoy, "item_count": 2})
    with pytest.raises(ValidationError, match="how a proportion is taken"):
        MeasureSpec(**{**enjoy, "data_kind": "score"})
    with pytest.raises(ValidationError, match="only to top_box"):
        MeasureSpec(**{**SWEMWBS.model_dump(), "top_box_min": 4, "top_box_max": 5})
    # A JSON column read straight from the database arrives as text.
    assert MeasureSpec(**{**enjoy, "answer_labels": '["1", "2", "3", "4", "5"]'}).answer_labels


def test_scoring_swemwbs_raw_and_metric_in_hundredths():
    swemwbs = CATALOGUED["swemwbs"]
    assert score_response(swemwbs, [1] * 7) == (7, 700)
    assert score_response(swemwbs, [3, 3, 3, 3, 3, 3, 3]) == (21, 1925)
    assert score_response(swemwbs, [5] * 7) == (35, 3500)
    recommend = CATALOGUED["recommend_team"]
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
    base = SICKNESS_ABSENCE.model_dump()
    with pytest.raises(ValidationError):
        MeasureSpec(**{**base, "item_count": 3})  # items only for scores
    with pytest.raises(ValidationError):
        MeasureSpec(**{**SWEMWBS.model_dump(), "item_count": 6})  # SWEMWBS is 7 items
    with pytest.raises(ValidationError):
        MeasureSpec(**{**base, "key": "Bad Key"})
    with pytest.raises(ValidationError):
        MeasureSpec(**{**base, "period": "day"})
    with pytest.raises(ValidationError):
        MeasureSpec(**{**base, "owner": "x"})  # extra fields are refused


def test_versions_rise_only_on_change_and_kind_is_fixed():
    current = CATALOGUED["sickness_absence"]
    same = MeasureSpec(**current.model_dump(exclude={"version"}))
    assert next_version(current, same) is None
    changed = MeasureSpec(**{**same.model_dump(), "operational_definition": "Days lost / days."})
    new = next_version(current, changed)
    assert new is not None and new.version == 2
    assert current.version == 1  # the old version is untouched
    with pytest.raises(ValueError, match="data kind"):
        next_version(current, MeasureSpec(**{**same.model_dump(), "data_kind": "rate"}))
    assert next_version(None, same) == current


ROOT = Path(__file__).resolve().parents[3]


def test_the_plans_documentation_gives_each_default_items_wording_answers_and_source():
    """#22: the plan's documentation (services/measurement/README.md) cites, for each measure of
    the default plan, the item as asked, its answers and where the wording comes from."""
    readme = (ROOT / "services" / "measurement" / "README.md").read_text()
    sources = readme.split("\nSources (", 1)[1].split("\nOptional measures", 1)[0]
    flat = " ".join(readme.split())
    for definition in default_plan():
        [row] = [line for line in readme.splitlines() if f"(`{definition.key}`)" in line]
        assert f'"{definition.question}"' in row, definition.key
        for label in definition.answer_labels:
            assert label in flat, (definition.key, label)
        cited = " ".join(sources.split())
        assert f"*{SOURCE_HEADINGS[definition.key]}*:" in cited, definition.key


SOURCE_HEADINGS = {
    "frequently_enjoy_work": "Frequently enjoy being at work",
    "no_burnout_symptoms": "No symptoms of burnout",
    "extremely_likely_to_recommend": "Extremely likely to recommend",
}
