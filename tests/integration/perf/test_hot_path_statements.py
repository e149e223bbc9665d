"""Statements on the hot paths of the confirmation → invoice flow, counted as in
test_query_counts: a late joiner's confirmation (HTTP), the team read (HTTP), and billing's
handling of ``enrolment.team.confirmed`` through the inbox runner (the inbox claim included).

The bounds are the counts the paths run today (they were 12, 1, 13 and 23 before the paths
were trimmed): a change that adds a round trip to a path taken 50 times a second has to raise
them here, on purpose. SQLite's ``BEGIN IMMEDIATE`` is transaction control, not counted.
"""

from __future__ import annotations

import uuid
from typing import Any

from shared.auth import Role
from shared.events import DomainEvent
from shared.outbox import build_envelope
from tests.integration.perf.test_query_counts import (
    E,
    _coach,
    _cohort,
    _confirmed,
    _count_statements,
    _counting,
    _eoi,
    _organisation,
    _post,
)
from tests.support import NatsServer, RunningService, run_service

CONFIRM_MAX = 7  # cohort lock, team lock, coach locks, counts, update, 2 outbox rows
TEAM_READ_MAX = 1
INVOICE_MAX = 8  # inbox claim, cohort lock, 3 upserts, number, invoice, outbox row
DISCOUNTED_INVOICE_MAX = 15  # + what to correct, invoice lock, its credits, a credit note


def _queries(statements: list[str]) -> list[str]:
    return [s for s in statements if not s.lstrip().upper().startswith("BEGIN")]


async def test_confirmation_and_team_read_statements(nats_server: NatsServer) -> None:
    async with run_service("enrolment", nats_url=nats_server.url) as service:
        service.app.state.rate_limit_overrides = {"writes": (10_000, 1_000.0)}
        _count_statements(service)
        organisation = await _organisation(service, 0)
        for n in range(3):
            await _coach(service, n)
        cohort_id = await _cohort(service, 0)
        first = await _post(
            service, f"{E}/cohorts/{cohort_id}/eois", _eoi(organisation, 0, late=False)
        )
        await _post(service, f"{E}/teams/{first['id']}/accept")
        await _post(service, f"{E}/cohorts/{cohort_id}/close")
        await _post(service, f"{E}/cohorts/{cohort_id}/decision", {"decision": "go"})
        late = await _post(
            service, f"{E}/cohorts/{cohort_id}/eois", _eoi(organisation, 1, late=True)
        )

        coordinator = service.auth(Role.coordinator)
        with _counting() as confirm:
            response = await service.client.post(
                f"{E}/teams/{late['id']}/confirm", headers=coordinator
            )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "confirmed" and body["organisation_team_count"] == 2
        assert body["coach_name"]

        with _counting() as read:
            response = await service.client.get(f"{E}/teams/{late['id']}", headers=coordinator)
        assert response.status_code == 200 and response.json() == body

    confirm, read = _queries(confirm), _queries(read)
    assert 0 < len(confirm) <= CONFIRM_MAX, confirm
    assert 0 < len(read) <= TEAM_READ_MAX, read


async def _handle(service: RunningService, event: DomainEvent) -> list[str]:
    envelope = build_envelope(event, source="/enrolment")
    with _counting() as collected:
        outcome = await service.app.state.runner.handle(
            "perf", envelope.type, envelope.model_dump_json()
        )
    assert outcome == "handled"
    return collected


async def test_invoice_statements(nats_server: NatsServer) -> None:
    async with run_service("billing", nats_url=nats_server.url, consumers_enabled=False) as service:
        _count_statements(service)
        cohort_id = uuid.uuid4()
        first = _confirmed(cohort_id, 1, purchase_order="PO-1")
        await _handle(service, first)  # the cohort's and the year's first: rows get created
        single = await _handle(service, _confirmed(cohort_id, 2, purchase_order="PO-2"))
        second: Any = _confirmed(cohort_id, 3, purchase_order="PO-3").model_copy(
            update={"organisation": first.organisation, "organisation_team_count": 2}
        )
        discounted = await _handle(service, second)
        finance = service.auth(Role.finance)
        invoices = (
            await service.client.get(
                "/api/billing/invoices", params={"cohort_id": str(cohort_id)}, headers=finance
            )
        ).json()
        notes = (
            await service.client.get(
                "/api/billing/credit-notes", params={"cohort_id": str(cohort_id)}, headers=finance
            )
        ).json()
    assert len(invoices) == 3 and len({i["number"] for i in invoices}) == 3
    assert len(notes) == 1  # the first team's full fee is corrected by the discount
    single, discounted = _queries(single), _queries(discounted)
    assert 0 < len(single) <= INVOICE_MAX, single
    assert 0 < len(discounted) <= DISCOUNTED_INVOICE_MAX, discounted
