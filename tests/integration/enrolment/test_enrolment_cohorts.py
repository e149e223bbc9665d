"""Cohorts, the EOI deadline in UK time (acceptance 3) and invalid input (acceptance 4)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from tests.integration.enrolment.enrolment_support import (
    API,
    clock_of,
    coordinator,
    create_cohort,
    create_organisation,
    eoi_payload,
    ok,
    organisation_payload,
    outbox_events,
    problem,
    submit,
    team_lead,
    written,
)
from tests.support import RunningService


async def test_cohort_opens_with_its_terms_and_a_uk_deadline(enrolment: RunningService) -> None:
    cohort = await create_cohort(
        enrolment,
        minimum_teams=35,
        lead_in_months=2,
        coaching_months=10,
        fee_per_team="4300.00",
        multi_team_discount="0.10",
        vat_rate="0.20",
    )
    assert cohort["status"] == "open"
    assert datetime.fromisoformat(cohort["eoi_deadline"]) == datetime(2020, 12, 15, 17, tzinfo=UTC)
    assert cohort["eoi_deadline_uk"].startswith("2020-12-15T17:00:00")
    [opened] = await outbox_events(enrolment, "enrolment.cohort.opened")
    assert opened["cohort_id"] == cohort["id"]
    assert opened["minimum_teams"] == 35
    assert opened["terms"]["fee_per_team"] == "4300.00"
    assert opened["terms"]["multi_team_discount"] == "0.10"
    assert opened["terms"]["start_date"] == "2021-01-04"
    # A second cohort a year later has its own terms.
    later = await create_cohort(
        enrolment,
        name="Enjoying Work 2022",
        eoi_deadline="2021-12-14T17:00:00",
        start_date="2022-01-04",
        fee_per_team="4500.00",
    )
    assert later["terms"]["fee_per_team"] == "4500.00"
    listed = ok(await enrolment.client.get(f"{API}/cohorts", headers=coordinator(enrolment)))
    assert [c["name"] for c in listed] == ["Enjoying Work 2021", "Enjoying Work 2022"]


async def test_summer_deadline_is_stored_as_bst(enrolment: RunningService) -> None:
    cohort = await create_cohort(
        enrolment, eoi_deadline="2021-06-15T17:00:00", start_date="2021-09-01"
    )
    assert datetime.fromisoformat(cohort["eoi_deadline"]) == datetime(2021, 6, 15, 16, tzinfo=UTC)
    assert cohort["eoi_deadline_uk"] == "2021-06-15T17:00:00+01:00"


async def test_deadline_in_the_skipped_hour_is_refused(enrolment: RunningService) -> None:
    before = await written(enrolment)
    response = await enrolment.client.post(
        f"{API}/cohorts",
        json={"name": "X", "eoi_deadline": "2021-03-28T01:30:00", "start_date": "2021-05-01"},
        headers=coordinator(enrolment),
    )
    body = problem(response, 422)
    assert body["errors"][0]["field"] == "eoi_deadline"
    assert await written(enrolment) == before


async def _deadline_story(
    enrolment: RunningService, deadline_uk: str, deadline_utc: datetime
) -> None:
    org = await create_organisation(enrolment, 1)
    cohort = await create_cohort(enrolment, eoi_deadline=deadline_uk, start_date="2021-09-01")
    clock = clock_of(enrolment)
    lead = team_lead(enrolment, org["id"])

    clock.set(deadline_utc - timedelta(seconds=1))
    ok(await submit(enrolment, cohort["id"], org["id"], "In time", headers=lead), 201)

    clock.set(deadline_utc)
    before = await written(enrolment)
    late = problem(await submit(enrolment, cohort["id"], org["id"], "Too late", headers=lead), 409)
    assert late["type"].endswith("/eoi-deadline-passed")
    assert "17:00" in late["detail"]
    assert await written(enrolment) == before
    # The cohort shows as closed once its deadline passed.
    detail = ok(
        await enrolment.client.get(f"{API}/cohorts/{cohort['id']}", headers=coordinator(enrolment))
    )
    assert detail["status"] == "closed"
    assert detail["viability"]["deadline_passed"] is True

    # Only a coordinator's explicit late entry gets in, and it is recorded.
    problem(
        await submit(enrolment, cohort["id"], org["id"], "Late", headers=lead, late_entry=True), 403
    )
    late_team = ok(await submit(enrolment, cohort["id"], org["id"], "Late", late_entry=True), 201)
    assert late_team["late_entry"] is True
    submitted = [
        e
        for e in await outbox_events(enrolment, "enrolment.eoi.submitted")
        if e["cohort_id"] == cohort["id"]
    ]
    assert [(e["team_name"], e["late_entry"]) for e in submitted] == [
        ("In time", False),
        ("Late", True),
    ]


async def test_deadline_in_british_summer_time(enrolment: RunningService) -> None:
    # 17:00 BST on 15 June 2021 is 16:00 UTC: at 16:30 UTC (17:30 in the UK) it is too late.
    await _deadline_story(enrolment, "2021-06-15T17:00:00", datetime(2021, 6, 15, 16, tzinfo=UTC))
    clock_of(enrolment).set(datetime(2021, 6, 15, 16, 30, tzinfo=UTC))
    cohorts = ok(await enrolment.client.get(f"{API}/cohorts", headers=coordinator(enrolment)))
    assert cohorts[0]["status"] == "closed"


async def test_deadline_in_winter(enrolment: RunningService) -> None:
    # 17:00 GMT on 15 December 2020 is 17:00 UTC: at 16:30 UTC the team is still in time.
    org = await create_organisation(enrolment, 2)
    cohort = await create_cohort(enrolment, eoi_deadline="2020-12-15T17:00:00")
    clock_of(enrolment).set(datetime(2020, 12, 15, 16, 30, tzinfo=UTC))
    ok(await submit(enrolment, cohort["id"], org["id"], "Half past four"), 201)
    await _deadline_story(enrolment, "2020-12-16T17:00:00", datetime(2020, 12, 16, 17, tzinfo=UTC))


async def test_missing_agreement_and_sponsor_list_the_fields(enrolment: RunningService) -> None:
    org = await create_organisation(enrolment, 3)
    cohort = await create_cohort(enrolment)
    before = await written(enrolment)
    payload = eoi_payload(org["id"], agreed_to_take_part=False, can_meet_commitment=False)
    del payload["senior_sponsor"]
    payload["project_team"] = [{"role": "Band 5 nurse"}]
    response = await enrolment.client.post(
        f"{API}/cohorts/{cohort['id']}/eois", json=payload, headers=coordinator(enrolment)
    )
    body = problem(response, 422)
    assert {e["field"] for e in body["errors"]} == {
        "senior_sponsor",
        "agreed_to_take_part",
        "can_meet_commitment",
        "project_team",
    }
    # A statement of how service users will be involved is enough for a clinical team.
    payload = eoi_payload(org["id"], project_team=[{"role": "Band 5 nurse"}])
    payload["service_user_involvement"] = "Service users join our monthly review meeting"
    assert await written(enrolment) == before
    response = await enrolment.client.post(
        f"{API}/cohorts/{cohort['id']}/eois", json=payload, headers=coordinator(enrolment)
    )
    ok(response, 201)


async def test_invalid_input_is_a_problem_and_writes_nothing(enrolment: RunningService) -> None:
    org = await create_organisation(enrolment, 4)
    cohort = await create_cohort(enrolment)
    before = await written(enrolment)
    headers = coordinator(enrolment)

    for bad in ("RW", "RW-K", "R W K", "K810030012"):
        response = await enrolment.client.post(
            f"{API}/organisations", json=organisation_payload(5, ods=bad), headers=headers
        )
        assert problem(response, 422)["errors"][0]["field"] == "ods_code"

    bad_payables = organisation_payload(5)
    bad_payables["payables_code"] = "TOO-LONG"
    response = await enrolment.client.post(
        f"{API}/organisations", json=bad_payables, headers=headers
    )
    assert problem(response, 422)["errors"][0]["field"] == "payables_code"

    duplicate = await enrolment.client.post(
        f"{API}/organisations", json=organisation_payload(4), headers=headers
    )
    assert problem(duplicate, 409)["type"].endswith("/duplicate-ods-code")

    unknown_cohort = await submit(enrolment, str(uuid.uuid4()), org["id"])
    assert problem(unknown_cohort, 404)["type"].endswith("/unknown-cohort")
    problem(await enrolment.client.get(f"{API}/cohorts/{uuid.uuid4()}", headers=headers), 404)
    problem(await submit(enrolment, cohort["id"], str(uuid.uuid4())), 404)

    bad_email = eoi_payload(org["id"])
    bad_email["project_lead"]["email"] = "not-an-email"
    response = await enrolment.client.post(
        f"{API}/cohorts/{cohort['id']}/eois", json=bad_email, headers=headers
    )
    assert problem(response, 422)["errors"][0]["field"] == "project_lead.email"

    smuggled = eoi_payload(org["id"], status="confirmed")
    response = await enrolment.client.post(
        f"{API}/cohorts/{cohort['id']}/eois", json=smuggled, headers=headers
    )
    problem(response, 422)
    assert await written(enrolment) == before


async def test_only_coordinators_change_cohorts(enrolment: RunningService) -> None:
    org = await create_organisation(enrolment, 6)
    cohort = await create_cohort(enrolment)
    lead = team_lead(enrolment, org["id"])
    before = await written(enrolment)
    problem(await enrolment.client.post(f"{API}/cohorts", json={"name": "x"}, headers=lead), 403)
    problem(await enrolment.client.post(f"{API}/cohorts/{cohort['id']}/close", headers=lead), 403)
    problem(
        await enrolment.client.post(
            f"{API}/cohorts/{cohort['id']}/decision", json={"decision": "go"}, headers=lead
        ),
        403,
    )
    problem(
        await enrolment.client.post(
            f"{API}/coaches",
            json={"name": "C", "email": "c@example.org", "capacity": 3},
            headers=lead,
        ),
        403,
    )
    problem(await enrolment.client.get(f"{API}/cohorts"), 401)
    assert await written(enrolment) == before


async def test_openapi_documents_the_error_answers(enrolment: RunningService) -> None:
    spec = ok(await enrolment.client.get(f"{API}/openapi.json"))
    submit_op = spec["paths"][f"{API}/cohorts/{{cohort_id}}/eois"]["post"]
    assert {"404", "409", "422"} <= set(submit_op["responses"])
    decision = spec["paths"][f"{API}/cohorts/{{cohort_id}}/decision"]["post"]
    assert {"404", "409", "422"} <= set(decision["responses"])
    for path in ("/cohorts", "/organisations", "/teams", "/coaches"):
        assert f"{API}{path}" in spec["paths"]


async def test_concurrent_duplicate_ods_codes_register_once(enrolment: RunningService) -> None:
    answers = await asyncio.gather(
        *(
            enrolment.client.post(
                f"{API}/organisations", json=organisation_payload(9), headers=coordinator(enrolment)
            )
            for _ in range(3)
        )
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409]
    for answer in answers:
        if answer.status_code == 409:
            problem(answer, 409)
    listed = ok(await enrolment.client.get(f"{API}/organisations", headers=coordinator(enrolment)))
    assert [o["ods_code"] for o in listed] == ["R09"]
