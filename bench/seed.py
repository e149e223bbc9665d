"""The programme a benchmark works on, built through the enrolment HTTP API the way coordinators
do: QI coaches, organisations, a cohort that went ahead (one accepted team, closed, "go"), and
late-joiner expressions of interest waiting to be confirmed one by one."""

from __future__ import annotations

import asyncio
import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.auth import Role, issue_token
from shared.settings import ServiceSettings

COORDINATORS = 64


@functools.cache
def coordinator_headers(n: int = 0) -> dict[str, str]:
    """Coordinator ``n``'s bearer token (the services run with the development JWT secret, as
    `make run` does). Writes are rate limited per person (shared/ratelimit.py), so a benchmark
    that writes faster than one person clicks spreads its writes over many coordinators."""
    token = issue_token(
        ServiceSettings(service_name="bench"),
        role=Role.coordinator,
        subject=f"bench-coordinator-{n % COORDINATORS}",
    )
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Programme:
    cohort_id: str
    start_date: str
    organisation_ids: list[str]
    team_organisation: dict[str, str]  # late-joiner team id -> organisation id
    late_joiners: list[str]  # submitted, not yet confirmed


async def plan_swemwbs(measurement: httpx.AsyncClient, cohort_id: str) -> None:
    """Put SWEMWBS on the cohort's measurement plan: the benchmarks post its 7-item responses,
    and a new cohort's default plan is the programme's three weekly pulse measures."""
    answer = await measurement.put(
        f"/api/measurement/cohorts/{cohort_id}/plan/swemwbs", headers=coordinator_headers()
    )
    if answer.status_code != 200:
        raise RuntimeError(f"plan: {answer.status_code} {answer.text[:300]}")


async def _post_all(
    client: httpx.AsyncClient,
    requests: list[tuple[str, dict[str, Any]]],
    concurrency: int = 8,
) -> list[httpx.Response]:
    """POST each (path, body), a few at a time, answers in order."""
    semaphore = asyncio.Semaphore(concurrency)

    async def post(n: int, path: str, body: dict[str, Any]) -> httpx.Response:
        async with semaphore:
            return await client.post(path, json=body, headers=coordinator_headers(n))

    return list(await asyncio.gather(*(post(n, p, b) for n, (p, b) in enumerate(requests))))


def _expect(response: httpx.Response, status: int) -> dict[str, Any]:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:500]}"
        )
    body: dict[str, Any] = response.json()
    return body


def eoi(organisation_id: str, n: int, *, late: bool) -> dict[str, Any]:
    return {
        "organisation_id": organisation_id,
        "team_name": f"Community mental health team {n:04d}",
        "setting": "clinical",
        "service_type": "Community mental health team",
        "project_lead": {
            "name": f"Lead {n}",
            "email": f"lead{n}@example.nhs.uk",
            "job_title": "Team manager",
        },
        "senior_sponsor": {
            "name": "Sponsor",
            "email": "sponsor@example.nhs.uk",
            "job_title": "Director of nursing",
        },
        "project_team": [{"role": "service user", "is_service_user": True}],
        "agreed_to_take_part": True,
        "can_meet_commitment": True,
        "team_size": 12,
        "contact_phone": "01632 960 001",
        "hopes_to_improve": "More of the team enjoying work",
        "will_attend_learning_sets": True,
        "will_implement_change_ideas": True,
        "will_collect_data": True,
        "purchase_order": f"PO-{n:05d}",
        "late_entry": late,
    }


async def build(
    client: httpx.AsyncClient, *, organisations: int, late_joiners: int, coaches: int
) -> Programme:
    headers = coordinator_headers()
    api = "/api/enrolment"
    capacity = (late_joiners + 1) // coaches + 2
    for answer in await _post_all(
        client,
        [
            (
                f"{api}/coaches",
                {"name": f"Coach {k}", "email": f"coach{k}@example.org", "capacity": capacity},
            )
            for k in range(coaches)
        ],
    ):
        _expect(answer, 201)
    created = await _post_all(
        client,
        [
            (
                f"{api}/organisations",
                {
                    "name": f"Benchmark NHS Foundation Trust {k:03d}",
                    "nation": "england",
                    "invoicing_address": {"lines": [f"{k} Hospital Road"], "postcode": "AB1 2CD"},
                },
            )
            for k in range(organisations)
        ],
    )
    organisation_ids = [_expect(r, 201)["id"] for r in created]
    today = datetime.now(UTC).date()
    # The cohort started three months ago (so survey responses fall inside it); its EOI
    # deadline passed a week before that, so every team comes in as the coordinator's late
    # entry, and the coordinator closes it to take the decision.
    start = today - timedelta(days=90)
    cohort = _expect(
        await client.post(
            f"{api}/cohorts",
            json={
                "name": f"Benchmark cohort {uuid.uuid4().hex[:6]}",
                "eoi_deadline": f"{start - timedelta(days=7)}T17:00:00",
                "start_date": start.isoformat(),
                "minimum_teams": 1,
            },
            headers=headers,
        ),
        201,
    )
    cohort_id = cohort["id"]
    first = _expect(
        await client.post(
            f"{api}/cohorts/{cohort_id}/eois",
            json=eoi(organisation_ids[0], 0, late=True),
            headers=headers,
        ),
        201,
    )
    _expect(await client.post(f"{api}/teams/{first['id']}/accept", headers=headers), 200)
    _expect(await client.post(f"{api}/cohorts/{cohort_id}/close", headers=headers), 200)
    _expect(
        await client.post(
            f"{api}/cohorts/{cohort_id}/decision", json={"decision": "go"}, headers=headers
        ),
        200,
    )
    submitted = await _post_all(
        client,
        [
            (
                f"{api}/cohorts/{cohort_id}/eois",
                eoi(organisation_ids[n % organisations], n, late=True),
            )
            for n in range(1, late_joiners + 1)
        ],
    )
    teams = [_expect(r, 201) for r in submitted]
    return Programme(
        cohort_id=cohort_id,
        start_date=cohort["terms"]["start_date"],
        organisation_ids=organisation_ids,
        team_organisation={t["id"]: t["organisation_id"] for t in teams},
        late_joiners=[t["id"] for t in teams],
    )
