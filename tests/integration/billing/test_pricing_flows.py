"""Acceptance 1 and 3: the figures to the penny for each pricing situation, and no event (redelivered,
duplicated or out of order) ever bills a team twice."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal

from shared.events.enrolment import TeamConfirmed
from tests.integration.billing.helpers import (
    cancelled,
    caught_up,
    confirmed,
    credit_notes_of,
    deliver,
    get,
    invoices_of,
    organisation,
    publish,
    terms,
    uk_today,
    withdrawn,
)
from tests.support import RunningService, eventually

FULL = {"net": "4300.00", "vat_rate": "0.20", "vat": "860.00", "gross": "5160.00"}
DISCOUNTED = {"net": "3870.00", "vat_rate": "0.20", "vat": "774.00", "gross": "4644.00"}
DISCOUNT_CREDIT = {"net": "430.00", "vat_rate": "0.20", "vat": "86.00", "gross": "516.00"}


def figures(document: dict[str, str]) -> dict[str, str]:
    return {key: document[key] for key in ("net", "vat_rate", "vat", "gross")}


def by_team(documents: list[dict[str, str]], event: TeamConfirmed) -> list[dict[str, str]]:
    return [d for d in documents if d["team_id"] == str(event.team_id)]


async def test_one_team_is_invoiced_the_full_fee_with_vat(billing: RunningService) -> None:
    cohort = uuid.uuid4()
    event = confirmed(cohort, organisation(), purchase_order="PO-778899")
    await deliver(billing, event)

    [invoice] = await invoices_of(billing, cohort)
    assert figures(invoice) == FULL
    assert re.fullmatch(rf"EWC-{invoice['issued_on'][:4]}-\d{{5}}", invoice["number"])
    assert invoice["purchase_order"] == "PO-778899"
    assert invoice["status"] == "issued"
    assert invoice["outstanding"] == "5160.00"
    issued = uk_today()
    assert invoice["issued_on"] == invoice["time_of_supply"] == issued.isoformat()
    assert invoice["due_on"] == (issued + timedelta(days=30)).isoformat()
    assert invoice["payment_terms_days"] == 30
    assert invoice["customer"]["name"] == "North Lakes NHS Foundation Trust"
    assert invoice["customer"]["address"] == ["Finance", "1 Lake Road", "Kendal"]
    assert invoice["customer"]["postcode"] == "LA9 1AA"
    assert invoice["customer"]["ods_code"] == "RNL"
    assert invoice["supplier"]["vat_registration_number"]
    # The description names the team, the cohort and the programme period (12 months).
    start = event.terms.start_date
    assert "Ward 7 Acute Team" in invoice["description"]
    assert "Enjoying Work 2021" in invoice["description"]
    assert f"{start:%d %B %Y}" in invoice["description"]
    assert await credit_notes_of(billing, cohort) == []


async def test_two_teams_of_one_organisation_confirmed_together_are_both_discounted(
    billing: RunningService,
) -> None:
    cohort, org = uuid.uuid4(), organisation()
    first = confirmed(cohort, org, count=2, team_name="Ward 7")
    second = confirmed(cohort, org, count=2, team_name="Crisis Team")
    await deliver(billing, first, second)

    invoices = await invoices_of(billing, cohort)
    assert [figures(i) for i in invoices] == [DISCOUNTED, DISCOUNTED]
    assert await credit_notes_of(billing, cohort) == []
    totals = await get(billing, f"/cohorts/{cohort}/totals")
    assert totals["invoiced"] == "9288.00"
    assert totals["credited"] == "0.00"
    assert totals["outstanding"] == "9288.00"


async def test_second_team_weeks_later_credits_the_first_the_difference(
    billing: RunningService,
) -> None:
    cohort, org = uuid.uuid4(), organisation()
    first = confirmed(cohort, org, count=1, team_name="Ward 7")
    await deliver(billing, first)
    [invoice] = await invoices_of(billing, cohort)
    assert figures(invoice) == FULL

    second = confirmed(cohort, org, count=2, team_name="Crisis Team")
    await deliver(billing, second)
    invoices = await invoices_of(billing, cohort)
    assert figures(by_team(invoices, first)[0]) == FULL  # issued invoices are never edited
    assert figures(by_team(invoices, second)[0]) == DISCOUNTED
    [note] = await credit_notes_of(billing, cohort)
    assert figures(note) == DISCOUNT_CREDIT
    assert note["invoice_id"] == invoice["id"]
    assert note["invoice_number"] == invoice["number"]
    assert note["reason"] == "multi_team_discount"
    assert "£3,870.00 instead of £4,300.00" in note["reason_text"]
    assert re.fullmatch(r"EWC-CN-\d{4}-\d{5}", note["number"])
    first_now = await get(billing, f"/invoices/{invoice['id']}")
    assert first_now["credited"] == "516.00"
    assert first_now["outstanding"] == "4644.00"

    # A later withdrawal of the second team does not claw the discount back.
    await deliver(billing, withdrawn(second, on=second.terms.start_date + timedelta(days=3)))
    assert len(await credit_notes_of(billing, cohort)) == 1
    statement = await get(billing, f"/organisations/{org.id}/statement", cohort_id=str(cohort))
    assert statement["invoiced"] == "9804.00"
    assert statement["credited"] == "516.00"
    assert statement["balance"] == "9288.00"
    assert [e["kind"] for e in statement["entries"]] == ["invoice", "invoice", "credit_note"]


async def test_withdrawal_before_the_start_date_is_credited_in_full(
    billing: RunningService,
) -> None:
    cohort = uuid.uuid4()
    event = confirmed(cohort, organisation())
    await deliver(billing, event, withdrawn(event, on=event.terms.start_date - timedelta(days=1)))
    [invoice] = await invoices_of(billing, cohort)
    [note] = await credit_notes_of(billing, cohort)
    assert figures(note) == FULL
    assert note["reason"] == "withdrawal"
    assert note["invoice_number"] == invoice["number"]
    again = await get(billing, f"/invoices/{invoice['id']}")
    assert again["status"] == "credited"
    assert again["outstanding"] == "0.00"


async def test_withdrawal_on_or_after_the_start_date_is_not_credited(
    billing: RunningService,
) -> None:
    cohort = uuid.uuid4()
    on_start = confirmed(cohort, organisation(name="Trust A"))
    after = confirmed(cohort, organisation(name="Trust B"))
    await deliver(
        billing,
        on_start,
        after,
        withdrawn(on_start, on=on_start.terms.start_date),
        withdrawn(after, on=after.terms.start_date + timedelta(days=40)),
    )
    invoices = await invoices_of(billing, cohort)
    assert [figures(i) for i in invoices] == [FULL, FULL]
    assert await credit_notes_of(billing, cohort) == []


async def test_the_withdrawal_cutoff_is_a_per_cohort_setting(billing: RunningService) -> None:
    cohort = uuid.uuid4()
    start = uk_today() + timedelta(days=10)
    cohort_terms = terms(start_date=start, withdrawal_credit_cutoff=start + timedelta(days=30))
    event = confirmed(cohort, organisation(), cohort_terms=cohort_terms)
    await deliver(billing, event, withdrawn(event, on=start + timedelta(days=29)))
    [note] = await credit_notes_of(billing, cohort)
    assert figures(note) == FULL


async def test_withdrawal_after_a_discount_credits_the_rest(billing: RunningService) -> None:
    cohort, org = uuid.uuid4(), organisation()
    first = confirmed(cohort, org, count=1)
    second = confirmed(cohort, org, count=2)
    await deliver(billing, first, second, withdrawn(first, on=uk_today()))
    notes = await credit_notes_of(billing, cohort)
    assert [(n["reason"], figures(n)) for n in notes] == [
        ("multi_team_discount", DISCOUNT_CREDIT),
        ("withdrawal", DISCOUNTED),
    ]
    [invoice] = by_team(await invoices_of(billing, cohort), first)
    assert invoice["outstanding"] == "0.00"


async def test_cohort_cancelled_before_go_has_no_invoice(billing: RunningService) -> None:
    cohort = uuid.uuid4()
    released = [uuid.uuid4(), uuid.uuid4()]
    await deliver(billing, cancelled(cohort, released))
    assert await invoices_of(billing, cohort) == []
    assert await credit_notes_of(billing, cohort) == []
    assert await get(billing, "/proformas", cohort_id=str(cohort)) == []
    totals = await get(billing, f"/cohorts/{cohort}/totals")
    assert totals["invoices"] == 0
    assert totals["invoiced"] == totals["outstanding"] == "0.00"
    # A confirmation that comes after the cancellation (out of order) bills nothing either.
    await deliver(billing, confirmed(cohort, organisation(), team_id=released[0]))
    assert await invoices_of(billing, cohort) == []


async def test_cohort_cancelled_after_invoicing_credits_and_cancels(
    billing: RunningService,
) -> None:
    cohort = uuid.uuid4()
    with_po = confirmed(cohort, organisation(name="Trust A"))
    without_po = confirmed(cohort, organisation(name="Trust B"), purchase_order=None)
    await deliver(billing, with_po, without_po, cancelled(cohort, []))
    [note] = await credit_notes_of(billing, cohort)
    assert note["reason"] == "cohort_cancelled"
    assert figures(note) == FULL
    [proforma] = await get(billing, "/proformas", cohort_id=str(cohort))
    assert proforma["status"] == "cancelled"


# --- acceptance 3: redelivered, duplicated and out-of-order events -----------------------------


async def test_duplicated_and_redelivered_events_never_bill_twice(billing: RunningService) -> None:
    cohort, org = uuid.uuid4(), organisation()
    first = confirmed(cohort, org, count=1)
    second = confirmed(cohort, org, count=2)
    leaving = withdrawn(first, on=uk_today())
    envelopes = await deliver(billing, first, second, leaving)
    # The same envelopes again (redelivery), and the same facts under new event ids (duplicates).
    for envelope in envelopes:
        await publish(billing, first, envelope=envelope)
    await deliver(billing, first, second, leaving)
    await eventually(lambda: caught_up(billing))

    invoices = await invoices_of(billing, cohort)
    assert len(invoices) == 2
    notes = await credit_notes_of(billing, cohort)
    assert sorted(n["reason"] for n in notes) == ["multi_team_discount", "withdrawal"]
    totals = await get(billing, f"/cohorts/{cohort}/totals")
    assert totals["invoiced"] == "9804.00"
    assert totals["credited"] == "5160.00"
    assert totals["outstanding"] == "4644.00"


async def test_later_team_confirmed_before_the_earlier_one(billing: RunningService) -> None:
    """Out of order: the "2 teams" confirmation arrives first. The outcome equals in-order."""
    cohort, org = uuid.uuid4(), organisation()
    first = confirmed(cohort, org, count=1, team_name="Ward 7")
    second = confirmed(cohort, org, count=2, team_name="Crisis Team")
    await deliver(billing, second, first)
    invoices = await invoices_of(billing, cohort)
    assert figures(by_team(invoices, second)[0]) == DISCOUNTED
    assert figures(by_team(invoices, first)[0]) == FULL
    [note] = await credit_notes_of(billing, cohort)
    assert figures(note) == DISCOUNT_CREDIT
    assert note["team_id"] == str(first.team_id)
    totals = await get(billing, f"/cohorts/{cohort}/totals")
    assert Decimal(totals["invoiced"]) - Decimal(totals["credited"]) == Decimal("9288.00")


async def test_withdrawal_arriving_before_its_confirmation(billing: RunningService) -> None:
    cohort = uuid.uuid4()
    before = confirmed(cohort, organisation(name="Trust A"))
    after = confirmed(cohort, organisation(name="Trust B"))
    await deliver(
        billing,
        withdrawn(before, on=uk_today()),
        withdrawn(after, on=after.terms.start_date + timedelta(days=1)),
    )
    assert await invoices_of(billing, cohort) == []
    await deliver(billing, before, after)
    invoices = await invoices_of(billing, cohort)
    assert len(invoices) == 2
    [note] = await credit_notes_of(billing, cohort)
    assert note["team_id"] == str(before.team_id)
    assert figures(note) == FULL
    # And the withdrawal once more, now in order: nothing new.
    await deliver(billing, withdrawn(before, on=uk_today()))
    assert len(await credit_notes_of(billing, cohort)) == 1
