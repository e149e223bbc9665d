"""Backdated withdrawals (issue 16, item 2): only a coordinator gives a date other than today
(UK), never before the team's confirmation nor in the future; the date and who chose it travel on
``enrolment.team.withdrawn``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.integration.enrolment.enrolment_support import (
    after_deadline,
    clock_of,
    cohort_with_teams,
    decide,
    ok,
    outbox_events,
    problem,
    team_action,
    team_lead,
    written,
)
from tests.support import RunningService


async def _confirmed_teams(enrolment: RunningService) -> tuple[dict[int, Any], list[Any]]:
    cohort, orgs, teams = await cohort_with_teams(enrolment, [1, 2, 3], minimum_teams=3)
    after_deadline(enrolment)  # 17:00 on 15 December 2020
    ok(await decide(enrolment, cohort["id"], "go"))  # confirmed on 15 December 2020
    clock_of(enrolment).set(datetime(2021, 3, 10, 12, tzinfo=UTC))
    return orgs, teams


async def test_a_coordinator_backdates_a_withdrawal_and_it_is_recorded(
    enrolment: RunningService,
) -> None:
    _orgs, teams = await _confirmed_teams(enrolment)
    body = {"reason": "Left in February", "withdrawn_on": "2021-02-01"}
    withdrawn = ok(await team_action(enrolment, teams[0]["id"], "withdraw", body))
    assert withdrawn["withdrawn_on"] == "2021-02-01"
    assert withdrawn["withdrawn_by"] == withdrawn["withdrawal_date_chosen_by"] == "coordinator-1"
    [event] = await outbox_events(enrolment, "enrolment.team.withdrawn")
    assert (event["withdrawn_on"], event["withdrawn_by"], event["date_chosen_by"]) == (
        "2021-02-01",
        "coordinator-1",
        "coordinator-1",
    )
    # The day of confirmation itself is the earliest date.
    earliest = {"reason": "Never started", "withdrawn_on": "2020-12-15"}
    ok(await team_action(enrolment, teams[1]["id"], "withdraw", earliest))


async def test_today_is_the_default_and_anyone_may_say_so(enrolment: RunningService) -> None:
    orgs, teams = await _confirmed_teams(enrolment)
    lead = team_lead(enrolment, orgs[1]["id"])
    body = {"reason": "Staff shortage", "withdrawn_on": "2021-03-10"}  # today, in the UK
    withdrawn = ok(await team_action(enrolment, teams[0]["id"], "withdraw", body, headers=lead))
    assert withdrawn["withdrawn_on"] == "2021-03-10"
    ok(await team_action(enrolment, teams[1]["id"], "withdraw", {"reason": "Merged"}))
    events = await outbox_events(enrolment, "enrolment.team.withdrawn")
    assert [(e["withdrawn_on"], e["withdrawn_by"], e["date_chosen_by"]) for e in events] == [
        ("2021-03-10", f"lead-{orgs[1]['id']}", None),
        ("2021-03-10", "coordinator-1", None),
    ]


async def test_a_project_lead_may_not_choose_another_date(enrolment: RunningService) -> None:
    orgs, teams = await _confirmed_teams(enrolment)
    lead = team_lead(enrolment, orgs[1]["id"])
    before = await written(enrolment)
    body = {"reason": "Left in February", "withdrawn_on": "2021-02-01"}
    refused = problem(
        await team_action(enrolment, teams[0]["id"], "withdraw", body, headers=lead), 403
    )
    assert "coordinator" in refused["detail"]
    assert await written(enrolment) == before


async def test_never_before_confirmation_nor_in_the_future(enrolment: RunningService) -> None:
    _orgs, teams = await _confirmed_teams(enrolment)
    before = await written(enrolment)
    for day, says in (("2020-12-14", "confirmed on 15 December 2020"), ("2021-03-11", "future")):
        body = {"reason": "x", "withdrawn_on": day}
        refused = problem(await team_action(enrolment, teams[0]["id"], "withdraw", body), 422)
        assert says in refused["detail"]
        assert refused["errors"][0]["field"] == "withdrawn_on"
    assert await written(enrolment) == before


async def test_an_expression_of_interest_is_withdrawn_from_its_submission_on(
    enrolment: RunningService,
) -> None:
    _cohort, _orgs, teams = await cohort_with_teams(enrolment, [1], accept=0)
    clock_of(enrolment).set(datetime(2020, 11, 20, 12, tzinfo=UTC))
    # Submitted on 2 November 2020 (the tests' early clock).
    problem(
        await team_action(
            enrolment, teams[0]["id"], "withdraw", {"reason": "x", "withdrawn_on": "2020-11-01"}
        ),
        422,
    )
    body = {"reason": "Changed our minds", "withdrawn_on": "2020-11-10"}
    withdrawn = ok(await team_action(enrolment, teams[0]["id"], "withdraw", body))
    assert withdrawn["withdrawn_on"] == "2020-11-10"
    # Not news to the other services: it was never confirmed.
    assert await outbox_events(enrolment, "enrolment.team.withdrawn") == []
