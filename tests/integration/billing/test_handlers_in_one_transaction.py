"""Handlers share a transaction with other handlers (one savepoint per event, as a batching
runner does): what one handler wrote is what the next one reads, in either order, even where a
handler writes with Core statements rather than through the session's objects."""

from __future__ import annotations

import uuid

from services.billing.handlers import HANDLERS
from shared.events import DomainEvent
from shared.outbox import build_envelope
from tests.integration.billing.helpers import (
    confirmed,
    credit_notes_of,
    invoices_of,
    organisation,
    uk_today,
    withdrawn,
)
from tests.support import RunningService


async def _in_one_transaction(billing: RunningService, *events: DomainEvent) -> None:
    async with billing.app.state.database.transaction() as session:
        for event in events:
            async with session.begin_nested():
                handled = await HANDLERS.dispatch(
                    session,
                    event,
                    envelope=build_envelope(event, source="/enrolment"),
                    settings=billing.settings,
                    clock=billing.app.state.clock,
                )
                assert handled


async def test_withdrawal_then_confirmation_in_one_transaction(billing: RunningService) -> None:
    cohort_id = uuid.uuid4()
    event = confirmed(cohort_id, organisation())
    await _in_one_transaction(billing, withdrawn(event, on=uk_today()), event)
    invoices = await invoices_of(billing, cohort_id)
    assert [i["team_id"] for i in invoices] == [str(event.team_id)]
    notes = await credit_notes_of(billing, cohort_id)
    assert [(n["reason"], n["gross"]) for n in notes] == [("withdrawal", invoices[0]["gross"])]


async def test_confirmation_then_withdrawal_and_a_second_team(billing: RunningService) -> None:
    cohort_id = uuid.uuid4()
    org = organisation()
    first = confirmed(cohort_id, org, purchase_order="PO-1")
    second = confirmed(cohort_id, org, count=2, purchase_order="PO-2")
    again = confirmed(cohort_id, org, team_id=first.team_id, purchase_order="PO-1")
    await _in_one_transaction(billing, first, withdrawn(first, on=uk_today()), second, again)
    invoices = await invoices_of(billing, cohort_id)
    assert sorted(i["team_id"] for i in invoices) == sorted(
        [str(first.team_id), str(second.team_id)]
    )  # the repeated confirmation issued nothing
    reasons = sorted(n["reason"] for n in await credit_notes_of(billing, cohort_id))
    # The first team's invoice was credited in full on withdrawal: nothing is left to discount.
    assert reasons == ["withdrawal"]
