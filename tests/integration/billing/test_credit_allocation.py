"""Issue 16 item 1: credits that can be used. The issue's case (an organisation's second team
joins after its first invoice was paid, so the discount credit sits on a paid invoice), then
finance allocating that credit to the organisation's open invoice, or refunding it; every figure
(outstanding, overdue, statements, cohort totals) net of both, and agreeing."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from services.billing import overdue
from shared.clock import LONDON
from shared.inbox import parse_event
from shared.outbox import outbox
from tests.integration.billing.helpers import (
    confirmed,
    credit_notes_of,
    deliver,
    get,
    invoices_of,
    organisation,
    pay,
    post,
    uk_today,
)
from tests.support import RunningService


async def _credit_on_a_paid_invoice(
    billing: RunningService,
) -> tuple[uuid.UUID, Any, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The issue's case: (cohort, organisation, paid invoice, open invoice, credit note)."""
    cohort, org = uuid.uuid4(), organisation()
    first = confirmed(cohort, org, count=1, team_name="Ward 7")
    await deliver(billing, first)
    [paid] = await invoices_of(billing, cohort)
    await pay(billing, paid["id"], "5160.00")
    second = confirmed(cohort, org, count=2, team_name="Crisis Team")
    await deliver(billing, second)
    [open_invoice] = [
        i for i in await invoices_of(billing, cohort) if i["team_id"] == str(second.team_id)
    ]
    [note] = await credit_notes_of(billing, cohort)
    return cohort, org, paid, open_invoice, note


async def _events(billing: RunningService, subject: str) -> list[Any]:
    async with billing.app.state.database.transaction() as session:
        rows = (
            await session.execute(
                select(outbox.c.subject, outbox.c.payload).where(outbox.c.subject == subject)
            )
        ).all()
    return [parse_event(s, p)[1] for s, p in rows]


async def test_a_credit_on_a_paid_invoice_is_not_counted_as_owed(billing: RunningService) -> None:
    cohort, org, paid, open_invoice, note = await _credit_on_a_paid_invoice(billing)
    # The credit note could not reduce its own (paid) invoice: all of it is unused.
    assert (note["gross"], note["applied"], note["unused"]) == ("516.00", "0.00", "516.00")
    again = await get(billing, f"/invoices/{paid['id']}")
    assert (again["status"], again["outstanding"], again["credited"]) == ("paid", "0.00", "516.00")
    assert open_invoice["outstanding"] == "4644.00"

    statement = await get(billing, f"/organisations/{org.id}/statement", cohort_id=str(cohort))
    assert statement["balance"] == "4128.00"
    assert (statement["outstanding"], statement["unallocated_credit"]) == ("4644.00", "516.00")
    assert [n["reference"] for n in statement["unused_credit_notes"]] == [note["number"]]

    totals = await get(billing, f"/cohorts/{cohort}/totals")
    assert totals["outstanding"] == "4128.00"  # was £516 too much
    assert (totals["receivable"], totals["unallocated_credit"]) == ("4644.00", "516.00")
    assert totals["balance"] == totals["outstanding"] == statement["balance"]

    after_due = (uk_today() + timedelta(days=31)).isoformat()
    [chased] = [
        i for i in await get(billing, "/overdue", as_of=after_due) if i["cohort_id"] == str(cohort)
    ]
    assert chased["invoice_id"] == open_invoice["id"]
    assert (chased["outstanding"], chased["organisation_credit"], chased["to_chase"]) == (
        "4644.00",
        "516.00",
        "4128.00",
    )


async def test_finance_allocates_the_unused_credit_to_the_open_invoice(
    billing: RunningService,
) -> None:
    cohort, org, _paid, open_invoice, note = await _credit_on_a_paid_invoice(billing)
    url = f"/credit-notes/{note['id']}/allocations"
    answer = await post(billing, url, {"invoice_id": open_invoice["id"], "amount": "516.00"})
    assert answer.status_code == 201, answer.text
    done = answer.json()
    assert done["allocation"]["amount"] == "516.00"
    assert done["credit_note"]["unused"] == "0.00"
    assert done["credit_note"]["allocated"] == "516.00"
    assert (done["invoice"]["outstanding"], done["invoice"]["credit_applied"]) == (
        "4128.00",
        "516.00",
    )

    statement = await get(billing, f"/organisations/{org.id}/statement", cohort_id=str(cohort))
    assert (statement["balance"], statement["outstanding"], statement["unallocated_credit"]) == (
        "4128.00",
        "4128.00",
        "0.00",
    )
    allocation = [e for e in statement["entries"] if e["kind"] == "allocation"]
    assert [(e["debit"], e["credit"]) for e in allocation] == [("0.00", "0.00")]
    totals = await get(billing, f"/cohorts/{cohort}/totals")
    assert (totals["outstanding"], totals["receivable"], totals["allocated"]) == (
        "4128.00",
        "4128.00",
        "516.00",
    )
    [event] = [
        e
        for e in await _events(billing, "billing.credit.allocated")
        if e.credit_note_id.hex == uuid.UUID(note["id"]).hex
    ]
    assert (event.amount, event.outstanding, event.credit_note_unused) == (
        Decimal("516.00"),
        Decimal("4128.00"),
        Decimal("0.00"),
    )

    # Nothing is left to allocate; the open invoice now owes 4128.00.
    again = await post(billing, url, {"invoice_id": open_invoice["id"], "amount": "0.01"})
    assert again.status_code == 422
    assert "the credit note has nothing unused" in again.json()["detail"]
    paid = await pay(billing, open_invoice["id"], "4128.00")
    assert paid["invoice"]["status"] == "paid"
    totals = await get(billing, f"/cohorts/{cohort}/totals")
    assert (totals["balance"], totals["outstanding"], totals["credit_owed"]) == (
        "0.00",
        "0.00",
        "0.00",
    )


async def test_finance_refunds_the_unused_credit(billing: RunningService) -> None:
    cohort, org, _paid, open_invoice, note = await _credit_on_a_paid_invoice(billing)
    url = f"/credit-notes/{note['id']}/refunds"
    today = uk_today().isoformat()
    body = {"amount": "516.00", "paid_on": today, "reference": "REF-516", "method": "bacs"}
    answer = await post(billing, url, body)
    assert answer.status_code == 201, answer.text
    done = answer.json()
    assert (done["refund"]["amount"], done["refund"]["paid_on"]) == ("516.00", today)
    assert (done["credit_note"]["refunded"], done["credit_note"]["unused"]) == ("516.00", "0.00")

    # Refunded, the credit no longer reduces what is owed: the open invoice owes it all.
    statement = await get(billing, f"/organisations/{org.id}/statement", cohort_id=str(cohort))
    assert (statement["invoiced"], statement["credited"], statement["paid"]) == (
        "9804.00",
        "516.00",
        "5160.00",
    )
    assert statement["refunded"] == "516.00"
    assert statement["balance"] == statement["outstanding"] == "4644.00"
    refund = [e for e in statement["entries"] if e["kind"] == "refund"]
    assert [(e["debit"], e["balance"]) for e in refund] == [("516.00", "4644.00")]
    totals = await get(billing, f"/cohorts/{cohort}/totals")
    assert (totals["refunded"], totals["outstanding"], totals["balance"]) == (
        "516.00",
        "4644.00",
        "4644.00",
    )
    after_due = (uk_today() + timedelta(days=31)).isoformat()
    [chased] = [
        i for i in await get(billing, "/overdue", as_of=after_due) if i["cohort_id"] == str(cohort)
    ]
    assert chased["to_chase"] == open_invoice["outstanding"] == "4644.00"
    [event] = [
        e for e in await _events(billing, "billing.refund.recorded") if e.reference == "REF-516"
    ]
    assert (event.amount, event.credit_note_unused) == (Decimal("516.00"), Decimal("0.00"))


async def test_refused_allocations_and_refunds_change_nothing(billing: RunningService) -> None:
    cohort, _org, paid, open_invoice, note = await _credit_on_a_paid_invoice(billing)
    other_cohort = uuid.uuid4()
    elsewhere = confirmed(other_cohort, organisation(name="Another Trust"))
    await deliver(billing, elsewhere)
    [stranger] = await invoices_of(billing, other_cohort)
    allocate = f"/credit-notes/{note['id']}/allocations"
    refund = f"/credit-notes/{note['id']}/refunds"
    today = uk_today()

    def refund_of(amount: str, **extra: Any) -> dict[str, Any]:
        return {
            "amount": amount,
            "paid_on": today.isoformat(),
            "reference": "R",
            "method": "bacs",
        } | extra

    for url, body, expected in (
        (allocate, {"invoice_id": open_invoice["id"], "amount": "516.01"}, "exceeds"),
        (allocate, {"invoice_id": paid["id"], "amount": "1.00"}, "nothing outstanding"),
        (allocate, {"invoice_id": stranger["id"], "amount": "1.00"}, "same organisation"),
        (allocate, {"invoice_id": open_invoice["id"], "amount": "1e400"}, None),
        (allocate, {"invoice_id": open_invoice["id"], "amount": "0"}, None),
        (refund, refund_of("516.01"), "exceeds"),
        (refund, refund_of("5.00", paid_on=(today + timedelta(days=1)).isoformat()), "future"),
        (refund, refund_of("5.00", method="bitcoin"), None),
    ):
        answer = await post(billing, url, body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        if expected:
            assert expected in answer.json()["detail"], answer.json()
    missing = await post(billing, f"/credit-notes/{uuid.uuid4()}/refunds", refund_of("1.00"))
    assert missing.status_code == 404
    [unchanged] = await credit_notes_of(billing, cohort)
    assert (unchanged["allocated"], unchanged["refunded"], unchanged["unused"]) == (
        "0.00",
        "0.00",
        "516.00",
    )


async def test_a_retried_allocation_or_refund_is_recorded_once(billing: RunningService) -> None:
    cohort, _org, _paid, open_invoice, note = await _credit_on_a_paid_invoice(billing)
    allocate = f"/credit-notes/{note['id']}/allocations"
    body = {"invoice_id": open_invoice["id"], "amount": "16.00"}
    first = await post(billing, allocate, body, key="alloc-1")
    again = await post(billing, allocate, body, key="alloc-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    other = await post(billing, allocate, {**body, "amount": "17.00"}, key="alloc-1")
    assert other.status_code == 422

    refund = f"/credit-notes/{note['id']}/refunds"
    body = {
        "amount": "500",
        "paid_on": uk_today().isoformat(),
        "reference": "R-1",
        "method": "bacs",
    }
    first = await post(billing, refund, body, key="refund-1")
    again = await post(billing, refund, body, key="refund-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert first.json()["refund"]["amount"] == "500.00"
    [used] = await credit_notes_of(billing, cohort)
    assert (used["allocated"], used["refunded"], used["unused"]) == ("16.00", "500.00", "0.00")


async def test_the_overdue_check_chases_only_what_the_credit_does_not_cover(
    billing: RunningService,
) -> None:
    """``billing.invoice.overdue`` (what reminders are sent from) carries what to chase; an
    invoice the organisation's unallocated credit covers in full is not chased until that credit
    is refunded instead of allocated."""
    cohort, org = uuid.uuid4(), organisation()
    first = confirmed(cohort, org, count=1)
    await deliver(billing, first)
    [paid] = await invoices_of(billing, cohort)
    await pay(billing, paid["id"], "5160.00")
    await deliver(billing, confirmed(cohort, org, count=2))
    second = next(i for i in await invoices_of(billing, cohort) if i["id"] != paid["id"])
    await pay(billing, second["id"], "4200.00")  # 444.00 left, the 516.00 credit covers it
    [note] = await credit_notes_of(billing, cohort)

    async def check(days: int) -> list[str]:
        noon = datetime.combine(uk_today() + timedelta(days=days), time(12), tzinfo=LONDON)
        async with billing.app.state.database.transaction() as session:
            session.info["service"] = "billing"
            return [i.number for i in await overdue.record_overdue(session, now=noon)]

    assert second["number"] not in await check(31)
    assert (await get(billing, f"/invoices/{second['id']}"))["status"] == "overdue"
    body = {
        "amount": "516.00",
        "paid_on": uk_today().isoformat(),
        "reference": "R",
        "method": "bacs",
    }
    assert (await post(billing, f"/credit-notes/{note['id']}/refunds", body)).status_code == 201
    assert second["number"] in await check(32)
    assert second["number"] not in await check(33)  # once
    [event] = [
        e
        for e in await _events(billing, "billing.invoice.overdue")
        if str(e.invoice_id) == second["id"]
    ]
    assert (event.outstanding, event.to_chase) == (Decimal("444.00"), Decimal("444.00"))
