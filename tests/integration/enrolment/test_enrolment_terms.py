"""Changing an opened cohort's terms (issue 17, item 3) and the small things a user hit (item 4):
the effective withdrawal cutoff, a team lead reading one cohort, a withdrawn team leaving its
coach's list."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from shared.auth import Role
from shared.events.billing import InvoiceIssued, ProformaIssued
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
    team_action,
    team_lead,
    written,
)
from tests.support import RunningService, eventually, publish_event


async def _change(service: RunningService, cohort_id: str, **body: Any) -> httpx.Response:
    return await service.client.patch(
        f"{API}/cohorts/{cohort_id}", json=body, headers=coordinator(service)
    )


async def test_a_coordinator_changes_the_terms_with_a_reason_kept_in_the_history(
    enrolment: RunningService,
) -> None:
    cohort = await create_cohort(enrolment, minimum_teams=35)
    changed = ok(
        await _change(
            enrolment,
            cohort["id"],
            reason="Fewer trusts can release staff this winter",
            minimum_teams=30,
            eoi_deadline="2020-12-22T12:00:00",
            withdrawal_credit_cutoff="2021-02-01",
            fee_per_team="4000.00",
        )
    )
    assert changed["minimum_teams"] == 30
    assert changed["eoi_deadline_uk"].startswith("2020-12-22T12:00:00")
    assert changed["terms"]["withdrawal_credit_cutoff"] == "2021-02-01"
    assert changed["terms"]["fee_per_team"] == "4000.00"
    [event] = await outbox_events(enrolment, "enrolment.cohort.terms_changed")
    assert event["changed"] == [
        "minimum_teams",
        "eoi_deadline",
        "withdrawal_credit_cutoff",
        "fee_per_team",
    ]
    assert event["reason"] == "Fewer trusts can release staff this winter"
    assert event["changed_by"] == "coordinator-1"
    assert event["minimum_teams"] == 30 and event["terms"]["fee_per_team"] == "4000.00"
    assert datetime.fromisoformat(event["eoi_deadline"]) == datetime(2020, 12, 22, 12, tzinfo=UTC)
    # The same values again change nothing and record nothing.
    ok(await _change(enrolment, cohort["id"], reason="again", minimum_teams=30))
    assert len(await outbox_events(enrolment, "enrolment.cohort.terms_changed")) == 1
    # Back to the default cutoff: the start date.
    clock_of(enrolment).advance(timedelta(minutes=5))
    reset = ok(
        await _change(enrolment, cohort["id"], reason="default", withdrawal_credit_cutoff=None)
    )
    assert reset["terms"]["withdrawal_credit_cutoff"] == "2021-01-04"
    history = ok(
        await enrolment.client.get(
            f"{API}/cohorts/{cohort['id']}/history", headers=coordinator(enrolment)
        )
    )
    assert [h["reason"] for h in history] == [
        "Fewer trusts can release staff this winter",
        "default",
    ]
    assert history[0]["changed_by"] == "coordinator-1"
    assert history[0]["changes"]["minimum_teams"] == {"before": 35, "after": 30}
    assert history[0]["changes"]["fee_per_team"] == {"before": "4300.00", "after": "4000.00"}
    assert history[0]["changes"]["withdrawal_credit_cutoff"] == {
        "before": "2021-01-04",
        "after": "2021-02-01",
    }
    assert history[1]["changes"]["withdrawal_credit_cutoff"]["after"] == "2021-01-04"


async def test_what_a_change_of_terms_must_say(enrolment: RunningService) -> None:
    cohort = await create_cohort(enrolment)
    before = await written(enrolment)
    problem(await _change(enrolment, cohort["id"], minimum_teams=30), 422)  # no reason
    problem(await _change(enrolment, cohort["id"], reason="nothing"), 422)
    problem(await _change(enrolment, cohort["id"], reason="x", minimum_teams=None), 422)
    problem(await _change(enrolment, cohort["id"], reason="x", name="Renamed"), 422)
    problem(await _change(enrolment, cohort["id"], reason="x", start_date="2021-02-01"), 422)
    after_start = problem(
        await _change(enrolment, cohort["id"], reason="x", eoi_deadline="2021-01-05T17:00:00"), 422
    )
    assert "before the cohort starts on 4 January 2021" in after_start["detail"]
    past = problem(
        await _change(enrolment, cohort["id"], reason="x", eoi_deadline="2020-11-01T17:00:00"), 422
    )
    assert past["errors"][0]["field"] == "eoi_deadline"
    problem(await _change(enrolment, str(uuid.uuid4()), reason="x", minimum_teams=3), 404)
    lead = team_lead(enrolment, str(uuid.uuid4()))
    problem(
        await enrolment.client.patch(
            f"{API}/cohorts/{cohort['id']}", json={"reason": "x", "minimum_teams": 3}, headers=lead
        ),
        403,
    )
    assert await written(enrolment) == before
    # Once the deadline has passed it no longer moves; the cutoff still does.
    after_deadline(enrolment)
    passed = problem(
        await _change(enrolment, cohort["id"], reason="x", eoi_deadline="2020-12-31T17:00:00"), 409
    )
    assert passed["type"].endswith("/eoi-deadline-passed")
    ok(await _change(enrolment, cohort["id"], reason="x", withdrawal_credit_cutoff="2021-03-01"))


async def test_a_deadline_after_the_start_date_is_refused_when_opening(
    enrolment: RunningService,
) -> None:
    before = await written(enrolment)
    for deadline in ("2021-01-04T09:00:00", "2021-02-15T17:00:00"):
        response = await enrolment.client.post(
            f"{API}/cohorts",
            json={"name": "X", "eoi_deadline": deadline, "start_date": "2021-01-04"},
            headers=coordinator(enrolment),
        )
        assert problem(response, 422)["errors"][0]["field"] == "eoi_deadline"
    assert await written(enrolment) == before


async def test_lowering_the_minimum_can_make_the_cohort_viable(enrolment: RunningService) -> None:
    cohort, _, _teams = await cohort_with_teams(enrolment, [1, 2], minimum_teams=3)
    assert await outbox_events(enrolment, "enrolment.cohort.viable") == []
    ok(await _change(enrolment, cohort["id"], reason="Two trusts merged", minimum_teams=2))
    [viable] = await outbox_events(enrolment, "enrolment.cohort.viable")
    assert (viable["accepted_teams"], viable["minimum_teams"]) == (2, 2)


async def test_the_price_is_fixed_once_teams_are_confirmed(enrolment: RunningService) -> None:
    cohort, _, _teams = await cohort_with_teams(enrolment, [1, 2], minimum_teams=2)
    ok(await _change(enrolment, cohort["id"], reason="VAT change", vat_rate="0.175"))
    after_deadline(enrolment)
    ok(await decide(enrolment, cohort["id"], "go"))
    for term, value in (
        ("fee_per_team", "4000.00"),
        ("multi_team_discount", "0.2"),
        ("vat_rate", "0.2"),
    ):
        refused = problem(await _change(enrolment, cohort["id"], reason="x", **{term: value}), 409)
        assert refused["type"].endswith("/cohort-invoiced")
    problem(await _change(enrolment, cohort["id"], reason="x", minimum_teams=1), 409)
    ok(await _change(enrolment, cohort["id"], reason="x", withdrawal_credit_cutoff="2021-03-01"))
    [confirmed, *_] = await outbox_events(enrolment, "enrolment.team.confirmed")
    assert confirmed["terms"]["vat_rate"] == "0.1750"


async def test_billing_reporting_an_invoice_fixes_the_price(enrolment: RunningService) -> None:
    """Enrolment consumes billing.invoice.issued / billing.proforma.issued over NATS: from the
    first one on, the cohort's fee and VAT stay as they are."""
    cohort = await create_cohort(enrolment)
    other = await create_cohort(enrolment, name="Other")
    ok(await _change(enrolment, cohort["id"], reason="early bird", fee_per_team="4100.00"))
    common: dict[str, Any] = {
        "organisation_id": uuid.uuid4(),
        "team_id": uuid.uuid4(),
        "issued_on": date(2020, 11, 2),
        "net": Decimal("4100.00"),
        "vat_rate": Decimal("0.20"),
        "vat": Decimal("820.00"),
        "gross": Decimal("4920.00"),
    }
    await publish_event(
        enrolment.settings.nats_url,
        ProformaIssued(proforma_id=uuid.uuid4(), reference="PF-1", cohort_id=other["id"], **common),
    )
    await publish_event(
        enrolment.settings.nats_url,
        InvoiceIssued(
            invoice_id=uuid.uuid4(),
            number="EW-000001",
            cohort_id=cohort["id"],
            purchase_order="PO-1",
            due_on=date(2020, 12, 2),
            **common,
        ),
    )

    tries = iter(range(1, 10_000))

    async def fixed(cohort_id: str) -> bool:
        # A new fee each time: until the event is handled, each try changes it.
        answer = await _change(enrolment, cohort_id, reason="x", fee_per_team=f"{next(tries)}.00")
        return answer.status_code == 409 and answer.json()["type"].endswith("/cohort-invoiced")

    assert await eventually(lambda: fixed(cohort["id"]))
    assert await eventually(lambda: fixed(other["id"]))
    # Nothing else about the cohort is fixed by it.
    ok(await _change(enrolment, cohort["id"], reason="x", minimum_teams=20))


async def test_the_withdrawal_cutoff_shows_its_effective_value(enrolment: RunningService) -> None:
    cohort = await create_cohort(enrolment)
    assert cohort["terms"]["withdrawal_credit_cutoff"] == "2021-01-04"  # the start date
    [opened] = await outbox_events(enrolment, "enrolment.cohort.opened")
    assert opened["terms"]["withdrawal_credit_cutoff"] == "2021-01-04"
    chosen = await create_cohort(enrolment, name="B", withdrawal_credit_cutoff="2021-03-01")
    assert chosen["terms"]["withdrawal_credit_cutoff"] == "2021-03-01"


async def test_people_who_list_cohorts_read_one_without_its_viability(
    enrolment: RunningService,
) -> None:
    cohort, orgs, _teams = await cohort_with_teams(enrolment, [1, 2], minimum_teams=2)
    url = f"{API}/cohorts/{cohort['id']}"
    detail = ok(await enrolment.client.get(url, headers=coordinator(enrolment)))
    assert detail["viability"]["accepted"] == 2
    for headers in (
        team_lead(enrolment, orgs[1]["id"]),
        enrolment.auth(Role.coach, coach_id=uuid.uuid4()),
        enrolment.auth(Role.finance),
    ):
        seen = ok(await enrolment.client.get(url, headers=headers))
        assert seen["viability"] is None
        assert {k: v for k, v in seen.items() if k != "viability"} == {
            k: v for k, v in detail.items() if k != "viability"
        }


async def test_a_withdrawn_team_leaves_its_coachs_list(enrolment: RunningService) -> None:
    coach = ok(
        await enrolment.client.post(
            f"{API}/coaches",
            json={"name": "Coach K", "email": "k@example.org", "capacity": 5},
            headers=coordinator(enrolment),
        ),
        201,
    )
    cohort, _, teams = await cohort_with_teams(enrolment, [1, 2], minimum_teams=2)
    after_deadline(enrolment)
    ok(await decide(enrolment, cohort["id"], "go"))
    as_coach = enrolment.auth(Role.coach, coach_id=coach["id"])
    listed = ok(await enrolment.client.get(f"{API}/teams", headers=as_coach))
    assert {t["id"] for t in listed["items"]} == {t["id"] for t in teams}
    clock_of(enrolment).set(datetime(2021, 2, 1, 10, tzinfo=UTC))
    ok(await team_action(enrolment, teams[0]["id"], "withdraw", {"reason": "Ward closed"}))
    listed = ok(await enrolment.client.get(f"{API}/teams", headers=as_coach))
    assert [t["id"] for t in listed["items"]] == [teams[1]["id"]] and listed["total"] == 1
    problem(await enrolment.client.get(f"{API}/teams/{teams[0]['id']}", headers=as_coach), 404)
    # The coordinator still sees who coached it.
    kept = ok(
        await enrolment.client.get(f"{API}/teams/{teams[0]['id']}", headers=coordinator(enrolment))
    )
    assert (kept["status"], kept["coach_id"]) == ("withdrawn", coach["id"])
