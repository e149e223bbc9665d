"""Viability, go / no-go (acceptance 2), idempotent and concurrent confirmation (acceptance 5),
late joiners, withdrawals and carrying EOIs into a later cohort."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime

from tests.integration.enrolment.enrolment_support import (
    API,
    after_deadline,
    clock_of,
    cohort_with_teams,
    coordinator,
    create_cohort,
    decide,
    ok,
    outbox_events,
    problem,
    submit,
    team_action,
    written,
)
from tests.support import RunningService


async def test_viability_is_live_and_viable_is_recorded_once(enrolment: RunningService) -> None:
    cohort, _orgs, teams = await cohort_with_teams(
        enrolment, [1, 1, 2, 3], accept=2, minimum_teams=3, nations={3: "wales"}
    )
    url = f"{API}/cohorts/{cohort['id']}"
    viability = ok(await enrolment.client.get(url, headers=coordinator(enrolment)))["viability"]
    assert (viability["submitted"], viability["accepted"], viability["shortfall"]) == (4, 2, 1)
    assert viability["viable"] is False
    assert viability["days_to_deadline"] == 43  # 2 November → 15 December
    assert viability["by_nation"] == {
        "england": {"submitted": 3, "accepted": 2},
        "wales": {"submitted": 1, "accepted": 0},
    }
    # Teams 0 and 3 are non-clinical (see cohort_with_teams); teams 0 and 1 are accepted.
    assert viability["by_setting"] == {
        "clinical": {"submitted": 2, "accepted": 1},
        "non_clinical": {"submitted": 2, "accepted": 1},
    }
    assert [(o["name"], o["submitted"], o["accepted"]) for o in viability["by_organisation"]] == [
        ("Trust 01", 2, 2),
        ("Trust 02", 1, 0),
        ("Trust 03", 1, 0),
    ]
    assert await outbox_events(enrolment, "enrolment.cohort.viable") == []

    ok(await team_action(enrolment, teams[2]["id"], "accept"))
    [viable] = await outbox_events(enrolment, "enrolment.cohort.viable")
    assert (viable["accepted_teams"], viable["minimum_teams"]) == (3, 3)
    # Falling below and reaching the minimum again is not a second "first time".
    ok(await team_action(enrolment, teams[2]["id"], "decline", json={"reason": "duplicate"}))
    ok(await team_action(enrolment, teams[3]["id"], "accept"))
    assert len(await outbox_events(enrolment, "enrolment.cohort.viable")) == 1
    viability = ok(await enrolment.client.get(url, headers=coordinator(enrolment)))["viability"]
    assert (viability["submitted"], viability["accepted"], viability["declined"]) == (3, 3, 1)


async def test_no_go_releases_every_team_and_confirms_none(enrolment: RunningService) -> None:
    cohort, _, teams = await cohort_with_teams(enrolment, [1, 1, 2, 3], accept=2, minimum_teams=35)
    # No decision while EOIs may still arrive.
    assert problem(await decide(enrolment, cohort["id"], "no_go"), 409)["type"].endswith(
        "/cohort-still-open"
    )
    after_deadline(enrolment)
    result = ok(await decide(enrolment, cohort["id"], "no_go", reason="only 2 of 35 teams"))
    assert result["cohort"]["status"] == "cancelled"
    assert sorted(result["released_team_ids"]) == sorted(t["id"] for t in teams)
    [cancelled] = await outbox_events(enrolment, "enrolment.cohort.cancelled")
    assert sorted(cancelled["team_ids"]) == sorted(t["id"] for t in teams)
    assert cancelled["reason"] == "only 2 of 35 teams"
    assert await outbox_events(enrolment, "enrolment.team.confirmed") == []
    listed = ok(
        await enrolment.client.get(
            f"{API}/teams", params={"cohort_id": cohort["id"]}, headers=coordinator(enrolment)
        )
    )
    assert {t["status"] for t in listed["items"]} == {"released"}
    # No-go again changes nothing; go after no-go is refused; nothing can be confirmed.
    assert ok(await decide(enrolment, cohort["id"], "no_go"))["changed"] is False
    before = await written(enrolment)
    problem(await decide(enrolment, cohort["id"], "go", override_reason="changed our mind"), 409)
    problem(await team_action(enrolment, teams[0]["id"], "confirm"), 409)
    assert await written(enrolment) == before


async def test_carry_eois_into_a_later_cohort_with_one_call(enrolment: RunningService) -> None:
    cohort, orgs, teams = await cohort_with_teams(enrolment, [1, 2, 2], accept=1)
    declined = ok(await submit(enrolment, cohort["id"], orgs[1]["id"], "Declined"), 201)
    ok(await team_action(enrolment, declined["id"], "decline"))
    later = await create_cohort(
        enrolment,
        name="Enjoying Work 2022",
        eoi_deadline="2021-12-14T17:00:00",
        start_date="2022-01-04",
    )
    carry = f"{API}/cohorts/{cohort['id']}/carry-forward"
    # Only a cancelled cohort's EOIs are carried.
    problem(
        await enrolment.client.post(
            carry, json={"target_cohort_id": later["id"]}, headers=coordinator(enrolment)
        ),
        409,
    )
    after_deadline(enrolment)
    ok(await decide(enrolment, cohort["id"], "no_go"))
    result = ok(
        await enrolment.client.post(
            carry, json={"target_cohort_id": later["id"]}, headers=coordinator(enrolment)
        )
    )
    assert len(result["carried_team_ids"]) == 3 and result["already_carried"] == 0
    again = ok(
        await enrolment.client.post(
            carry, json={"target_cohort_id": later["id"]}, headers=coordinator(enrolment)
        )
    )
    assert again["carried_team_ids"] == [] and again["already_carried"] == 3
    carried = ok(
        await enrolment.client.get(
            f"{API}/teams", params={"cohort_id": later["id"]}, headers=coordinator(enrolment)
        )
    )
    assert carried["total"] == 3
    assert sorted(t["carried_from_team_id"] for t in carried["items"]) == sorted(
        t["id"] for t in teams
    )
    assert {t["status"] for t in carried["items"]} == {"submitted"}
    submitted = await outbox_events(enrolment, "enrolment.eoi.submitted")
    assert sum(1 for e in submitted if e["cohort_id"] == later["id"]) == 3


async def test_go_confirms_every_accepted_team_with_organisation_counts(
    enrolment: RunningService,
) -> None:
    cohort, _orgs, teams = await cohort_with_teams(
        enrolment, [1, 1, 1, 2, 3], accept=4, minimum_teams=4
    )
    after_deadline(enrolment)
    result = ok(await decide(enrolment, cohort["id"], "go"))
    assert result["changed"] is True and result["cohort"]["status"] == "confirmed"
    accepted_ids = {t["id"] for t in teams[:4]}
    assert set(result["confirmed_team_ids"]) == accepted_ids
    confirmed = await outbox_events(enrolment, "enrolment.team.confirmed")
    assert {e["team_id"] for e in confirmed} == accepted_ids
    counts = {e["team_id"]: e["organisation_team_count"] for e in confirmed}
    # Trust 01's three teams are confirmed together: each says 3. Trust 02's one says 1.
    assert [counts[t["id"]] for t in teams[:4]] == [3, 3, 3, 1]
    first = next(e for e in confirmed if e["team_id"] == teams[0]["id"])
    assert first["terms"]["fee_per_team"] == "4300.00"
    assert first["organisation"]["ods_code"] == "R01"
    assert first["organisation"]["payables_code"] == "P001"
    assert first["project_lead"]["email"] == "ada@example.nhs.uk"
    assert first["purchase_order"] == "PO-Team 00"
    # What the organisation asked to be quoted on its invoices travels with the confirmation.
    assert first["invoice_references"] == [{"label": "Cost centre", "value": "CC-Team 00"}]
    [cohort_confirmed] = await outbox_events(enrolment, "enrolment.cohort.confirmed")
    assert set(cohort_confirmed["team_ids"]) == accepted_ids
    # The EOI that was never accepted stays submitted: it may still join late.
    late = ok(
        await enrolment.client.get(f"{API}/teams/{teams[4]['id']}", headers=coordinator(enrolment))
    )
    assert late["status"] == "submitted"


async def test_go_below_minimum_needs_a_recorded_reason(enrolment: RunningService) -> None:
    cohort, _, _ = await cohort_with_teams(enrolment, [1, 2], minimum_teams=35)
    after_deadline(enrolment)
    before = await written(enrolment)
    refused = problem(await decide(enrolment, cohort["id"], "go"), 409)
    assert refused["type"].endswith("/cohort-not-viable")
    assert await written(enrolment) == before
    result = ok(
        await decide(enrolment, cohort["id"], "go", override_reason="Board agreed to run small")
    )
    assert result["cohort"]["decision_override_reason"] == "Board agreed to run small"
    [confirmed] = await outbox_events(enrolment, "enrolment.cohort.confirmed")
    assert confirmed["override_reason"] == "Board agreed to run small"


async def test_go_twice_confirms_once(enrolment: RunningService) -> None:
    cohort, _, teams = await cohort_with_teams(enrolment, [1, 1, 2], minimum_teams=3)
    after_deadline(enrolment)
    assert ok(await decide(enrolment, cohort["id"], "go"))["changed"] is True
    again = ok(await decide(enrolment, cohort["id"], "go"))
    assert again["changed"] is False and again["confirmed_team_ids"] == []
    events = await outbox_events(enrolment, "enrolment.team.confirmed")
    assert sorted(e["team_id"] for e in events) == sorted(t["id"] for t in teams)
    assert len(await outbox_events(enrolment, "enrolment.cohort.confirmed")) == 1
    # Confirming an already confirmed team changes nothing and records nothing.
    ok(await team_action(enrolment, teams[0]["id"], "confirm"))
    assert len(await outbox_events(enrolment, "enrolment.team.confirmed")) == 3
    # A decision cannot be reversed.
    problem(await decide(enrolment, cohort["id"], "no_go"), 409)


async def test_concurrent_go_confirms_each_team_once(enrolment: RunningService) -> None:
    cohort, _, teams = await cohort_with_teams(enrolment, [1, 1, 2, 3, 3], minimum_teams=5)
    after_deadline(enrolment)
    answers = await asyncio.gather(*(decide(enrolment, cohort["id"], "go") for _ in range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    assert sorted(a.json()["changed"] for a in answers) == [False, False, False, True]
    events = await outbox_events(enrolment, "enrolment.team.confirmed")
    assert Counter(e["team_id"] for e in events) == Counter(t["id"] for t in teams)
    assert len(await outbox_events(enrolment, "enrolment.cohort.confirmed")) == 1


async def test_late_joiner_confirmed_once_even_concurrently(enrolment: RunningService) -> None:
    cohort, orgs, teams = await cohort_with_teams(enrolment, [1, 1, 2], minimum_teams=3)
    # Before go, single confirmation is not how teams join.
    problem(await team_action(enrolment, teams[0]["id"], "confirm"), 409)
    after_deadline(enrolment)
    ok(await decide(enrolment, cohort["id"], "go"))
    # A late joiner: a coordinator's late entry after the deadline, confirmed on its own.
    late = ok(
        await submit(enrolment, cohort["id"], orgs[1]["id"], "Late joiner", late_entry=True), 201
    )
    answers = await asyncio.gather(
        *(team_action(enrolment, late["id"], "confirm") for _ in range(4))
    )
    assert [a.status_code for a in answers] == [200] * 4
    assert {a.json()["status"] for a in answers} == {"confirmed"}
    events = [
        e
        for e in await outbox_events(enrolment, "enrolment.team.confirmed")
        if e["team_id"] == late["id"]
    ]
    assert len(events) == 1
    # Trust 01 had two confirmed teams: the late joiner is its third.
    assert events[0]["organisation_team_count"] == 3
    assert late["late_entry"] is True


async def test_withdrawal_records_reason_and_date(enrolment: RunningService) -> None:
    cohort, _, teams = await cohort_with_teams(enrolment, [1, 2, 3], accept=2, minimum_teams=2)
    # Withdrawing an EOI before go is not news to the other services.
    ok(await team_action(enrolment, teams[2]["id"], "withdraw", json={"reason": "Staff shortage"}))
    after_deadline(enrolment)
    ok(await decide(enrolment, cohort["id"], "go"))
    clock_of(enrolment).set(datetime(2021, 3, 10, 12, tzinfo=UTC))
    body = {"reason": "Service reconfigured", "withdrawn_on": "2021-03-01"}
    withdrawn = ok(await team_action(enrolment, teams[0]["id"], "withdraw", json=body))
    assert withdrawn["status"] == "withdrawn"
    assert withdrawn["withdrawal_reason"] == "Service reconfigured"
    ok(await team_action(enrolment, teams[0]["id"], "withdraw", json=body))  # again: no change
    [event] = await outbox_events(enrolment, "enrolment.team.withdrawn")
    assert event["team_id"] == teams[0]["id"]
    assert (event["reason"], event["withdrawn_on"]) == ("Service reconfigured", "2021-03-01")
    # Without a date, today in the UK.
    ok(await team_action(enrolment, teams[1]["id"], "withdraw", json={"reason": "Merged"}))
    events = await outbox_events(enrolment, "enrolment.team.withdrawn")
    assert events[1]["withdrawn_on"] == date(2021, 3, 10).isoformat()
    problem(await team_action(enrolment, teams[1]["id"], "withdraw", json={}), 422)


async def test_concurrent_accepts_record_viable_once(enrolment: RunningService) -> None:
    cohort, _, teams = await cohort_with_teams(enrolment, [1, 2, 3, 4], accept=0, minimum_teams=3)
    answers = await asyncio.gather(*(team_action(enrolment, t["id"], "accept") for t in teams))
    assert [a.status_code for a in answers] == [200] * 4
    [viable] = await outbox_events(enrolment, "enrolment.cohort.viable")
    assert viable["cohort_id"] == cohort["id"]
    assert viable["accepted_teams"] >= 3
