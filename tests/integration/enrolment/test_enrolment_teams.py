"""Teams: listing with filters and pagination, editing an EOI, and a team lead's view limited to
their own organisation (acceptance 6)."""

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
    problem,
    submit,
    team_action,
    team_lead,
    written,
)
from tests.support import RunningService


async def test_list_teams_with_filters_and_pagination(enrolment: RunningService) -> None:
    cohort, orgs, teams = await cohort_with_teams(
        enrolment, [1, 1, 2, 2, 3, 3, 3], accept=4, nations={3: "scotland"}
    )
    headers = coordinator(enrolment)
    url = f"{API}/teams"
    page = ok(
        await enrolment.client.get(
            url, params={"cohort_id": cohort["id"], "limit": 3}, headers=headers
        )
    )
    assert (page["total"], len(page["items"]), page["limit"], page["offset"]) == (7, 3, 3, 0)
    rest = ok(
        await enrolment.client.get(
            url, params={"cohort_id": cohort["id"], "limit": 3, "offset": 3}, headers=headers
        )
    )
    last = ok(
        await enrolment.client.get(
            url, params={"cohort_id": cohort["id"], "limit": 3, "offset": 6}, headers=headers
        )
    )
    seen = [t["id"] for t in page["items"] + rest["items"] + last["items"]]
    assert seen == [t["id"] for t in teams]  # every team once, in the order they came in

    def ids(body: dict[str, Any]) -> set[str]:
        return {t["id"] for t in body["items"]}

    accepted = ok(await enrolment.client.get(url, params={"status": "accepted"}, headers=headers))
    assert ids(accepted) == {t["id"] for t in teams[:4]}
    scottish = ok(await enrolment.client.get(url, params={"nation": "scotland"}, headers=headers))
    assert ids(scottish) == {t["id"] for t in teams[4:]}
    by_org = ok(
        await enrolment.client.get(url, params={"organisation_id": orgs[2]["id"]}, headers=headers)
    )
    assert ids(by_org) == {teams[2]["id"], teams[3]["id"]}
    non_clinical = ok(
        await enrolment.client.get(url, params={"setting": "non_clinical"}, headers=headers)
    )
    assert ids(non_clinical) == {teams[0]["id"], teams[3]["id"], teams[6]["id"]}
    problem(await enrolment.client.get(url, params={"limit": 0}, headers=headers), 422)
    problem(await enrolment.client.get(url, params={"status": "nonsense"}, headers=headers), 422)


async def test_team_lead_sees_and_changes_only_their_organisations_teams(
    enrolment: RunningService,
) -> None:
    cohort, orgs, teams = await cohort_with_teams(enrolment, [1, 1, 2], accept=0)
    mine, theirs = teams[0], teams[2]
    lead = team_lead(enrolment, orgs[1]["id"])

    listed = ok(await enrolment.client.get(f"{API}/teams", headers=lead))
    assert {t["id"] for t in listed["items"]} == {teams[0]["id"], teams[1]["id"]}
    # Asking for the other organisation's teams finds nothing rather than an error.
    other = ok(
        await enrolment.client.get(
            f"{API}/teams", params={"organisation_id": orgs[2]["id"]}, headers=lead
        )
    )
    assert other["total"] == 0
    ok(await enrolment.client.get(f"{API}/teams/{mine['id']}", headers=lead))
    ok(await enrolment.client.get(f"{API}/organisations/{orgs[1]['id']}", headers=lead))

    before = await written(enrolment)
    problem(await enrolment.client.get(f"{API}/teams/{theirs['id']}", headers=lead), 404)
    problem(await enrolment.client.get(f"{API}/organisations/{orgs[2]['id']}", headers=lead), 404)
    problem(
        await enrolment.client.patch(
            f"{API}/teams/{theirs['id']}", json={"team_name": "Mine now"}, headers=lead
        ),
        404,
    )
    problem(
        await team_action(enrolment, theirs["id"], "withdraw", json={"reason": "x"}, headers=lead),
        404,
    )
    problem(await submit(enrolment, cohort["id"], orgs[2]["id"], "Sneaky", headers=lead), 404)
    # Accepting is for coordinators, even for the lead's own team.
    problem(await team_action(enrolment, mine["id"], "accept", headers=lead), 403)
    assert await written(enrolment) == before
    organisations = ok(await enrolment.client.get(f"{API}/organisations", headers=lead))
    assert [o["id"] for o in organisations] == [orgs[1]["id"]]

    # Their own team they may edit and withdraw.
    edited = ok(
        await enrolment.client.patch(
            f"{API}/teams/{mine['id']}",
            json={"team_name": "Ward 7 (renamed)", "purchase_order": "PO-77", "cost_centre": ""},
            headers=lead,
        )
    )
    assert (edited["team_name"], edited["purchase_order"]) == ("Ward 7 (renamed)", "PO-77")
    assert edited["cost_centre"] == ""  # cleared: no reference is quoted on the invoice
    withdrawn = ok(
        await team_action(
            enrolment, mine["id"], "withdraw", json={"reason": "Capacity"}, headers=lead
        )
    )
    assert withdrawn["status"] == "withdrawn"


async def test_editing_an_eoi_keeps_its_rules(enrolment: RunningService) -> None:
    cohort, _, teams = await cohort_with_teams(enrolment, [1, 1], accept=0, minimum_teams=1)
    url = f"{API}/teams/{teams[1]['id']}"  # a clinical team
    headers = coordinator(enrolment)
    before = await written(enrolment)
    body = problem(
        await enrolment.client.patch(
            url, json={"project_team": [{"role": "Band 5 nurse"}]}, headers=headers
        ),
        422,
    )
    assert [e["field"] for e in body["errors"]] == ["project_team"]
    problem(await enrolment.client.patch(url, json={"senior_sponsor": None}, headers=headers), 422)
    problem(await enrolment.client.patch(url, json={"team_name": None}, headers=headers), 422)
    problem(await enrolment.client.patch(url, json={"status": "confirmed"}, headers=headers), 422)
    assert await written(enrolment) == before
    ok(await team_action(enrolment, teams[1]["id"], "accept"))
    after_deadline(enrolment)
    ok(await decide(enrolment, cohort["id"], "go"))
    problem(await enrolment.client.patch(url, json={"team_name": "Too late"}, headers=headers), 409)
    problem(await enrolment.client.get(f"{API}/teams/{uuid.uuid4()}", headers=headers), 404)
