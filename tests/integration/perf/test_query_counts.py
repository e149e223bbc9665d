"""No N+1 queries on the list endpoints: the number of SQL statements a list request runs must not
grow with the number of rows it returns.

Each endpoint is read once with 1 row behind it and once with 20; the statements are counted with
SQLAlchemy's ``before_cursor_execute`` event on the service's own engine, only those run on behalf
of the request (a context variable set around the request; the outbox relay and the consumers run
in their own tasks and are not counted). A per-row query would add 19 statements; a small constant
slack allows a query that runs only when some rows have, say, a coach.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event

from shared.auth import Role
from shared.events import DomainEvent
from shared.events.enrolment import (
    Address,
    CohortTerms,
    Contact,
    OrganisationRef,
    TeamConfirmed,
    TeamWithdrawn,
)
from shared.outbox import build_envelope
from tests.support import NatsServer, RunningService, eventually, run_service

FEW, MANY = 1, 20
SLACK = 2

_statements: ContextVar[list[str] | None] = ContextVar("statements", default=None)


def _count_statements(service: RunningService) -> None:
    database = service.app.state.database
    # Requests use the engine; the event handlers and the relay a pool of their own.
    engines = {database.engine.sync_engine, database.background_engine.sync_engine}

    def _record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        collected = _statements.get()
        if collected is not None:
            collected.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", _record)


@contextmanager
def _counting() -> Iterator[list[str]]:
    collected: list[str] = []
    token = _statements.set(collected)
    try:
        yield collected
    finally:
        _statements.reset(token)


async def statements_for(service: RunningService, path: str, role: Role, **params: Any) -> int:
    with _counting() as collected:
        response = await service.client.get(path, params=params, headers=service.auth(role))
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
    assert collected, f"{path}: no statements counted (is the counter attached?)"
    return len(collected)


def assert_flat(counts: dict[str, tuple[int, int]]) -> None:
    grown = {path: c for path, c in counts.items() if c[1] > c[0] + SLACK}
    assert not grown, f"statements grow with the rows ({FEW} → {MANY} rows): {grown}"


# ------------------------------------------------------------------------------ enrolment

E = "/api/enrolment"


def _eoi(organisation_id: str, n: int, *, late: bool) -> dict[str, Any]:
    return {
        "organisation_id": organisation_id,
        "team_name": f"Team {n}",
        "setting": "clinical",
        "service_type": "Community mental health team",
        "project_lead": {"name": "Lead", "email": f"lead{n}@example.nhs.uk", "job_title": "Mgr"},
        "senior_sponsor": {"name": "Sponsor", "email": "s@example.nhs.uk", "job_title": "Dir"},
        "project_team": [{"role": "service user", "is_service_user": True}],
        "agreed_to_take_part": True,
        "can_meet_commitment": True,
        "team_size": 12,
        "contact_phone": "01632 960 001",
        "hopes_to_improve": "More of the team enjoying work",
        "will_attend_learning_sets": True,
        "will_implement_change_ideas": True,
        "will_collect_data": True,
        "purchase_order": f"PO-{n}",
        "late_entry": late,
    }


async def _post(service: RunningService, path: str, body: dict[str, Any] | None = None) -> Any:
    response = await service.client.post(path, json=body, headers=service.auth(Role.coordinator))
    assert response.status_code in (200, 201), f"{path}: {response.status_code} {response.text}"
    return response.json()


async def _organisation(service: RunningService, n: int) -> str:
    body = {"name": f"Trust {n}", "nation": "england", "invoicing_address": {"lines": ["1 Rd"]}}
    return str((await _post(service, f"{E}/organisations", body))["id"])


async def _coach(service: RunningService, n: int) -> None:
    body = {"name": f"Coach {n}", "email": f"coach{n}@example.org", "capacity": 5}
    await _post(service, f"{E}/coaches", body)


async def _cohort(service: RunningService, n: int) -> str:
    body = {
        "name": f"Cohort {n}",
        "eoi_deadline": (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT17:00:00"),
        "start_date": (date.today() + timedelta(days=60)).isoformat(),
        "minimum_teams": 1,
    }
    return str((await _post(service, f"{E}/cohorts", body))["id"])


async def _enrolment_counts(service: RunningService, cohort_id: str) -> dict[str, int]:
    coordinator = Role.coordinator
    return {
        "GET /teams": await statements_for(service, f"{E}/teams", coordinator),
        "GET /teams?cohort_id&status": await statements_for(
            service, f"{E}/teams", coordinator, cohort_id=cohort_id, status="confirmed"
        ),
        "GET /coaches": await statements_for(service, f"{E}/coaches", coordinator),
        "GET /cohorts": await statements_for(service, f"{E}/cohorts", coordinator),
        "GET /organisations": await statements_for(service, f"{E}/organisations", coordinator),
        "GET /cohorts/{id} (viability)": await statements_for(
            service, f"{E}/cohorts/{cohort_id}", coordinator
        ),
    }


async def test_enrolment_list_endpoints_do_not_query_per_row(nats_server: NatsServer) -> None:
    async with run_service("enrolment", nats_url=nats_server.url) as service:
        # About a hundred writes by one coordinator: more than the per-person burst allows.
        service.app.state.rate_limit_overrides = {"writes": (10_000, 1_000.0)}
        _count_statements(service)
        # One of everything: an organisation, a coach, a cohort that went ahead with one team.
        organisations = [await _organisation(service, 0)]
        await _coach(service, 0)
        cohort_id = await _cohort(service, 0)
        first = await _post(
            service, f"{E}/cohorts/{cohort_id}/eois", _eoi(organisations[0], 0, late=False)
        )
        await _post(service, f"{E}/teams/{first['id']}/accept")
        await _post(service, f"{E}/cohorts/{cohort_id}/close")
        decision = await _post(service, f"{E}/cohorts/{cohort_id}/decision", {"decision": "go"})
        assert decision["confirmed_team_ids"] == [first["id"]]
        few = await _enrolment_counts(service, cohort_id)

        # Twenty of everything: late joiners of other organisations, each with a coach.
        for n in range(1, MANY):
            organisations.append(await _organisation(service, n))
            await _coach(service, n)
            await _cohort(service, n)
            team = await _post(
                service, f"{E}/cohorts/{cohort_id}/eois", _eoi(organisations[n], n, late=True)
            )
            confirmed = await _post(service, f"{E}/teams/{team['id']}/confirm")
            assert confirmed["status"] == "confirmed" and confirmed["coach_name"]
        teams = await service.client.get(
            f"{E}/teams", params={"cohort_id": cohort_id}, headers=service.auth(Role.coordinator)
        )
        assert teams.json()["total"] == MANY
        many = await _enrolment_counts(service, cohort_id)

    assert_flat({path: (few[path], many[path]) for path in few})


# ------------------------------------------------------------------------------ billing

B = "/api/billing"


def _confirmed(cohort_id: uuid.UUID, n: int, *, purchase_order: str | None) -> TeamConfirmed:
    return TeamConfirmed(
        cohort_id=cohort_id,
        cohort_name="Enjoying Work",
        terms=CohortTerms(
            fee_per_team=Decimal("4300.00"),
            multi_team_discount=Decimal("0.10"),
            vat_rate=Decimal("0.20"),
            start_date=date.today() + timedelta(days=60),
            lead_in_months=2,
            coaching_months=10,
        ),
        organisation=OrganisationRef(
            id=uuid.uuid4(),
            name=f"Trust {n}",
            nation="england",
            invoicing_address=Address(lines=[f"{n} Road"], postcode="AB1 2CD"),
        ),
        organisation_team_count=1,
        team_id=uuid.uuid4(),
        team_name=f"Team {n}",
        setting="clinical",
        project_lead=Contact(name="Lead", email="lead@example.nhs.uk", job_title="Manager"),
        purchase_order=purchase_order,
        confirmed_at=datetime.now(UTC),
    )


async def _publish(service: RunningService, event_: DomainEvent) -> None:
    envelope = build_envelope(event_, source="/enrolment")
    await service.app.state.bus.publish(
        envelope.type, envelope.model_dump_json().encode(), msg_id=envelope.id
    )


async def _documents(service: RunningService, cohort_id: uuid.UUID) -> tuple[int, int, int]:
    params = {"cohort_id": str(cohort_id)}
    finance = service.auth(Role.finance)
    found = []
    for path in ("/invoices", "/credit-notes", "/proformas"):
        response = await service.client.get(f"{B}{path}", params=params, headers=finance)
        found.append(len(response.json()) if response.status_code == 200 else -1)
    return found[0], found[1], found[2]


async def _add_documents(
    service: RunningService, cohort_id: uuid.UUID, first: int, last: int
) -> None:
    """Per n: an invoiced team that then withdrew (an invoice and a credit note) and a team
    confirmed without a purchase order (a pro-forma)."""
    for n in range(first, last):
        invoiced = _confirmed(cohort_id, n, purchase_order=f"PO-{n}")
        await _publish(service, invoiced)
        await _publish(service, _confirmed(cohort_id, 1000 + n, purchase_order=None))
        await _publish(
            service,
            TeamWithdrawn(
                cohort_id=cohort_id,
                team_id=invoiced.team_id,
                organisation_id=invoiced.organisation.id,
                reason="Staffing pressures",
                withdrawn_on=date.today(),
            ),
        )

    async def all_there() -> bool:
        return await _documents(service, cohort_id) == (last, last, last)

    await eventually(all_there, timeout=60)


async def _billing_counts(service: RunningService, cohort_id: uuid.UUID) -> dict[str, int]:
    finance, params = Role.finance, {"cohort_id": str(cohort_id)}
    return {
        "GET /invoices": await statements_for(service, f"{B}/invoices", finance, **params),
        "GET /credit-notes": await statements_for(service, f"{B}/credit-notes", finance, **params),
        "GET /proformas": await statements_for(service, f"{B}/proformas", finance, **params),
        "GET /overdue": await statements_for(
            service, f"{B}/overdue", finance, as_of=(date.today() + timedelta(days=400)).isoformat()
        ),
        "GET /cohorts/{id}/totals": await statements_for(
            service, f"{B}/cohorts/{cohort_id}/totals", finance
        ),
    }


async def test_billing_list_endpoints_do_not_query_per_row(nats_server: NatsServer) -> None:
    async with run_service("billing", nats_url=nats_server.url) as service:
        _count_statements(service)
        cohort_id = uuid.uuid4()
        await _add_documents(service, cohort_id, 0, FEW)
        few = await _billing_counts(service, cohort_id)
        await _add_documents(service, cohort_id, FEW, MANY)
        many = await _billing_counts(service, cohort_id)

    assert_flat({path: (few[path], many[path]) for path in few})
