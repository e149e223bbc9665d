"""Erasure on request (issue 17, item 11): a coordinator erases a person by e-mail address; then
no table of enrolment's database (the outbox's recorded events included) holds their name, e-mail
address or phone number, the rows are kept, and ``enrolment.person.erased`` names them only by
the digest of their address."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

import shared.inbox
import shared.outbox  # noqa: F401  (registers the platform tables)
from services.enrolment.models import Base
from shared.auth import Role
from shared.db import platform_metadata
from shared.erasure import email_digest
from shared.events import CATALOGUE
from tests.integration.enrolment.enrolment_support import (
    API,
    after_deadline,
    apply,
    clock_of,
    coordinator,
    create_cohort,
    create_organisation,
    decide,
    named,
    ok,
    outbox_events,
    problem,
    submit,
    team_action,
)
from tests.support import RunningService

NAME = "Augusta Ada King"
EMAIL = "augusta.king@example.nhs.uk"
PHONE = "01632 960 123"
ADA = {"name": NAME, "email": "Augusta.King@Example.NHS.uk", "job_title": "Team manager"}


async def everything_in_the_database(service: RunningService) -> list[tuple[str, str, str]]:
    """(table, column, text) for every value of every column of every table."""
    found = []
    async with service.app.state.database.sessions() as session:
        for metadata in (Base.metadata, platform_metadata):
            for table in metadata.sorted_tables:
                for row in (await session.execute(select(table))).mappings():
                    for column, value in row.items():
                        if value is not None:
                            found.append((table.name, column, str(value)))
    return found


async def mentions(service: RunningService, *texts: str) -> list[tuple[str, str]]:
    wanted = [t.lower() for t in texts]
    return [
        (table, column)
        for table, column, value in await everything_in_the_database(service)
        if any(w in value.lower() for w in wanted)
    ]


async def _a_person_everywhere(service: RunningService) -> dict[str, Any]:
    """Augusta leads one team (and is in its project team), sponsors another, coaches, receives an
    organisation's invoices, applied herself, and changed a cohort's terms; all confirmed, so
    the events carry her too."""
    headers = coordinator(service)
    coach = ok(
        await service.client.post(
            f"{API}/coaches", json={"name": NAME, "email": EMAIL, "capacity": 5}, headers=headers
        ),
        201,
    )
    cohort = await create_cohort(service, minimum_teams=3)
    org_1 = await create_organisation(service, 1)
    org_2 = await create_organisation(service, 2)
    ok(
        await service.client.patch(
            f"{API}/organisations/{org_2['id']}",
            json={"accounts_payable": {"email": EMAIL, "name": NAME}},
            headers=headers,
        )
    )
    team_a = ok(
        await submit(
            service,
            cohort["id"],
            org_1["id"],
            "Ward A",
            project_lead=ADA,
            contact_phone=PHONE,
            project_team=[
                {"role": "Manager", "name": NAME},
                {"role": "Service user", "is_service_user": True},
            ],
        ),
        201,
    )
    team_b = ok(await submit(service, cohort["id"], org_2["id"], "Ward B", senior_sponsor=ADA), 201)
    as_ada = service.auth(Role.applicant, subject=EMAIL)  # her sign-in subject is her address
    team_c = ok(await apply(service, cohort["id"], named("R01"), "Ward C", headers=as_ada), 201)
    as_coordinator_ada = service.auth(Role.coordinator, subject=EMAIL)
    ok(
        await service.client.patch(
            f"{API}/cohorts/{cohort['id']}",
            json={"reason": "More time", "eoi_deadline": "2020-12-16T17:00:00"},
            headers=as_coordinator_ada,
        )
    )
    for team in (team_a, team_b, team_c):
        ok(await team_action(service, team["id"], "accept"))
    after_deadline(service)
    clock_of(service).advance(timedelta(days=1))  # past the changed deadline
    ok(await decide(service, cohort["id"], "go"))
    return {"coach": coach, "teams": [team_a, team_b, team_c], "org": org_2}


async def test_erasing_a_person_leaves_no_trace_of_them(enrolment: RunningService) -> None:
    world = await _a_person_everywhere(enrolment)
    assert await mentions(enrolment, NAME, EMAIL, PHONE)  # she is everywhere at first
    teams_before = ok(await enrolment.client.get(f"{API}/teams", headers=coordinator(enrolment)))[
        "total"
    ]

    answer = await enrolment.client.post(
        f"{API}/erasures",
        json={"email": "  AUGUSTA.King@example.nhs.uk"},
        headers=coordinator(enrolment),
    )
    done = ok(answer, 202)
    assert done["email_digest"] == email_digest(EMAIL)
    assert done["erased"] == {
        "project_leads": 1,
        "senior_sponsors": 1,
        "contact_phones": 1,
        "project_team_members": 1,
        "coaches": 1,
        "accounts_payable_contacts": 1,
        "applications": 1,
        "withdrawals": 0,
        "cohort_changes": 1,
        "recorded_events": done["erased"]["recorded_events"],
    }
    assert done["erased"]["recorded_events"] >= 5  # submitted, confirmed, allocated, updated

    left = await mentions(enrolment, NAME, EMAIL, PHONE)
    assert left == [], left
    # The rows stay: counts, history and the other people are whole.
    assert (
        ok(await enrolment.client.get(f"{API}/teams", headers=coordinator(enrolment)))["total"]
        == teams_before
    )
    assert await mentions(enrolment, "Grace Hopper", "grace@example.nhs.uk")
    team_a = ok(
        await enrolment.client.get(
            f"{API}/teams/{world['teams'][0]['id']}", headers=coordinator(enrolment)
        )
    )
    assert team_a["project_lead"]["name"] == "[erased]"
    assert team_a["project_lead"]["email"].endswith("@erased.invalid")
    assert team_a["status"] == "confirmed" and team_a["contact_phone"] == "[erased]"
    [erased] = await outbox_events(enrolment, "enrolment.person.erased")
    assert (
        erased["email_digest"] == email_digest(EMAIL) and erased["erasure_id"] == done["erasure_id"]
    )
    # The events still read as the catalogue's: what is left to publish stays publishable.
    for event in await outbox_events(enrolment):
        CATALOGUE[event.pop("_subject")].model_validate(event)
    [confirmed_a] = [
        e
        for e in await outbox_events(enrolment, "enrolment.team.confirmed")
        if e["team_id"] == team_a["id"]
    ]
    assert confirmed_a["project_lead"]["job_title"] == "[erased]"

    # Asking again finds nothing more.
    again = ok(
        await enrolment.client.post(
            f"{API}/erasures", json={"email": EMAIL}, headers=coordinator(enrolment)
        ),
        202,
    )
    assert set(again["erased"].values()) == {0}


async def test_only_coordinators_erase(enrolment: RunningService) -> None:
    for role in (Role.team_lead, Role.coach, Role.finance, Role.applicant, Role.operator):
        problem(
            await enrolment.client.post(
                f"{API}/erasures",
                json={"email": EMAIL},
                headers=enrolment.auth(role, organisation_id=uuid.uuid4(), coach_id=uuid.uuid4()),
            ),
            403,
        )
    problem(
        await enrolment.client.post(
            f"{API}/erasures", json={"email": "not an address"}, headers=coordinator(enrolment)
        ),
        422,
    )
    assert await outbox_events(enrolment, "enrolment.person.erased") == []
