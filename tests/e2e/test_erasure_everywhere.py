"""Erasure across the platform (issue #17 item 11): a coordinator erases a person on request, and
afterwards no service's database holds their name or e-mail address anywhere (every text and JSON
column of every table, the outbox, inbox and dead letters included); the rows stay, and billing
keeps the organisation on its issued invoice. The notifications service, which acknowledged,
welcomed and queued e-mail to both, keeps neither.

Every service runs in-process on its own database with one real NATS server. The person is a
team's project lead (named in enrolment, billing, improvement), who also signed in with their
e-mail address as their subject and uploaded their team's data (measurement keeps who uploaded).
A coach is erased too (named in enrolment, sessions and improvement).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from shared.auth import Role
from shared.clock import MovableClock
from tests.e2e.test_walking_skeleton import COHORT, ORGANISATION, eoi, invoices_for
from tests.support import NatsServer, RunningService, eventually, free_port, run_service

LEAD = {"name": "Perpetua Erasmus-Lind", "email": "perpetua.el@example.nhs.uk"}
COACH = {"name": "Thaddeus Okonkwo-Vale", "email": "t.okonkwo-vale@coaches.example.org"}
WHO = [LEAD["name"], LEAD["email"], COACH["name"], COACH["email"]]


async def database_text(service: RunningService) -> str:
    """Every text the service's database holds: each text-like column of each table."""

    def dump(connection: sa.Connection) -> str:
        found: list[str] = []
        metadata = sa.MetaData()
        metadata.reflect(connection)
        for table in metadata.sorted_tables:
            columns = [
                c
                for c in table.c
                if isinstance(c.type, sa.String | sa.Text | sa.JSON)
                or c.type.__class__.__name__ in {"JSON", "JSONB", "VARCHAR", "TEXT"}
            ]
            if columns:
                for row in connection.execute(sa.select(*columns)):
                    found.append(json.dumps(list(row), default=str))
        return "\n".join(found)

    async with service.app.state.database.engine.connect() as connection:
        return await connection.run_sync(dump)


async def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, f"{answer.status_code}: {answer.text}"
    return answer.json()


async def test_an_erased_person_is_in_no_services_database(nats_server: NatsServer) -> None:
    url = nats_server.url
    # Before the cohort's deadline (15 December 2099); the lead's data is a baseline week.
    clock = MovableClock(datetime(2099, 12, 1, 10, tzinfo=UTC))
    async with (
        run_service("enrolment", nats_url=url, clock=clock) as enrolment,
        run_service("billing", nats_url=url, clock=clock) as billing,
        run_service("sessions", nats_url=url, clock=clock) as sessions,
        run_service("measurement", nats_url=url, clock=clock) as measurement,
        run_service("improvement", nats_url=url, clock=clock) as improvement,
        # No SMTP server: its messages wait in the queue (and must be erased from it too).
        run_service("notifications", nats_url=url, clock=clock, smtp_port=free_port()) as notices,
    ):
        services = [enrolment, billing, sessions, measurement, improvement, notices]
        coordinator = enrolment.auth(Role.coordinator, subject="coordinator-1")
        api = "/api/enrolment"
        organisation = await ok(
            await enrolment.client.post(
                f"{api}/organisations", json=ORGANISATION, headers=coordinator
            ),
            201,
        )
        cohort = await ok(
            await enrolment.client.post(f"{api}/cohorts", json=COHORT, headers=coordinator), 201
        )
        application = eoi(organisation["id"])
        application["project_lead"] = {**LEAD, "job_title": "Ward Manager"}
        team = await ok(
            await enrolment.client.post(
                f"{api}/cohorts/{cohort['id']}/eois", json=application, headers=coordinator
            ),
            201,
        )
        await ok(
            await enrolment.client.post(f"{api}/teams/{team['id']}/accept", headers=coordinator)
        )
        await ok(
            await enrolment.client.post(f"{api}/cohorts/{cohort['id']}/close", headers=coordinator)
        )
        await ok(
            await enrolment.client.post(
                f"{api}/cohorts/{cohort['id']}/decision",
                json={"decision": "go"},
                headers=coordinator,
            )
        )
        coach = await ok(
            await enrolment.client.post(
                f"{api}/coaches", json={**COACH, "capacity": 5}, headers=coordinator
            ),
            201,
        )
        await ok(
            await enrolment.client.put(
                f"{api}/teams/{team['id']}/coach",
                json={"coach_id": coach["id"]},
                headers=coordinator,
            )
        )
        # Every service learns the team and its coach from enrolment's events.
        await eventually(lambda: invoices_for(billing, team["id"]))
        lead = {"organisation_id": organisation["id"], "subject": LEAD["email"]}

        async def known(service: RunningService, path: str) -> bool:
            answer = await service.client.get(path, headers=service.auth(Role.coordinator))
            return (answer.status_code == 200 and COACH["name"] in answer.text) or (
                service is measurement and answer.status_code == 200
            )

        await eventually(lambda: known(improvement, f"/api/improvement/teams/{team['id']}"))
        await eventually(lambda: known(sessions, f"/api/sessions/cohorts/{cohort['id']}/roster"))
        await eventually(
            lambda: known(measurement, f"/api/measurement/cohorts/{cohort['id']}/plan")
        )
        # The lead, signed in with their address as subject, uploads their team's week.
        upload = await measurement.client.post(
            f"/api/measurement/uploads/teams/{team['id']}/responses",
            content=(
                b"client_id,measure,responded_at,item_1\n"
                b"r1,frequently_enjoy_work,2099-11-30T10:00:00,5\n"
            ),
            headers={**measurement.auth(Role.team_lead, **lead), "Content-Type": "text/csv"},
        )
        assert upload.status_code == 200, upload.text

        async def told(person: dict[str, str]) -> bool:
            return person["email"] in await database_text(notices)

        await eventually(lambda: told(LEAD))  # acknowledged, welcomed: queued and in the feed
        await eventually(lambda: told(COACH))
        held: dict[str, str] = {s.name: await database_text(s) for s in services}
        for name in ("enrolment", "billing", "improvement", "notifications"):
            assert LEAD["name"] in held[name], f"{name} should hold the lead before"
        for name in ("sessions", "improvement"):
            assert COACH["name"] in held[name], f"{name} should hold the coach before"
        assert LEAD["email"] in held["measurement"]

        for person in (LEAD, COACH):
            erased = await enrolment.client.post(
                f"{api}/erasures", json={"email": person["email"]}, headers=coordinator
            )
            assert erased.status_code == 202, erased.text

        def nowhere(service: RunningService) -> Callable[[], Awaitable[bool]]:
            async def check() -> bool:
                text = await database_text(service)
                return not any(who in text for who in WHO)

            return check

        for service in services:
            await eventually(nowhere(service), timeout=30)
        # The rows stay: billing keeps the organisation on the issued invoice.
        (invoice,) = await invoices_for(billing, team["id"])
        assert ORGANISATION["name"] in json.dumps(invoice)
