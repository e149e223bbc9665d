"""Helpers for the enrolment service's integration tests: payloads, a settable clock, and reads
of the service's own database (outbox rows, table counts) to prove what was or was not written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, table

from shared.auth import Role
from shared.clock import MovableClock
from shared.outbox import outbox
from tests.support import RunningService

API = "/api/enrolment"
# Before the default test deadline (17:00 on 15 December 2020, UK time).
EARLY = datetime(2020, 11, 2, 9, 0, tzinfo=UTC)


def clock_of(service: RunningService) -> MovableClock:
    """The enrolment app's clock (``app.state.clock``), moved by tests across deadlines."""
    clock = service.app.state.clock
    assert isinstance(clock, MovableClock)
    return clock


def coordinator(service: RunningService) -> dict[str, str]:
    return service.auth(Role.coordinator, subject="coordinator-1")


def team_lead(service: RunningService, organisation_id: str) -> dict[str, str]:
    return service.auth(
        Role.team_lead, subject=f"lead-{organisation_id}", organisation_id=organisation_id
    )


def applicant(service: RunningService, subject: str = "applicant-ada") -> dict[str, str]:
    """Someone the identity provider knows but the programme does not yet (no ``org``)."""
    return service.auth(Role.applicant, subject=subject)


def named(ods_code: str, name: str = "Kendal Community Trust", **extra: Any) -> dict[str, Any]:
    """An organisation as an applicant names it on the form."""
    return {"ods_code": ods_code, "name": name, "nation": "england", **extra}


async def apply(
    service: RunningService,
    cohort_id: str,
    organisation: dict[str, Any],
    name: str = "Ward 7",
    *,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> httpx.Response:
    """An expression of interest naming its organisation by ODS code (an applicant's, by
    default)."""
    payload = eoi_payload("", name, **overrides)
    del payload["organisation_id"]
    payload["organisation"] = organisation
    return await service.client.post(
        f"{API}/cohorts/{cohort_id}/eois", json=payload, headers=headers or applicant(service)
    )


def organisation_payload(
    n: int, *, nation: str = "england", ods: str | None = "auto"
) -> dict[str, Any]:
    return {
        "name": f"Trust {n:02d}",
        "ods_code": f"R{n:02d}" if ods == "auto" else ods,
        "nation": nation,
        "invoicing_address": {"lines": ["Finance", f"{n} High Street"], "postcode": "AB1 2CD"},
        "payables_code": f"P{n:03d}",
    }


def cohort_payload(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Enjoying Work 2021",
        "eoi_deadline": "2020-12-15T17:00:00",  # UK wall time (GMT in December)
        "start_date": "2021-01-04",
        "minimum_teams": 35,
    }
    values.update(overrides)
    return values


# What the form asks beyond the team's people: its size, a phone number, its hopes, and every
# commitment ticked.
FORM_ANSWERS: dict[str, Any] = {
    "team_size": 14,
    "contact_phone": "01632 960 001",
    "hopes_to_improve": "More of the team enjoying being at work, fewer thinking of leaving",
    "agreed_to_take_part": True,
    "can_meet_commitment": True,
    "will_attend_learning_sets": True,
    "will_implement_change_ideas": True,
    "will_collect_data": True,
}


def eoi_payload(organisation_id: str, name: str = "Ward 7", **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "organisation_id": organisation_id,
        "team_name": name,
        "setting": "clinical",
        "service_type": "Community mental health team",
        "project_lead": {
            "name": "Ada Lovelace",
            "email": "ada@example.nhs.uk",
            "job_title": "Team manager",
        },
        "senior_sponsor": {
            "name": "Grace Hopper",
            "email": "grace@example.nhs.uk",
            "job_title": "Service director",
        },
        "project_team": [
            {"role": "Band 6 nurse"},
            {"role": "Consultant psychiatrist"},
            {"role": "Service user", "is_service_user": True},
        ],
        **FORM_ANSWERS,
        "purchase_order": f"PO-{name}",
        "cost_centre": f"CC-{name}",
    }
    values.update(overrides)
    return values


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def create_organisation(service: RunningService, n: int, **kw: Any) -> dict[str, Any]:
    response = await service.client.post(
        f"{API}/organisations", json=organisation_payload(n, **kw), headers=coordinator(service)
    )
    result: dict[str, Any] = ok(response, 201)
    return result


async def create_cohort(service: RunningService, **overrides: Any) -> dict[str, Any]:
    response = await service.client.post(
        f"{API}/cohorts", json=cohort_payload(**overrides), headers=coordinator(service)
    )
    result: dict[str, Any] = ok(response, 201)
    return result


async def submit(
    service: RunningService,
    cohort_id: str,
    organisation_id: str,
    name: str = "Ward 7",
    *,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> httpx.Response:
    return await service.client.post(
        f"{API}/cohorts/{cohort_id}/eois",
        json=eoi_payload(organisation_id, name, **overrides),
        headers=headers or coordinator(service),
    )


async def team_action(
    service: RunningService,
    team_id: str,
    action: str,
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await service.client.post(
        f"{API}/teams/{team_id}/{action}", json=json, headers=headers or coordinator(service)
    )


async def decide(
    service: RunningService, cohort_id: str, decision: str, **extra: Any
) -> httpx.Response:
    return await service.client.post(
        f"{API}/cohorts/{cohort_id}/decision",
        json={"decision": decision, **extra},
        headers=coordinator(service),
    )


async def outbox_events(
    service: RunningService, subject: str | None = None
) -> list[dict[str, Any]]:
    """The ``data`` of every event the service recorded, oldest first."""
    query = select(outbox.c.subject, outbox.c.payload).order_by(outbox.c.seq)
    if subject is not None:
        query = query.where(outbox.c.subject == subject)
    async with service.app.state.database.sessions() as session:
        rows = (await session.execute(query)).all()
    return [json.loads(row.payload)["data"] | {"_subject": row.subject} for row in rows]


async def count_rows(service: RunningService, name: str) -> int:
    async with service.app.state.database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table(name))) or 0)


async def written(service: RunningService) -> tuple[int, ...]:
    """Row counts of every table a request might write to: unchanged means nothing written."""
    return tuple(
        [
            await count_rows(service, name)
            for name in ("organisation", "cohort", "team", "coach", "outbox")
        ]
    )


async def cohort_with_teams(
    service: RunningService,
    team_orgs: list[int],
    *,
    accept: int | None = None,
    minimum_teams: int = 3,
    nations: dict[int, str] | None = None,
    **cohort_overrides: Any,
) -> tuple[dict[str, Any], dict[int, dict[str, Any]], list[dict[str, Any]]]:
    """A cohort with one EOI per entry of ``team_orgs`` (organisation numbers), the first
    ``accept`` of them accepted (all by default). Returns (cohort, organisations, teams)."""
    cohort = await create_cohort(service, minimum_teams=minimum_teams, **cohort_overrides)
    organisations: dict[int, dict[str, Any]] = {}
    for n in sorted(set(team_orgs)):
        organisations[n] = await create_organisation(
            service, n, nation=(nations or {}).get(n, "england")
        )
    teams = []
    clock = clock_of(service)
    for i, n in enumerate(team_orgs):
        clock.advance(timedelta(minutes=1))  # EOIs arrive one after another
        setting = "clinical" if i % 3 else "non_clinical"
        team = ok(
            await submit(
                service, cohort["id"], organisations[n]["id"], f"Team {i:02d}", setting=setting
            ),
            201,
        )
        teams.append(team)
    for team in teams[: len(teams) if accept is None else accept]:
        ok(await team_action(service, team["id"], "accept"))
    return cohort, organisations, teams


def after_deadline(service: RunningService) -> None:
    clock_of(service).set(datetime(2020, 12, 15, 17, 0, 1, tzinfo=UTC))
