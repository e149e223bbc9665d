"""The lead-in checklist, from facts (services/improvement/rules/readiness.py)."""

from __future__ import annotations

from dataclasses import replace

from services.improvement.rules.readiness import CHECK_KEYS, TeamFacts, assess

READY = TeamFacts(
    clinical=True,
    has_project_lead=True,
    has_senior_sponsor=True,
    members=3,
    service_users=1,
    data_champions=1,
    meetings_with_coach=1,
    aim_written=True,
    aim_agreed=True,
    diagram_started=True,
    diagram_change_ideas=1,
    plan_measures=("enjoy", "burnout"),
    measures_with_data=("enjoy", "burnout"),
)


def unmet(facts: TeamFacts) -> dict[str, str]:
    return {c.key: c.detail for c in assess(facts).checks if not c.met}


def test_a_team_with_every_fact_is_ready_and_the_checks_come_in_order() -> None:
    readiness = assess(READY)
    assert readiness.ready
    assert tuple(c.key for c in readiness.checks) == CHECK_KEYS


def test_the_project_team_needs_members_a_champion_sponsor_and_for_clinical_teams_a_service_user() -> (
    None
):
    assert unmet(replace(READY, service_users=0)) == {
        "project_team_formed": "needs a service user (clinical teams)"
    }
    assert unmet(replace(READY, clinical=False, service_users=0)) == {}
    found = unmet(replace(READY, members=1, data_champions=0, has_senior_sponsor=False))
    assert found["project_team_formed"] == (
        "needs a senior sponsor (from enrolment), 2 more member(s) (at least 3), a data champion"
    )


def test_the_first_meeting_must_have_the_coach_present() -> None:
    assert set(unmet(replace(READY, meetings_with_coach=0))) == {"first_meeting_with_coach"}


def test_the_aim_must_be_written_and_agreed() -> None:
    assert unmet(replace(READY, aim_written=False, aim_agreed=False)) == {
        "aim_agreed": "no aim statement yet"
    }
    assert unmet(replace(READY, aim_agreed=False)) == {
        "aim_agreed": "the aim statement is not agreed yet"
    }


def test_the_diagram_must_exist_and_name_a_change_idea() -> None:
    assert unmet(replace(READY, diagram_started=False, diagram_change_ideas=0)) == {
        "driver_diagram_drafted": "no driver diagram yet"
    }
    assert unmet(replace(READY, diagram_change_ideas=0)) == {
        "driver_diagram_drafted": "the diagram names no change idea yet"
    }


def test_baseline_data_must_arrive_for_every_measure_of_a_plan_that_exists() -> None:
    assert unmet(replace(READY, measures_with_data=("enjoy",))) == {
        "baseline_data": "no data yet for burnout"
    }
    assert unmet(replace(READY, measures_with_data=())) == {
        "baseline_data": "no data yet for burnout, enjoy"
    }
    # Data for a measure no longer in the plan does not count; an empty plan is not ready.
    assert not assess(replace(READY, measures_with_data=("enjoy", "old"))).ready
    assert unmet(replace(READY, plan_measures=(), measures_with_data=())) == {
        "baseline_data": "the cohort has no measurement plan yet"
    }
