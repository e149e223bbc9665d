"""One measurement service (real database with migrations, real NATS) per test module; every test
makes its own organisations and teams, so tests never see each other's data."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from services.measurement.models import Team
from shared.auth import Role
from shared.events import DomainEvent
from shared.events.enrolment import (
    Address,
    CoachAllocated,
    CohortTerms,
    Contact,
    OrganisationRef,
    TeamConfirmed,
    TeamWithdrawn,
)
from shared.outbox import build_envelope
from tests.support import NatsServer, RunningService, eventually, run_service

COHORT_START = date(2026, 1, 5)
OPTIONAL_MEASURES = (
    "swemwbs",
    "recommend_team",
    "what_matters_conversations",
    "sickness_absence",
    "staff_turnover",
    "days_to_fill_rota_gap",
)


@pytest.fixture(scope="module")
def module_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    server.start()
    yield server
    server.stop(kill=True)


@pytest.fixture(scope="module")
async def measurement(module_nats: NatsServer) -> AsyncIterator[RunningService]:
    # One service serves a whole module of tests, all writing as the same coordinator: its
    # per-caller write limit (tested in tests/security/test_rate_limit_table.py) is lifted here.
    async with run_service(
        "measurement", nats_url=module_nats.url, rate_limits={"writes": (1_000_000, 1_000.0)}
    ) as service:
        yield service


async def publish(service: RunningService, event: DomainEvent) -> str:
    """Publish an event over NATS as its producer would (the envelope id is the inbox key)."""
    envelope = build_envelope(event, source="/enrolment")
    await service.app.state.bus.publish(
        event.subject, envelope.model_dump_json().encode(), msg_id=envelope.id
    )
    return envelope.id


async def team_row(service: RunningService, team_id: uuid.UUID) -> Team | None:
    async with service.app.state.database.sessions() as session:
        result: Team | None = (
            await session.execute(select(Team).where(Team.team_id == team_id))
        ).scalar_one_or_none()
        return result


def terms(start: date = COHORT_START) -> CohortTerms:
    return CohortTerms(
        fee_per_team="4300.00",
        multi_team_discount="0.10",
        vat_rate="0.20",
        start_date=start,
        lead_in_months=2,
        coaching_months=10,
    )


def team_confirmed(
    *,
    cohort_id: uuid.UUID,
    organisation_id: uuid.UUID,
    team_id: uuid.UUID | None = None,
    coach_id: uuid.UUID | None = None,
    start: date = COHORT_START,
) -> TeamConfirmed:
    return TeamConfirmed(
        cohort_id=cohort_id,
        cohort_name="Enjoying Work 2026",
        terms=terms(start),
        organisation=OrganisationRef(
            id=organisation_id,
            name=f"Trust {organisation_id.hex[:6]}",
            nation="england",
            invoicing_address=Address(lines=["Finance", "1 Road"], postcode="LA9 1AA"),
        ),
        organisation_team_count=1,
        team_id=team_id or uuid.uuid4(),
        team_name="Ward 7",
        setting="clinical",
        project_lead=Contact(name="Ada", email="ada@example.nhs.uk", job_title="Ward Manager"),
        coach_id=coach_id,
        confirmed_at=datetime(2026, 1, 2, 9, tzinfo=UTC),
    )


@dataclass
class World:
    """Two organisations of one cohort: A with teams a1, a2 and a withdrawn team, B with b1."""

    service: RunningService
    cohort_id: uuid.UUID
    org_a: uuid.UUID
    org_b: uuid.UUID
    a1: uuid.UUID
    a2: uuid.UUID
    withdrawn: uuid.UUID
    b1: uuid.UUID
    coach: uuid.UUID
    key_a: str
    key_a_id: str
    key_b: str

    def machine(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    @property
    def coordinator(self) -> dict[str, str]:
        return self.service.auth(Role.coordinator)

    def lead(self, organisation: uuid.UUID | None = None) -> dict[str, str]:
        """A project lead of an organisation (A by default): inside its teams, who see small
        numbers that readers outside the team do not."""
        return self.service.auth(Role.team_lead, organisation_id=organisation or self.org_a)

    async def post(
        self, path: str, rows: list[dict[str, Any]], key: str | None = None, **headers: str
    ) -> Any:
        return await self.service.client.post(
            f"/api/measurement/{path}",
            json={"rows": rows},
            headers={**self.machine(key or self.key_a), **headers},
        )

    async def series(self, team: uuid.UUID, measure: str, **params: str) -> Any:
        params.setdefault("from", "2026-01-05")
        params.setdefault("to", "2026-11-27")
        # Read as the team's own project lead: every value, however few responses it rests on.
        response = await self.service.client.get(
            f"/api/measurement/teams/{team}/series/{measure}",
            params=params,
            headers=self.lead(self.org_b if team == self.b1 else self.org_a),
        )
        assert response.status_code == 200, response.text
        return response.json()


async def make_world(service: RunningService) -> World:
    cohort_id, org_a, org_b, coach = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    a1, a2, withdrawn, b1 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for team, org in ((a1, org_a), (a2, org_a), (withdrawn, org_a), (b1, org_b)):
        await publish(
            service, team_confirmed(cohort_id=cohort_id, organisation_id=org, team_id=team)
        )
    await eventually(lambda: team_row(service, b1))
    await eventually(lambda: team_row(service, withdrawn))
    await publish(
        service,
        TeamWithdrawn(
            cohort_id=cohort_id,
            team_id=withdrawn,
            organisation_id=org_a,
            reason="staffing",
            withdrawn_on=date(2026, 3, 1),
        ),
    )
    await publish(
        service, CoachAllocated(cohort_id=cohort_id, team_id=a1, coach_id=coach, coach_name="Coach")
    )

    async def settled() -> bool:
        gone, coached = await team_row(service, withdrawn), await team_row(service, a1)
        return bool(gone and gone.withdrawn_on and coached and coached.coach_id == coach)

    await eventually(settled)
    # The default plan is the three weekly pulse measures; tests use the optional ones too.
    for measure in OPTIONAL_MEASURES:
        added = await service.client.put(
            f"/api/measurement/cohorts/{cohort_id}/plan/{measure}",
            headers=service.auth(Role.coordinator),
        )
        assert added.status_code == 200, added.text
    keys = []
    for org in (org_a, org_b):
        created = await service.client.post(
            "/api/measurement/api-keys",
            json={"organisation_id": str(org), "label": "trust system"},
            headers=service.auth(Role.coordinator),
        )
        assert created.status_code == 201, created.text
        keys.append(created.json())
    return World(
        service=service,
        cohort_id=cohort_id,
        org_a=org_a,
        org_b=org_b,
        a1=a1,
        a2=a2,
        withdrawn=withdrawn,
        b1=b1,
        coach=coach,
        key_a=keys[0]["secret"],
        key_a_id=keys[0]["id"],
        key_b=keys[1]["secret"],
    )


@pytest.fixture
async def world(measurement: RunningService) -> World:
    return await make_world(measurement)


def swemwbs(client_id: str, team: uuid.UUID, at: str, items: list[int]) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "team_id": str(team),
        "measure": "swemwbs",
        "responded_at": at,
        "items": items,
    }
