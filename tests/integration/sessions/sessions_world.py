"""Helpers of the sessions integration tests: play the enrolment service's part over NATS and
build a confirmed cohort with two organisations' teams and coaches."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from services.sessions.models import CoachAllocation, ProgrammeSession, RosterTeam
from shared.auth import Role
from shared.events import DomainEvent
from shared.events.enrolment import (
    Address,
    CoachAllocated,
    CohortConfirmed,
    CohortTerms,
    Contact,
    OrganisationRef,
    TeamConfirmed,
)
from shared.outbox import outbox
from tests.support import RunningService, eventually, publish_event

START_2021 = date(2021, 1, 4)


def terms(start: date = START_2021) -> CohortTerms:
    return CohortTerms(
        fee_per_team=Decimal("4300.00"),
        multi_team_discount=Decimal("0.10"),
        vat_rate=Decimal("0.20"),
        start_date=start,
        lead_in_months=2,
        coaching_months=10,
    )


def cohort_confirmed(cohort_id: uuid.UUID, start: date = START_2021) -> CohortConfirmed:
    return CohortConfirmed(
        cohort_id=cohort_id, name=f"Cohort {start.year}", terms=terms(start), team_ids=[]
    )


def team_confirmed(
    *,
    cohort_id: uuid.UUID,
    organisation_id: uuid.UUID,
    team_id: uuid.UUID,
    name: str = "Ward 7",
    start: date = START_2021,
) -> TeamConfirmed:
    return TeamConfirmed(
        cohort_id=cohort_id,
        cohort_name=f"Cohort {start.year}",
        terms=terms(start),
        organisation=OrganisationRef(
            id=organisation_id,
            name=f"Trust {organisation_id.hex[:6]}",
            nation="england",
            invoicing_address=Address(lines=["Finance", "1 Road"], postcode="LA9 1AA"),
        ),
        organisation_team_count=1,
        team_id=team_id,
        team_name=name,
        setting="clinical",
        project_lead=Contact(name="Ada", email="ada@example.nhs.uk", job_title="Ward Manager"),
        confirmed_at=datetime(2020, 12, 1, 9, tzinfo=UTC),
    )


async def publish(service: RunningService, event: DomainEvent, **kwargs: Any) -> str:
    """Publish as the enrolment service would; returns the envelope (inbox) id."""
    nats_url = service.settings.nats_url
    envelope = await publish_event(nats_url, event, **kwargs)
    return str(envelope.id)


async def session_rows(service: RunningService, cohort_id: uuid.UUID) -> list[ProgrammeSession]:
    async with service.app.state.database.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(ProgrammeSession)
                    .where(ProgrammeSession.cohort_id == cohort_id)
                    .order_by(ProgrammeSession.starts_at)
                )
            ).all()
        )


async def roster_row(service: RunningService, team_id: uuid.UUID) -> RosterTeam | None:
    async with service.app.state.database.sessions() as session:
        return await session.get(RosterTeam, team_id)


async def coach_of(service: RunningService, team_id: uuid.UUID) -> uuid.UUID | None:
    async with service.app.state.database.sessions() as session:
        row = await session.get(CoachAllocation, team_id)
        return row.coach_id if row else None


async def recorded(service: RunningService, subject: str, **match: str) -> list[dict[str, Any]]:
    """The events this service recorded in its outbox with ``subject`` whose data match."""
    async with service.app.state.database.sessions() as session:
        payloads = (
            await session.scalars(select(outbox.c.payload).where(outbox.c.subject == subject))
        ).all()
    found = []
    for payload in payloads:
        data = json.loads(payload)["data"]
        if all(str(data.get(k)) == v for k, v in match.items()):
            found.append(data)
    return found


@dataclass
class Cohort:
    """A confirmed 2021 cohort with its drafted programme and two organisations' teams:
    organisation A has teams a1 (coached by ``coach``) and a2, organisation B has b1."""

    service: RunningService
    id: uuid.UUID
    org_a: uuid.UUID
    org_b: uuid.UUID
    a1: uuid.UUID
    a2: uuid.UUID
    b1: uuid.UUID
    coach: uuid.UUID
    other_coach: uuid.UUID
    sessions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def coordinator(self) -> dict[str, str]:
        return self.service.auth(Role.coordinator)

    def lead(self, organisation: uuid.UUID) -> dict[str, str]:
        return self.service.auth(
            Role.team_lead, organisation_id=organisation, subject=f"lead-{organisation}"
        )

    def coach_auth(self, coach: uuid.UUID) -> dict[str, str]:
        return self.service.auth(Role.coach, coach_id=coach, subject=f"coach-{coach}")

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [s for s in self.sessions if s["kind"] == kind]

    async def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
        return await self.service.client.get(
            f"/api/sessions/{path}", headers=headers or self.coordinator, params=params
        )

    async def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        return await self.service.client.post(
            f"/api/sessions/{path}", json=body, headers=headers or self.coordinator
        )

    async def patch(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        return await self.service.client.patch(
            f"/api/sessions/{path}", json=body, headers=headers or self.coordinator
        )

    async def delete(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return await self.service.client.delete(
            f"/api/sessions/{path}", headers=headers or self.coordinator
        )

    async def attendance(
        self,
        session_id: str,
        team: uuid.UUID,
        attended: bool,
        headers: dict[str, str] | None = None,
        attendees: int | None = None,
    ) -> Any:
        body: dict[str, Any] = {"team_id": str(team), "attended": attended}
        if attended:
            body.update(attendees=attendees or 3, roles=["project_lead", "clinical_staff"])
        return await self.post(f"sessions/{session_id}/attendance", body, headers)


async def make_cohort(service: RunningService, start: date = START_2021) -> Cohort:
    cohort = Cohort(
        service=service,
        id=uuid.uuid4(),
        org_a=uuid.uuid4(),
        org_b=uuid.uuid4(),
        a1=uuid.uuid4(),
        a2=uuid.uuid4(),
        b1=uuid.uuid4(),
        coach=uuid.uuid4(),
        other_coach=uuid.uuid4(),
    )
    await publish(service, cohort_confirmed(cohort.id, start))
    for team, org, name in (
        (cohort.a1, cohort.org_a, "Ward 7"),
        (cohort.a2, cohort.org_a, "Estates"),
        (cohort.b1, cohort.org_b, "Crisis team"),
    ):
        await publish(
            service,
            team_confirmed(
                cohort_id=cohort.id, organisation_id=org, team_id=team, name=name, start=start
            ),
        )
    await publish(
        service,
        CoachAllocated(
            cohort_id=cohort.id, team_id=cohort.a1, coach_id=cohort.coach, coach_name="Coach One"
        ),
    )
    await publish(
        service,
        CoachAllocated(
            cohort_id=cohort.id,
            team_id=cohort.b1,
            coach_id=cohort.other_coach,
            coach_name="Coach Two",
        ),
    )

    async def settled() -> bool:
        return (
            len(await session_rows(service, cohort.id)) == 26
            and await coach_of(service, cohort.b1) == cohort.other_coach
            and await coach_of(service, cohort.a1) == cohort.coach
        )

    await eventually(settled)
    listed = await cohort.get(f"cohorts/{cohort.id}/sessions")
    assert listed.status_code == 200, listed.text
    cohort.sessions = listed.json()
    return cohort
