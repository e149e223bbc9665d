"""Helpers of the billing integration tests: catalogue events as enrolment would send them,
publishing over real NATS and waiting until billing has handled them, and API reads."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from shared.auth import Role
from shared.clock import uk_date
from shared.events import DomainEvent, Envelope
from shared.events.enrolment import (
    Address,
    CohortCancelled,
    CohortTerms,
    Contact,
    InvoiceReference,
    OrganisationRef,
    TeamConfirmed,
    TeamWithdrawn,
)
from shared.inbox import inbox
from shared.outbox import build_envelope
from tests.support import RunningService, eventually

CONSUMER = "billing-enrolment"


def uk_today() -> date:
    return uk_date(datetime.now(UTC))


def terms(**overrides: Any) -> CohortTerms:
    values: dict[str, Any] = {
        "fee_per_team": Decimal("4300.00"),
        "multi_team_discount": Decimal("0.10"),
        "vat_rate": Decimal("0.20"),
        # Well ahead, so withdrawals "today" are before the start unless a test says otherwise.
        "start_date": uk_today() + timedelta(days=60),
        "lead_in_months": 2,
        "coaching_months": 10,
    }
    values.update(overrides)
    return CohortTerms(**values)


def organisation(
    name: str = "North Lakes NHS Foundation Trust", **overrides: Any
) -> OrganisationRef:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "name": name,
        "ods_code": "RNL",
        "nation": "england",
        "invoicing_address": Address(
            lines=["Finance", "1 Lake Road", "Kendal"], postcode="LA9 1AA"
        ),
        "payables_code": "RNLX",
    }
    values.update(overrides)
    return OrganisationRef(**values)


def confirmed(
    cohort_id: uuid.UUID,
    org: OrganisationRef,
    *,
    count: int = 1,
    purchase_order: str | None = "PO-1001",
    team_name: str = "Ward 7 Acute Team",
    cohort_terms: CohortTerms | None = None,
    team_id: uuid.UUID | None = None,
    invoice_references: list[InvoiceReference] | None = None,
) -> TeamConfirmed:
    return TeamConfirmed(
        cohort_id=cohort_id,
        cohort_name="Enjoying Work 2021",
        terms=cohort_terms or terms(),
        organisation=org,
        organisation_team_count=count,
        team_id=team_id or uuid.uuid4(),
        team_name=team_name,
        setting="clinical",
        project_lead=Contact(
            name="Ada Lovelace", email="ada@example.nhs.uk", job_title="Ward Manager"
        ),
        purchase_order=purchase_order,
        invoice_references=invoice_references or [],
        confirmed_at=datetime.now(UTC),
    )


def withdrawn(
    event: TeamConfirmed,
    *,
    on: date,
    reason: str = "Staffing pressures",
    withdrawn_by: str | None = None,
    date_chosen_by: str | None = None,
) -> TeamWithdrawn:
    return TeamWithdrawn(
        cohort_id=event.cohort_id,
        team_id=event.team_id,
        organisation_id=event.organisation.id,
        reason=reason,
        withdrawn_on=on,
        withdrawn_by=withdrawn_by,
        date_chosen_by=date_chosen_by,
    )


def cancelled(cohort_id: uuid.UUID, team_ids: list[uuid.UUID]) -> CohortCancelled:
    return CohortCancelled(cohort_id=cohort_id, reason="Too few teams", team_ids=team_ids)


async def handled(service: RunningService, event_ids: list[str]) -> bool:
    async with service.app.state.database.transaction() as session:  # queue with the writers
        found = set(
            (
                await session.scalars(
                    select(inbox.c.event_id).where(
                        inbox.c.consumer == CONSUMER, inbox.c.event_id.in_(event_ids)
                    )
                )
            ).all()
        )
    return found == set(event_ids)


async def caught_up(service: RunningService) -> bool:
    consumer = service.app.state.consumers[0]
    info = await service.app.state.bus.js.consumer_info(
        consumer.subscription.stream, consumer.subscription.durable
    )
    return info.num_pending == 0 and info.num_ack_pending == 0


async def publish(
    service: RunningService, event: DomainEvent, *, envelope: Envelope | None = None
) -> Envelope:
    """Publish over NATS as enrolment would (a copy of ``envelope`` re-sends the same event id)."""
    envelope = envelope or build_envelope(event, source="/enrolment")
    await service.app.state.bus.publish(
        envelope.type,
        envelope.model_dump_json().encode(),
        # A fresh message id, so JetStream's own de-duplication does not hide a re-sent copy.
        msg_id=uuid.uuid4().hex,
    )
    return envelope


async def deliver(service: RunningService, *events: DomainEvent) -> list[Envelope]:
    """Publish events in this order and wait until billing has handled every one."""
    envelopes = [await publish(service, event) for event in events]
    await eventually(lambda: handled(service, [e.id for e in envelopes]))
    await eventually(lambda: caught_up(service))
    return envelopes


async def get(service: RunningService, path: str, role: Role = Role.finance, **params: Any) -> Any:
    response = await service.client.get(
        f"/api/billing{path}", params=params, headers=service.auth(role)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def invoices_of(
    service: RunningService, cohort_id: uuid.UUID, **params: Any
) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = await get(
        service, "/invoices", cohort_id=str(cohort_id), **params
    )
    return result


async def credit_notes_of(service: RunningService, cohort_id: uuid.UUID) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = await get(service, "/credit-notes", cohort_id=str(cohort_id))
    return result


def money(value: str) -> Decimal:
    return Decimal(value)


async def post(
    service: RunningService,
    path: str,
    body: Any,
    role: Role = Role.finance,
    *,
    key: str | None = None,
    **claims: Any,
) -> Any:
    """POST to billing (``key``: an Idempotency-Key); the raw answer."""
    headers = service.auth(role, **claims) | ({"Idempotency-Key": key} if key else {})
    return await service.client.post(f"/api/billing{path}", json=body, headers=headers)


async def pay(
    service: RunningService, invoice_id: str, amount: str, *, on: date | None = None
) -> dict[str, Any]:
    """Finance records a payment (BACS, today unless ``on``); the answer's JSON."""
    body = {
        "received_on": (on or uk_today()).isoformat(),
        "amount": amount,
        "reference": f"BACS {amount}",
        "method": "bacs",
    }
    answer = await post(service, f"/invoices/{invoice_id}/payments", body)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result
