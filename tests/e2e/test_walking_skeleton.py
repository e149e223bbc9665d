"""The walking skeleton: an expression of interest → confirmation → invoice, over real NATS."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from shared.auth import Role
from tests.support import NatsServer, RunningService, eventually, run_service

ORGANISATION = {
    "name": "North Lakes NHS Foundation Trust",
    "ods_code": "RNL",
    "nation": "england",
    "invoicing_address": {"lines": ["Finance", "1 Lake Road", "Kendal"], "postcode": "LA9 1AA"},
}
COHORT = {
    "name": "Enjoying Work 2021",
    # UK wall time; far enough ahead that the expression of interest is in time.
    "eoi_deadline": "2099-12-15T17:00:00",
    "start_date": "2100-01-04",
    "minimum_teams": 1,
}


def eoi(organisation_id: str, name: str = "Ward 7 Acute Team") -> dict[str, Any]:
    return {
        "organisation_id": organisation_id,
        "team_name": name,
        "setting": "clinical",
        "project_lead": {
            "name": "Ada Lovelace",
            "email": "ada@example.nhs.uk",
            "job_title": "Ward Manager",
        },
        "senior_sponsor": {
            "name": "Grace Hopper",
            "email": "grace@example.nhs.uk",
            "job_title": "Service Director",
        },
        "service_type": "Acute inpatient ward",
        "project_team": [
            {"role": "Band 6 nurse"},
            {"role": "Service user", "is_service_user": True},
        ],
        "agreed_to_take_part": True,
        "can_meet_commitment": True,
        "team_size": 12,
        "contact_phone": "01632 960 001",
        "hopes_to_improve": "More of the team enjoying work",
        "will_attend_learning_sets": True,
        "will_implement_change_ideas": True,
        "will_collect_data": True,
        "purchase_order": "PO-1001",
    }


async def confirmed_team(enrolment: RunningService) -> str:
    coordinator = enrolment.auth(Role.coordinator)
    org = await enrolment.client.post(
        "/api/enrolment/organisations", json=ORGANISATION, headers=coordinator
    )
    assert org.status_code == 201, org.text
    cohort = await enrolment.client.post("/api/enrolment/cohorts", json=COHORT, headers=coordinator)
    assert cohort.status_code == 201, cohort.text
    team = await enrolment.client.post(
        f"/api/enrolment/cohorts/{cohort.json()['id']}/eois",
        json=eoi(org.json()["id"]),
        headers=coordinator,
    )
    assert team.status_code == 201, team.text
    team_id: str = team.json()["id"]
    # Accept the EOI, close the cohort early and decide "go": the team is confirmed.
    accepted = await enrolment.client.post(
        f"/api/enrolment/teams/{team_id}/accept", headers=coordinator
    )
    assert accepted.status_code == 200, accepted.text
    cohort_url = f"/api/enrolment/cohorts/{cohort.json()['id']}"
    closed = await enrolment.client.post(f"{cohort_url}/close", headers=coordinator)
    assert closed.status_code == 200, closed.text
    go = await enrolment.client.post(
        f"{cohort_url}/decision", json={"decision": "go"}, headers=coordinator
    )
    assert go.status_code == 200, go.text
    assert go.json()["confirmed_team_ids"] == [team_id]
    confirmed = await enrolment.client.get(f"/api/enrolment/teams/{team_id}", headers=coordinator)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    return team_id


async def invoices_for(billing: RunningService, team_id: str) -> list[dict[str, Any]]:
    response = await billing.client.get(
        "/api/billing/invoices", params={"team_id": team_id}, headers=billing.auth(Role.finance)
    )
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


async def test_confirmed_team_is_invoiced_over_real_nats(nats_server: NatsServer) -> None:
    async with (
        run_service("enrolment", nats_url=nats_server.url) as enrolment,
        run_service("billing", nats_url=nats_server.url) as billing,
    ):
        team_id = await confirmed_team(enrolment)
        invoices = await eventually(lambda: invoices_for(billing, team_id))
        assert len(invoices) == 1
        invoice = invoices[0]
        assert Decimal(invoice["net"]) == Decimal("4300.00")
        assert Decimal(invoice["vat"]) == Decimal("860.00")
        assert Decimal(invoice["gross"]) == Decimal("5160.00")
        # The invoice is readable on its own, with exact money.
        one = await billing.client.get(
            f"/api/billing/invoices/{invoice['id']}", headers=billing.auth(Role.finance)
        )
        assert one.status_code == 200
        assert one.json()["team_id"] == team_id
        unknown = await billing.client.get(
            f"/api/billing/invoices/{uuid.uuid4()}", headers=billing.auth(Role.finance)
        )
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"
