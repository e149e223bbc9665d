"""Applications by people the programme does not know yet (issue 17, items 1 and 2): an applicant
names their organisation by ODS code (an unknown one is registered unverified until a coordinator
verifies or merges it), follows their own applications, and meets the duplicate rules and a rate
limit; the fuller form refuses each missing answer with its own message; anyone reads an open
cohort's terms for the form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.auth import Role
from tests.integration.enrolment.enrolment_support import (
    API,
    FORM_ANSWERS,
    after_deadline,
    applicant,
    apply,
    coordinator,
    create_cohort,
    create_organisation,
    eoi_payload,
    named,
    ok,
    outbox_events,
    problem,
    submit,
    team_action,
    team_lead,
    written,
)
from tests.support import RunningService


async def _organisation(service: RunningService, organisation_id: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(
        await service.client.get(
            f"{API}/organisations/{organisation_id}", headers=coordinator(service)
        )
    )
    return found


async def test_applicant_names_an_unknown_organisation_which_waits_for_verification(
    enrolment: RunningService,
) -> None:
    cohort = await create_cohort(enrolment)
    team = ok(await apply(enrolment, cohort["id"], named(" rxx ", "Kendal Community Trust")), 201)
    assert team["status"] == "submitted" and team["organisation_verified"] is False
    organisation = await _organisation(enrolment, team["organisation_id"])
    assert (organisation["ods_code"], organisation["verified"]) == ("RXX", False)
    assert organisation["name"] == "Kendal Community Trust"
    # Who to acknowledge it to travels with the event.
    [submitted] = await outbox_events(enrolment, "enrolment.eoi.submitted")
    assert submitted["cohort_name"] == "Enjoying Work 2021"
    assert submitted["organisation_name"] == "Kendal Community Trust"
    assert submitted["project_lead"]["email"] == "ada@example.nhs.uk"
    assert submitted["senior_sponsor"]["name"] == "Grace Hopper"

    # Not accepted while unverified; verified once it has an invoicing address.
    refused = problem(await team_action(enrolment, team["id"], "accept"), 409)
    assert refused["type"].endswith("/organisation-unverified")
    verify = f"{API}/organisations/{team['organisation_id']}/verify"
    no_address = problem(await enrolment.client.post(verify, headers=coordinator(enrolment)), 422)
    assert no_address["errors"][0]["field"] == "invoicing_address"
    ok(
        await enrolment.client.patch(
            f"{API}/organisations/{team['organisation_id']}",
            json={"invoicing_address": {"lines": ["1 Lake Road", "Kendal"], "postcode": "LA9 1AA"}},
            headers=coordinator(enrolment),
        )
    )
    verified = ok(await enrolment.client.post(verify, headers=coordinator(enrolment)))
    assert verified["verified"] is True
    assert ok(await enrolment.client.post(verify, headers=coordinator(enrolment))) == verified
    updates = await outbox_events(enrolment, "enrolment.organisation.updated")
    assert [u["verified"] for u in updates] == [False, True]  # the address, then the verification
    assert updates[-1]["organisation"]["ods_code"] == "RXX"
    assert ok(await team_action(enrolment, team["id"], "accept"))["status"] == "accepted"


async def test_a_known_code_or_a_sites_code_finds_the_registered_organisation(
    enrolment: RunningService,
) -> None:
    cohort = await create_cohort(enrolment)
    trust = await create_organisation(enrolment, 7)  # ODS code R07
    by_code = ok(await apply(enrolment, cohort["id"], named("R07", "Any name")), 201)
    by_site = ok(await apply(enrolment, cohort["id"], named("r0701", "A site"), "Ward 8"), 201)
    assert by_code["organisation_id"] == by_site["organisation_id"] == trust["id"]
    assert by_code["organisation_name"] == "Trust 07"  # the registered details stand
    assert by_code["organisation_verified"] is True
    listed = ok(
        await enrolment.client.get(
            f"{API}/organisations", params={"verified": False}, headers=coordinator(enrolment)
        )
    )
    assert listed == []  # nothing was registered


async def test_merging_a_duplicate_moves_its_teams_and_its_code(enrolment: RunningService) -> None:
    cohort = await create_cohort(enrolment)
    registered = await create_organisation(enrolment, 8, ods=None)  # known, without a code
    team = ok(await apply(enrolment, cohort["id"], named("8J999", "Mind in Kendal")), 201)
    duplicate = team["organisation_id"]
    awaiting = ok(
        await enrolment.client.get(
            f"{API}/organisations", params={"verified": False}, headers=coordinator(enrolment)
        )
    )
    assert [o["id"] for o in awaiting] == [duplicate]
    merge = f"{API}/organisations/{duplicate}/merge"
    # Only into a verified organisation, never into itself.
    problem(
        await enrolment.client.post(
            merge, json={"into_organisation_id": duplicate}, headers=coordinator(enrolment)
        ),
        422,
    )
    target = ok(
        await enrolment.client.post(
            merge,
            json={"into_organisation_id": registered["id"]},
            headers=coordinator(enrolment),
        )
    )
    assert (target["id"], target["ods_code"]) == (registered["id"], "8J999")
    moved = ok(
        await enrolment.client.get(f"{API}/teams/{team['id']}", headers=coordinator(enrolment))
    )
    assert moved["organisation_id"] == registered["id"]
    merged = await _organisation(enrolment, duplicate)
    assert (merged["merged_into_id"], merged["ods_code"]) == (registered["id"], None)
    # Later applications naming the code reach the registered organisation.
    later = ok(await apply(enrolment, cohort["id"], named("8J999", "Mind"), "Ward 9"), 201)
    assert later["organisation_id"] == registered["id"]
    updates = await outbox_events(enrolment, "enrolment.organisation.updated")
    assert {(u["organisation"]["id"], u["merged_into_id"]) for u in updates} == {
        (registered["id"], None),
        (duplicate, registered["id"]),
    }
    # The same team put forward by both is refused until one is withdrawn.
    twin = ok(await apply(enrolment, cohort["id"], named("RQQ", "Twin"), "Ward 9"), 201)
    clash = problem(
        await enrolment.client.post(
            f"{API}/organisations/{twin['organisation_id']}/merge",
            json={"into_organisation_id": registered["id"]},
            headers=coordinator(enrolment),
        ),
        409,
    )
    assert clash["type"].endswith("/duplicate-eoi") and clash["team_ids"] == [twin["id"]]


async def test_applicants_see_only_their_own_applications(enrolment: RunningService) -> None:
    cohort = await create_cohort(enrolment)
    trust = await create_organisation(enrolment, 1)
    mine = ok(await apply(enrolment, cohort["id"], named("R01")), 201)
    theirs = ok(
        await apply(
            enrolment, cohort["id"], named("R01"), "Ward 8", headers=applicant(enrolment, "bob")
        ),
        201,
    )
    by_coordinator = ok(await submit(enrolment, cohort["id"], trust["id"], "Ward 9"), 201)
    me = applicant(enrolment)
    listed = ok(await enrolment.client.get(f"{API}/teams", headers=me))
    assert [(t["id"], t["status"]) for t in listed["items"]] == [(mine["id"], "submitted")]
    ok(await enrolment.client.get(f"{API}/teams/{mine['id']}", headers=me))
    for other in (theirs, by_coordinator):
        problem(await enrolment.client.get(f"{API}/teams/{other['id']}", headers=me), 404)
        problem(
            await enrolment.client.patch(
                f"{API}/teams/{other['id']}", json={"team_size": 3}, headers=me
            ),
            404,
        )
    # They follow the status the coordinator gives it, edit it, and may withdraw it.
    ok(await team_action(enrolment, mine["id"], "accept"))
    seen = ok(await enrolment.client.get(f"{API}/teams/{mine['id']}", headers=me))
    assert seen["status"] == "accepted"
    edited = ok(
        await enrolment.client.patch(f"{API}/teams/{mine['id']}", json={"team_size": 9}, headers=me)
    )
    assert edited["team_size"] == 9
    withdrawn = ok(
        await team_action(enrolment, mine["id"], "withdraw", {"reason": "Not now"}, headers=me)
    )
    assert withdrawn["status"] == "withdrawn"
    # They read no organisation and no cohort detail; they take no coordinator's action.
    problem(await enrolment.client.get(f"{API}/organisations", headers=me), 403)
    problem(await enrolment.client.get(f"{API}/cohorts/{cohort['id']}", headers=me), 403)
    problem(await team_action(enrolment, theirs["id"], "accept", headers=me), 403)


async def test_how_an_organisation_is_named(enrolment: RunningService) -> None:
    cohort = await create_cohort(enrolment)
    own = await create_organisation(enrolment, 1)
    other = await create_organisation(enrolment, 2)
    before = await written(enrolment)
    # An applicant names it by ODS code, never by id; the code's format is checked.
    by_id = eoi_payload(own["id"])
    problem(
        await enrolment.client.post(
            f"{API}/cohorts/{cohort['id']}/eois", json=by_id, headers=applicant(enrolment)
        ),
        422,
    )
    bad = problem(await apply(enrolment, cohort["id"], named("R-1")), 422)
    assert bad["errors"][0]["field"] == "organisation.ods_code"
    both = eoi_payload(own["id"], organisation=named("R01"))
    problem(
        await enrolment.client.post(
            f"{API}/cohorts/{cohort['id']}/eois", json=both, headers=coordinator(enrolment)
        ),
        422,
    )
    # A team lead applies for their own organisation only (by id or by code); a code nobody
    # registered is not theirs to register.
    lead = team_lead(enrolment, own["id"])
    problem(await apply(enrolment, cohort["id"], named("R02"), headers=lead), 404)
    problem(await apply(enrolment, cohort["id"], named("RZZ"), headers=lead), 404)
    problem(await submit(enrolment, cohort["id"], other["id"], headers=lead), 404)
    problem(await apply(enrolment, cohort["id"], named("RZZ"), headers=coordinator(enrolment)), 404)
    # Late entries are a coordinator's.
    problem(await apply(enrolment, cohort["id"], named("RZZ"), late_entry=True), 403)
    assert await written(enrolment) == before
    assert ok(await apply(enrolment, cohort["id"], named("R01"), headers=lead), 201)
    assert ok(await apply(enrolment, cohort["id"], named("R01", name="x"), "Ward 8"), 201)
    after_deadline(enrolment)
    late = problem(await apply(enrolment, cohort["id"], named("RZZ"), "Ward 9"), 409)
    assert late["type"].endswith("/eoi-deadline-passed")


async def test_one_organisation_puts_a_team_forward_to_a_cohort_once(
    enrolment: RunningService,
) -> None:
    cohort = await create_cohort(enrolment)
    later = await create_cohort(
        enrolment, name="2022", eoi_deadline="2021-12-14T17:00:00", start_date="2022-01-04"
    )
    trust = await create_organisation(enrolment, 1)
    first = ok(await submit(enrolment, cohort["id"], trust["id"], "Ward 7"), 201)
    for name in ("Ward 7", "  ward   7 "):
        twice = problem(await apply(enrolment, cohort["id"], named("R01"), name), 409)
        assert twice["type"].endswith("/duplicate-eoi") and twice["team_id"] == first["id"]
    ok(await submit(enrolment, later["id"], trust["id"], "Ward 7"), 201)  # another cohort
    other = await create_organisation(enrolment, 2)
    ok(await submit(enrolment, cohort["id"], other["id"], "Ward 7"), 201)  # another trust
    ward8 = ok(await submit(enrolment, cohort["id"], trust["id"], "Ward 8"), 201)
    clash = problem(
        await enrolment.client.patch(
            f"{API}/teams/{ward8['id']}",
            json={"team_name": "WARD 7"},
            headers=coordinator(enrolment),
        ),
        409,
    )
    assert clash["type"].endswith("/duplicate-eoi")
    # Once withdrawn, the team may apply again.
    ok(await team_action(enrolment, first["id"], "withdraw", {"reason": "Wrong form"}))
    ok(await submit(enrolment, cohort["id"], trust["id"], "Ward 7"), 201)


async def test_applications_are_rate_limited_per_applicant(enrolment: RunningService) -> None:
    enrolment.app.state.rate_limit_overrides = {"applications": (2, 0.0001)}
    cohort = await create_cohort(enrolment)
    for n in range(2):
        ok(await apply(enrolment, cohort["id"], named("RAA"), f"Team {n}"), 201)
    refused = problem(await apply(enrolment, cohort["id"], named("RAA"), "Team 2"), 429)
    assert int(refused["status"]) == 429
    # Another applicant, and the programme's own staff, have their own allowance.
    ok(
        await apply(
            enrolment, cohort["id"], named("RAA"), "Team 3", headers=applicant(enrolment, "b")
        ),
        201,
    )
    ok(
        await apply(
            enrolment, cohort["id"], named("RAA"), "Team 4", headers=coordinator(enrolment)
        ),
        201,
    )


async def test_each_missing_answer_is_refused_with_its_own_message(
    enrolment: RunningService,
) -> None:
    cohort = await create_cohort(enrolment)
    trust = await create_organisation(enrolment, 1)
    before = await written(enrolment)
    payload = eoi_payload(trust["id"])
    for field in FORM_ANSWERS:
        del payload[field]
    body = problem(
        await enrolment.client.post(
            f"{API}/cohorts/{cohort['id']}/eois", json=payload, headers=coordinator(enrolment)
        ),
        422,
    )
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert set(messages) == set(FORM_ANSWERS)
    assert len(set(messages.values())) == len(messages)
    assert "learning sets" in messages["will_attend_learning_sets"]
    assert "change ideas" in messages["will_implement_change_ideas"]
    assert "measurement plan" in messages["will_collect_data"]
    for field, value in (
        ("contact_phone", "ring me"),
        ("team_size", 0),
        ("will_collect_data", "yes"),
    ):
        wrong = problem(await submit(enrolment, cohort["id"], trust["id"], **{field: value}), 422)
        assert wrong["errors"][0]["field"] == field
    assert await written(enrolment) == before
    team = ok(await submit(enrolment, cohort["id"], trust["id"]), 201)
    assert (team["team_size"], team["contact_phone"]) == (14, "01632 960 001")
    assert team["will_attend_learning_sets"] and team["will_implement_change_ideas"]
    assert team["will_collect_data"] and team["hopes_to_improve"].startswith("More of the team")
    # An edit cannot take a commitment back.
    problem(
        await enrolment.client.patch(
            f"{API}/teams/{team['id']}",
            json={"will_collect_data": False},
            headers=coordinator(enrolment),
        ),
        422,
    )


async def test_anyone_reads_an_open_cohorts_terms_for_the_form(enrolment: RunningService) -> None:
    cohort = await create_cohort(enrolment, withdrawal_credit_cutoff="2021-02-01")
    closed = await create_cohort(enrolment, name="Closed early")
    ok(
        await enrolment.client.post(
            f"{API}/cohorts/{closed['id']}/close", headers=coordinator(enrolment)
        )
    )
    listed = ok(await enrolment.client.get(f"{API}/open-cohorts"))  # no credentials
    assert [c["id"] for c in listed] == [cohort["id"]]
    [terms] = listed
    assert terms["eoi_deadline_uk"].startswith("2020-12-15T17:00:00")  # 5pm, UK time
    assert terms["terms"]["fee_per_team"] == "4300.00" and terms["terms"]["vat_rate"] == "0.20"
    assert Decimal(terms["fee_per_team_including_vat"]) == Decimal("5160.00")
    assert Decimal(terms["discounted_fee_per_team"]) == Decimal("3870.00")
    assert terms["terms"]["withdrawal_credit_cutoff"] == "2021-02-01"
    assert {c["field"] for c in terms["commitments"]} == {
        "agreed_to_take_part",
        "can_meet_commitment",
        "will_attend_learning_sets",
        "will_implement_change_ideas",
        "will_collect_data",
    }
    assert "viability" not in terms and "decision_reason" not in terms
    one = ok(await enrolment.client.get(f"{API}/cohorts/{closed['id']}/terms"))
    assert one["status"] == "closed"
    signed_in = enrolment.auth(Role.applicant, subject="someone")
    assert ok(await enrolment.client.get(f"{API}/open-cohorts", headers=signed_in)) == listed
    problem(
        await enrolment.client.get(f"{API}/cohorts/00000000-0000-0000-0000-000000000000/terms"),
        404,
    )
    after_deadline(enrolment)
    assert ok(await enrolment.client.get(f"{API}/open-cohorts")) == []
