"""Helpers of the improvement integration tests: play enrolment's and measurement's parts over
NATS, and build a cohort with two organisations' teams, their coaches and a measurement plan.

Organisation A has a1 (clinical, coached by ``coach``) and a2 (non-clinical, no coach yet);
organisation B has b1 (coached by ``other_coach``). The cohort starts on 4 January 2021: lead-in
January and February, coaching from 1 March to 31 December 2021.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from shared.auth import Role
from shared.clock import MovableClock
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
from shared.events.measurement import BatchAccepted, BatchCount, PlanMeasureAdded
from shared.outbox import outbox
from tests.support import RunningService, eventually, publish_event

API = "/api/improvement"
START = date(2021, 1, 4)
PLAN = ("enjoying_work", "no_burnout", "recommend_team")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def terms(start: date = START) -> CohortTerms:
    return CohortTerms(
        fee_per_team=Decimal("4300.00"),
        multi_team_discount=Decimal("0.10"),
        vat_rate=Decimal("0.20"),
        start_date=start,
        lead_in_months=2,
        coaching_months=10,
    )


def team_confirmed(
    *,
    cohort_id: uuid.UUID,
    organisation_id: uuid.UUID,
    team_id: uuid.UUID,
    name: str,
    setting: str = "clinical",
    sponsor: bool = True,
    start: date = START,
) -> TeamConfirmed:
    return TeamConfirmed(
        cohort_id=cohort_id,
        cohort_name=f"Enjoying Work {start.year}",
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
        setting=setting,  # type: ignore[arg-type]
        project_lead=Contact(name="Ada Lead", email="ada.lead@example.nhs.uk", job_title="Manager"),
        senior_sponsor=Contact(
            name="Grace Sponsor", email="grace.sponsor@example.nhs.uk", job_title="Director"
        )
        if sponsor
        else None,
        confirmed_at=datetime(2020, 12, 1, 9, tzinfo=UTC),
    )


async def publish(service: RunningService, event: DomainEvent, **kwargs: Any) -> str:
    envelope = await publish_event(service.settings.nats_url, event, **kwargs)
    return str(envelope.id)


async def recorded(service: RunningService, subject: str, **match: str) -> list[dict[str, Any]]:
    """The events the service recorded in its outbox with ``subject`` whose data match."""
    async with service.app.state.database.sessions() as session:
        payloads = (
            await session.scalars(
                select(outbox.c.payload).where(outbox.c.subject == subject).order_by(outbox.c.seq)
            )
        ).all()
    found = []
    for payload in payloads:
        data = json.loads(payload)["data"]
        if all(str(data.get(k)) == v for k, v in match.items()):
            found.append(data)
    return found


@dataclass
class World:
    service: RunningService
    clock: MovableClock
    id: uuid.UUID
    org_a: uuid.UUID
    org_b: uuid.UUID
    a1: uuid.UUID
    a2: uuid.UUID
    b1: uuid.UUID
    coach: uuid.UUID
    other_coach: uuid.UUID
    plan: tuple[str, ...] = PLAN
    answers: list[Any] = field(default_factory=list)

    @property
    def coordinator(self) -> dict[str, str]:
        return self.service.auth(Role.coordinator, subject="coordinator-1")

    def lead(self, organisation: uuid.UUID | None = None) -> dict[str, str]:
        org = organisation or self.org_a
        return self.service.auth(Role.team_lead, organisation_id=org, subject=f"lead-{org}")

    def coach_auth(self, coach: uuid.UUID | None = None) -> dict[str, str]:
        who = coach or self.coach
        return self.service.auth(Role.coach, coach_id=who, subject=f"coach-{who}")

    async def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Any:
        kwargs: dict[str, Any] = {"headers": headers or self.coordinator}
        if body is not None:
            kwargs["json"] = body
        return await self.service.client.request(method, f"{API}/{path}", **kwargs)

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return await self.call("GET", path, None, headers)

    async def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return await self.call("POST", path, body if body is not None else {}, headers)

    async def put(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        return await self.call("PUT", path, body, headers)

    async def patch(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        return await self.call("PATCH", path, body, headers)

    async def ok(self, answer: Any, status: int = 200) -> Any:
        assert answer.status_code == status, f"{answer.status_code}: {answer.text}"
        return answer.json() if answer.content else None

    async def data_arrives(self, team: uuid.UUID, *measures: str) -> None:
        """Measurement accepted a batch with rows for ``team`` on ``measures``."""
        org = self.org_a if team in (self.a1, self.a2) else self.org_b
        await publish(
            self.service,
            BatchAccepted(
                batch_id=uuid.uuid4(),
                organisation_id=org,
                kind="responses",
                new_rows=3 * len(measures),
                repeated_rows=0,
                counts=[
                    BatchCount(team_id=team, measure_key=m, new_rows=3, repeated_rows=0)
                    for m in measures
                ],
                accepted_at=self.clock.now(),
            ),
        )


async def make_world(
    service: RunningService, clock: MovableClock, *, plan: tuple[str, ...] = PLAN
) -> World:
    world = World(
        service=service,
        clock=clock,
        id=uuid.uuid4(),
        org_a=uuid.uuid4(),
        org_b=uuid.uuid4(),
        a1=uuid.uuid4(),
        a2=uuid.uuid4(),
        b1=uuid.uuid4(),
        coach=uuid.uuid4(),
        other_coach=uuid.uuid4(),
        plan=plan,
    )
    await publish(
        service,
        CohortConfirmed(cohort_id=world.id, name="Enjoying Work 2021", terms=terms(), team_ids=[]),
    )
    for team, org, name, setting in (
        (world.a1, world.org_a, "Ward 7", "clinical"),
        (world.a2, world.org_a, "Estates", "non_clinical"),
        (world.b1, world.org_b, "Crisis team", "clinical"),
    ):
        await publish(
            service,
            team_confirmed(
                cohort_id=world.id, organisation_id=org, team_id=team, name=name, setting=setting
            ),
        )
    for team, coach, name in (
        (world.a1, world.coach, "Coach K"),
        (world.b1, world.other_coach, "Coach L"),
    ):
        await publish(
            service,
            CoachAllocated(cohort_id=world.id, team_id=team, coach_id=coach, coach_name=name),
        )
    for key in plan:
        await publish(
            service,
            PlanMeasureAdded(
                cohort_id=world.id,
                measure_key=key,
                name=key.replace("_", " "),
                kind="proportion",
                frequency="weekly",
            ),
        )

    async def settled() -> bool:
        teams = await world.get(f"teams?cohort_id={world.id}")
        measures = await world.get(f"cohorts/{world.id}/measures")
        if teams.status_code != 200 or measures.status_code != 200:
            return False
        coaches = {t["id"]: t["coach_id"] for t in teams.json()}
        return (
            len(coaches) == 3
            and coaches.get(str(world.b1)) == str(world.other_coach)
            and coaches.get(str(world.a1)) == str(world.coach)
            and len(measures.json()) == len(plan)
        )

    await eventually(settled)
    return world
