"""Organisations' accounts-payable contacts (issue 16, item 5) and the catalogue fields that the
notifications service needs (issue 17): the contact is stored, changed by coordinators (a team
lead: their own organisation's), recorded as ``enrolment.organisation.updated`` on every change
and carried in ``enrolment.team.confirmed``."""

from __future__ import annotations

import uuid
from typing import Any

from tests.integration.enrolment.enrolment_support import (
    API,
    after_deadline,
    cohort_with_teams,
    coordinator,
    decide,
    ok,
    organisation_payload,
    outbox_events,
    problem,
    team_lead,
    written,
)
from tests.support import RunningService

AP = {
    "email": "accounts.payable@kendal.nhs.uk",
    "name": "Accounts Payable",
    "postal_address": {"lines": ["Shared Business Services", "PO Box 312"], "postcode": "LS1 1AA"},
}


async def _patch(
    service: RunningService, organisation_id: str, body: Any, headers: dict[str, str]
) -> Any:
    return await service.client.patch(
        f"{API}/organisations/{organisation_id}", json=body, headers=headers
    )


async def test_the_accounts_payable_contact_is_kept_and_every_change_recorded(
    enrolment: RunningService,
) -> None:
    created = ok(
        await enrolment.client.post(
            f"{API}/organisations",
            json={**organisation_payload(1), "accounts_payable": AP},
            headers=coordinator(enrolment),
        ),
        201,
    )
    assert created["accounts_payable"] == AP and created["verified"] is True
    renamed = ok(
        await _patch(
            enrolment,
            created["id"],
            {"name": "Kendal and Lakes Trust", "payables_code": "K123"},
            coordinator(enrolment),
        )
    )
    assert (renamed["name"], renamed["payables_code"]) == ("Kendal and Lakes Trust", "K123")
    assert renamed["updated_at"] is not None
    lead = team_lead(enrolment, created["id"])
    new_ap = {"email": "ap@kendal.nhs.uk"}
    changed = ok(await _patch(enrolment, created["id"], {"accounts_payable": new_ap}, lead))
    assert changed["accounts_payable"] == {
        "email": "ap@kendal.nhs.uk",
        "name": None,
        "postal_address": None,
    }
    # The same values again: nothing recorded.
    ok(await _patch(enrolment, created["id"], {"accounts_payable": new_ap}, lead))
    updates = await outbox_events(enrolment, "enrolment.organisation.updated")
    assert [u["organisation"]["name"] for u in updates] == ["Kendal and Lakes Trust"] * 2
    assert updates[0]["organisation"]["accounts_payable"]["email"] == AP["email"]
    assert updates[1]["organisation"]["accounts_payable"] == {
        "email": "ap@kendal.nhs.uk",
        "name": None,
        "postal_address": None,
    }
    assert updates[1]["organisation"]["payables_code"] == "K123"


async def test_a_team_lead_changes_only_their_own_organisations_contact(
    enrolment: RunningService,
) -> None:
    own = ok(
        await enrolment.client.post(
            f"{API}/organisations", json=organisation_payload(1), headers=coordinator(enrolment)
        ),
        201,
    )
    other = ok(
        await enrolment.client.post(
            f"{API}/organisations", json=organisation_payload(2), headers=coordinator(enrolment)
        ),
        201,
    )
    lead = team_lead(enrolment, own["id"])
    before = await written(enrolment)
    problem(await _patch(enrolment, own["id"], {"name": "Renamed"}, lead), 403)
    problem(
        await _patch(enrolment, own["id"], {"accounts_payable": AP, "nation": "wales"}, lead), 403
    )
    problem(await _patch(enrolment, other["id"], {"accounts_payable": AP}, lead), 404)
    problem(await _patch(enrolment, str(uuid.uuid4()), {"name": "x"}, coordinator(enrolment)), 404)
    problem(await _patch(enrolment, own["id"], {"name": None}, coordinator(enrolment)), 422)
    problem(await _patch(enrolment, own["id"], {"accounts_payable": {"email": "nope"}}, lead), 422)
    taken = problem(
        await _patch(enrolment, own["id"], {"ods_code": "r02"}, coordinator(enrolment)), 409
    )
    assert taken["type"].endswith("/duplicate-ods-code")
    assert await written(enrolment) == before
    removed = ok(
        await _patch(enrolment, own["id"], {"accounts_payable": None}, coordinator(enrolment))
    )
    assert removed["accounts_payable"] is None


async def test_confirmation_carries_the_current_contact_and_who_to_tell(
    enrolment: RunningService,
) -> None:
    coach = ok(
        await enrolment.client.post(
            f"{API}/coaches",
            json={"name": "Coach K", "email": "k@example.org", "capacity": 5},
            headers=coordinator(enrolment),
        ),
        201,
    )
    cohort, orgs, teams = await cohort_with_teams(enrolment, [1, 2], minimum_teams=2)
    ok(await _patch(enrolment, orgs[1]["id"], {"accounts_payable": AP}, coordinator(enrolment)))
    after_deadline(enrolment)
    ok(await decide(enrolment, cohort["id"], "go"))
    confirmed = {
        e["team_id"]: e for e in await outbox_events(enrolment, "enrolment.team.confirmed")
    }
    mine = confirmed[teams[0]["id"]]
    assert mine["organisation"]["accounts_payable"] == AP
    assert confirmed[teams[1]["id"]]["organisation"]["accounts_payable"] is None
    assert mine["senior_sponsor"] == {
        "name": "Grace Hopper",
        "email": "grace@example.nhs.uk",
        "job_title": "Service director",
    }
    allocated = await outbox_events(enrolment, "enrolment.coach.allocated")
    assert {(a["coach_name"], a["coach_email"]) for a in allocated} == {
        ("Coach K", "k@example.org")
    }
    assert {a["coach_id"] for a in allocated} == {coach["id"]}
