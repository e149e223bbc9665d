"""Acceptance 4, 5 and 6: the purchase-order flow, the PDFs, payments and statuses, bad input,
statements, the overdue listing, per-cohort totals and who may see what."""

from __future__ import annotations

import io
import re
import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pypdf import PdfReader
from sqlalchemy import func, select

from services.billing import overdue
from services.billing.models import CreditNote, Invoice, Payment, Proforma
from shared.auth import Role
from shared.clock import LONDON
from shared.events import DomainEvent
from shared.events.enrolment import InvoiceReference
from shared.inbox import parse_event
from shared.outbox import outbox
from tests.integration.billing.helpers import (
    confirmed,
    credit_notes_of,
    deliver,
    get,
    invoices_of,
    organisation,
    post,
    uk_today,
    withdrawn,
)
from tests.support import RunningService

PROBLEM = "application/problem+json"


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def snapshot(billing: RunningService) -> dict[str, int]:
    """Row counts of everything billing writes, to prove a refused request changed nothing."""
    counts: dict[str, int] = {}
    async with billing.app.state.database.transaction() as session:
        for name, table in (
            ("invoices", Invoice.__table__),
            ("credit_notes", CreditNote.__table__),
            ("payments", Payment.__table__),
            ("proformas", Proforma.__table__),
            ("outbox", outbox),
        ):
            counts[name] = int(await session.scalar(select(func.count()).select_from(table)) or 0)
        counts["paid_pence"] = int(
            await session.scalar(select(func.coalesce(func.sum(Invoice.__table__.c.paid), 0))) or 0
        )
    return counts


async def recorded_events(billing: RunningService, invoice_id: str) -> list[DomainEvent]:
    """The billing events about one invoice, as recorded in the outbox (validated by the catalogue)."""
    async with billing.app.state.database.transaction() as session:
        rows = (
            await session.execute(select(outbox.c.subject, outbox.c.payload).order_by(outbox.c.seq))
        ).all()
    events = [parse_event(subject, payload)[1] for subject, payload in rows]
    return [e for e in events if str(getattr(e, "invoice_id", "")) == invoice_id]


# --- acceptance 4: no PO, no pay ---------------------------------------------------------------


async def test_team_without_po_gets_a_proforma_then_an_invoice_when_finance_records_the_po(
    billing: RunningService,
) -> None:
    cohort = uuid.uuid4()
    event = confirmed(cohort, organisation(), purchase_order=None)
    await deliver(billing, event)
    assert await invoices_of(billing, cohort) == []
    [proforma] = await get(billing, "/proformas", cohort_id=str(cohort))
    assert proforma["status"] == "awaiting_po"
    assert proforma["not_a_vat_invoice"] is True
    assert re.fullmatch(r"EWC-PF-\d{4}-\d{5}", proforma["reference"])
    assert proforma["gross"] == "5160.00"

    pdf = await billing.client.get(
        f"/api/billing/proformas/{proforma['id']}/pdf", headers=billing.auth(Role.finance)
    )
    assert pdf.status_code == 200
    text = pdf_text(pdf.content)
    assert "NOT A VAT INVOICE" in text
    assert "Invoice number" not in text

    answer = await post(
        billing, f"/proformas/{proforma['id']}/purchase-order", {"purchase_order": " PO-4455 "}
    )
    assert answer.status_code == 201, answer.text
    invoice = answer.json()
    assert re.fullmatch(r"EWC-\d{4}-\d{5}", invoice["number"])
    assert invoice["purchase_order"] == "PO-4455"
    assert invoice["proforma_id"] == proforma["id"]
    assert invoice["gross"] == "5160.00"
    [listed] = await invoices_of(billing, cohort)
    assert listed["id"] == invoice["id"]
    again = await get(billing, f"/proformas/{proforma['id']}")
    assert again["status"] == "invoiced"
    assert again["invoice_id"] == invoice["id"]

    # Recording a PO twice is refused, and changes nothing.
    before = await snapshot(billing)
    twice = await post(
        billing, f"/proformas/{proforma['id']}/purchase-order", {"purchase_order": "PO-9"}
    )
    assert twice.status_code == 409
    assert twice.headers["content-type"] == PROBLEM
    assert invoice["number"] in twice.json()["detail"]
    assert await snapshot(billing) == before


async def test_the_references_the_customer_asked_for_are_quoted_on_its_proforma_and_invoices(
    billing: RunningService,
) -> None:
    """An expression of interest's cost centre reaches every membership document through the
    confirmation's invoice references; billing prints what it is given, in order."""
    cohort = uuid.uuid4()
    asked = [
        InvoiceReference(label="Cost centre", value="CC 4410"),
        InvoiceReference(label="Requisition", value="RQ-77"),
    ]
    waiting = confirmed(cohort, organisation(), purchase_order=None, invoice_references=asked)
    at_once = confirmed(cohort, organisation(name="Trust B"), invoice_references=asked[:1])
    plain = confirmed(cohort, organisation(name="Trust C"))
    await deliver(billing, waiting, at_once, plain)

    [proforma] = await get(billing, "/proformas", cohort_id=str(cohort))
    text = await document_text(billing, f"/proformas/{proforma['id']}/pdf")
    assert re.search(r"Cost centre:\s*CC 4410[\s\S]*Requisition:\s*RQ-77", text), text
    answer = await post(
        billing, f"/proformas/{proforma['id']}/purchase-order", {"purchase_order": "PO-8"}
    )
    assert answer.status_code == 201, answer.text
    by_team = {i["team_id"]: i for i in await invoices_of(billing, cohort)}
    from_proforma = await document_text(
        billing, f"/invoices/{by_team[str(waiting.team_id)]['id']}/pdf"
    )
    assert re.search(r"Cost centre:\s*CC 4410[\s\S]*Requisition:\s*RQ-77", from_proforma)
    direct = await document_text(billing, f"/invoices/{by_team[str(at_once.team_id)]['id']}/pdf")
    assert re.search(r"Cost centre:\s*CC 4410", direct) and "Requisition" not in direct
    unasked = await document_text(billing, f"/invoices/{by_team[str(plain.team_id)]['id']}/pdf")
    assert "Cost centre" not in unasked


async def document_text(billing: RunningService, path: str) -> str:
    answer = await billing.client.get(f"/api/billing{path}", headers=billing.auth(Role.finance))
    assert answer.status_code == 200, answer.text
    return pdf_text(answer.content)


async def test_proforma_of_an_organisation_getting_its_second_team_is_repriced(
    billing: RunningService,
) -> None:
    cohort, org = uuid.uuid4(), organisation()
    first = confirmed(cohort, org, count=1, purchase_order=None)
    await deliver(billing, first, confirmed(cohort, org, count=2))
    [proforma] = await get(billing, "/proformas", cohort_id=str(cohort))
    assert proforma["net"] == "3870.00"
    assert proforma["gross"] == "4644.00"
    assert await credit_notes_of(billing, cohort) == []  # a pro-forma is no tax document


async def test_withdrawal_before_start_cancels_the_proforma(billing: RunningService) -> None:
    cohort = uuid.uuid4()
    event = confirmed(cohort, organisation(), purchase_order=None)
    await deliver(billing, event, withdrawn(event, on=uk_today()))
    [proforma] = await get(billing, "/proformas", cohort_id=str(cohort))
    assert proforma["status"] == "cancelled"
    late = await post(
        billing, f"/proformas/{proforma['id']}/purchase-order", {"purchase_order": "PO-1"}
    )
    assert late.status_code == 409
    assert await invoices_of(billing, cohort) == []


# --- acceptance 5: the PDFs --------------------------------------------------------------------


async def test_invoice_and_credit_note_pdfs_carry_what_finance_needs(
    billing: RunningService,
) -> None:
    cohort, org = uuid.uuid4(), organisation()
    first = confirmed(cohort, org, count=1, purchase_order="PO-2021/0042")
    await deliver(billing, first, confirmed(cohort, org, count=2))
    invoice = next(
        i for i in await invoices_of(billing, cohort) if i["team_id"] == str(first.team_id)
    )

    response = await billing.client.get(
        f"/api/billing/invoices/{invoice['id']}/pdf", headers=billing.auth(Role.finance)
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f'filename="{invoice["number"]}.pdf"' in response.headers["content-disposition"]
    text = pdf_text(response.content)
    vat_number = billing.settings.supplier_vat_number  # type: ignore[attr-defined]
    for expected in (
        "VAT INVOICE",
        invoice["number"],
        "PO-2021/0042",
        f"VAT registration number: {vat_number}",
        "North Lakes NHS Foundation Trust",
        "LA9 1AA",
        "ODS code: RNL",
        "Payables code: RNLX",
        "£4,300.00",
        "20%",
        "£860.00",
        "£5,160.00",
        "30 days",
    ):
        assert expected in text, expected

    [note] = await credit_notes_of(billing, cohort)
    response = await billing.client.get(
        f"/api/billing/credit-notes/{note['id']}/pdf", headers=billing.auth(Role.finance)
    )
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert text.startswith("CREDIT NOTE")
    for expected in (note["number"], invoice["number"], "£430.00", "£86.00", "£516.00", vat_number):
        assert expected in text, expected
    # The JSON download of the same credit note.
    assert (await get(billing, f"/credit-notes/{note['id']}"))["gross"] == "516.00"


# --- payments and statuses ---------------------------------------------------------------------


async def test_payments_move_an_invoice_from_issued_to_part_paid_to_paid(
    billing: RunningService,
) -> None:
    cohort, org = uuid.uuid4(), organisation()
    await deliver(billing, confirmed(cohort, org))
    [invoice] = await invoices_of(billing, cohort)
    today = uk_today().isoformat()
    url = f"/invoices/{invoice['id']}/payments"

    part = await post(
        billing,
        url,
        {"received_on": today, "amount": "2000.00", "reference": "BACS 1", "method": "bacs"},
    )
    assert part.status_code == 201, part.text
    assert part.json()["invoice"]["status"] == "part_paid"
    assert part.json()["invoice"]["outstanding"] == "3160.00"
    assert (await invoices_of(billing, cohort, status="part_paid"))[0]["id"] == invoice["id"]

    rest = await post(
        billing,
        url,
        {"received_on": today, "amount": "3160.00", "reference": "BACS 2", "method": "bacs"},
    )
    assert rest.status_code == 201, rest.text
    paid = rest.json()["invoice"]
    assert paid["status"] == "paid"
    assert paid["paid_on"] == today
    assert paid["outstanding"] == "0.00"
    assert [p["amount"] for p in await get(billing, url)] == ["2000.00", "3160.00"]
    events = await recorded_events(billing, invoice["id"])
    assert [e.subject for e in events] == [
        "billing.invoice.issued",
        "billing.payment.recorded",
        "billing.payment.recorded",
        "billing.invoice.paid",
    ]
    assert events[0].gross == Decimal("5160.00")  # type: ignore[attr-defined]
    assert [e.outstanding for e in events[1:3]] == [Decimal("3160.00"), Decimal("0.00")]  # type: ignore[attr-defined]
    assert events[3].total_paid == Decimal("5160.00")  # type: ignore[attr-defined]

    statement = await get(billing, f"/organisations/{org.id}/statement")
    assert [(e["kind"], e["debit"], e["credit"], e["balance"]) for e in statement["entries"]] == [
        ("invoice", "5160.00", "0.00", "5160.00"),
        ("payment", "0.00", "2000.00", "3160.00"),
        ("payment", "0.00", "3160.00", "0.00"),
    ]
    assert statement["balance"] == "0.00"

    totals = await get(billing, f"/cohorts/{cohort}/totals")
    assert (totals["invoiced"], totals["paid"], totals["outstanding"]) == (
        "5160.00",
        "5160.00",
        "0.00",
    )


async def test_overdue_after_the_due_date_is_listed_and_recorded_once(
    billing: RunningService,
) -> None:
    cohort = uuid.uuid4()
    await deliver(billing, confirmed(cohort, organisation()))
    [invoice] = await invoices_of(billing, cohort)
    after_due = uk_today() + timedelta(days=31)
    listed = await get(billing, "/overdue", as_of=after_due.isoformat())
    [item] = [i for i in listed if i["invoice_id"] == invoice["id"]]
    assert item["outstanding"] == "5160.00"
    assert item["days_overdue"] == 1
    assert item["project_lead_email"] == "ada@example.nhs.uk"
    assert not [i for i in await get(billing, "/overdue") if i["invoice_id"] == invoice["id"]]

    database = billing.app.state.database
    for _ in range(2):  # the periodic check runs again: the event is recorded once
        async with database.transaction() as session:
            session.info["service"] = "billing"
            noon = datetime.combine(after_due, time(12), tzinfo=LONDON)
            await overdue.record_overdue(session, now=noon)
    async with database.transaction() as session:
        stored = await session.get(Invoice, uuid.UUID(invoice["id"]))
        assert stored is not None and stored.status == "overdue"
    assert (await get(billing, f"/invoices/{invoice['id']}"))["status"] == "overdue"
    assert [i["id"] for i in await invoices_of(billing, cohort, status="overdue")] == [
        invoice["id"]
    ]
    overdue_events = await _events_about(billing, "billing.invoice.overdue", invoice["id"])
    assert overdue_events == 1


async def _events_about(billing: RunningService, subject: str, invoice_id: str) -> int:
    async with billing.app.state.database.transaction() as session:
        payloads = (
            await session.scalars(select(outbox.c.payload).where(outbox.c.subject == subject))
        ).all()
    return sum(1 for p in payloads if invoice_id in p)


# --- acceptance 6: bad input changes nothing ---------------------------------------------------


async def test_bad_payments_and_pos_get_problem_json_and_change_nothing(
    billing: RunningService,
) -> None:
    cohort = uuid.uuid4()
    await deliver(billing, confirmed(cohort, organisation()))
    [invoice] = await invoices_of(billing, cohort)
    today = uk_today().isoformat()
    url = f"/invoices/{invoice['id']}/payments"

    def payment(amount: str, **extra: Any) -> dict[str, Any]:
        return {
            "received_on": today,
            "amount": amount,
            "reference": "BACS",
            "method": "bacs",
            **extra,
        }

    before = await snapshot(billing)
    for body, status in (
        (payment("-10.00"), 422),
        (payment("0.00"), 422),
        (payment("5160.01"), 422),  # over-payment
        (payment("10.001"), 422),
        (payment("10.00", status="paid"), 422),  # extra fields are refused
        ({**payment("10.00"), "received_on": (uk_today() + timedelta(days=3)).isoformat()}, 422),
        ({**payment("10.00"), "method": "bitcoin"}, 422),
    ):
        answer = await post(billing, url, body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["status"] == status
    over = await post(billing, url, payment("5160.01"))
    assert "exceeds the £5,160.00 outstanding" in over.json()["detail"]

    unknown = await post(billing, f"/invoices/{uuid.uuid4()}/payments", payment("10.00"))
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == PROBLEM
    unknown_po = await post(
        billing, f"/proformas/{uuid.uuid4()}/purchase-order", {"purchase_order": "PO"}
    )
    assert unknown_po.status_code == 404
    assert (
        await billing.client.get(
            f"/api/billing/invoices/{uuid.uuid4()}/pdf", headers=billing.auth(Role.finance)
        )
    ).status_code == 404
    assert await snapshot(billing) == before

    # Paid in full: a further payment and a PO on the paid invoice are refused.
    assert (await post(billing, url, payment("5160.00"))).status_code == 201
    before = await snapshot(billing)
    again = await post(billing, url, payment("1.00"))
    assert again.status_code == 422
    assert "nothing outstanding" in again.json()["detail"]
    po = await post(
        billing, f"/invoices/{invoice['id']}/purchase-order", {"purchase_order": "PO-NEW"}
    )
    assert po.status_code == 409
    assert po.headers["content-type"] == PROBLEM
    assert "paid" in po.json()["detail"]
    assert await snapshot(billing) == before
    assert (await get(billing, f"/invoices/{invoice['id']}"))["purchase_order"] == "PO-1001"


# --- roles -------------------------------------------------------------------------------------


async def test_team_lead_sees_only_their_own_organisation(billing: RunningService) -> None:
    cohort = uuid.uuid4()
    mine, theirs = organisation(name="Mine"), organisation(name="Theirs")
    await deliver(
        billing,
        confirmed(cohort, mine),
        confirmed(cohort, mine, count=2),
        confirmed(cohort, theirs, purchase_order=None),
    )
    invoices = await invoices_of(billing, cohort)
    my_invoice = next(i for i in invoices if i["organisation_id"] == str(mine.id))
    [their_proforma] = await get(
        billing, "/proformas", cohort_id=str(cohort), organisation_id=str(theirs.id)
    )
    lead = billing.auth(Role.team_lead, organisation_id=theirs.id)

    listed = await billing.client.get(
        "/api/billing/invoices", params={"cohort_id": str(cohort)}, headers=lead
    )
    assert listed.status_code == 200 and listed.json() == []
    notes = await billing.client.get(
        "/api/billing/credit-notes", params={"cohort_id": str(cohort)}, headers=lead
    )
    assert notes.json() == []
    for path in (
        f"/invoices/{my_invoice['id']}",
        f"/invoices/{my_invoice['id']}/pdf",
        f"/invoices/{my_invoice['id']}/payments",
        f"/organisations/{mine.id}/statement",
    ):
        answer = await billing.client.get(f"/api/billing{path}", headers=lead)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == PROBLEM
    own = await billing.client.get(f"/api/billing/proformas/{their_proforma['id']}", headers=lead)
    assert own.status_code == 200
    statement = await billing.client.get(
        f"/api/billing/organisations/{theirs.id}/statement", headers=lead
    )
    assert statement.status_code == 200
    assert [p["id"] for p in statement.json()["awaiting_po"]] == [their_proforma["id"]]

    # Team leads and coordinators do not record payments or POs; coaches see no billing at all.
    body = {
        "received_on": uk_today().isoformat(),
        "amount": "1.00",
        "reference": "x",
        "method": "bacs",
    }
    for role, claims in ((Role.team_lead, {"organisation_id": mine.id}), (Role.coordinator, {})):
        refused = await post(
            billing, f"/invoices/{my_invoice['id']}/payments", body, role, **claims
        )
        assert refused.status_code == 403
    coach = await billing.client.get(
        "/api/billing/invoices", headers=billing.auth(Role.coach, coach_id=uuid.uuid4())
    )
    assert coach.status_code == 403
    assert (
        await billing.client.get(f"/api/billing/cohorts/{cohort}/totals", headers=lead)
    ).status_code == 403
    coordinator = await billing.client.get(
        f"/api/billing/cohorts/{cohort}/totals", headers=billing.auth(Role.coordinator)
    )
    assert coordinator.status_code == 200
    assert coordinator.json()["awaiting_po"] == 1
    assert coordinator.json()["awaiting_po_gross"] == "5160.00"
    assert (await billing.client.get("/api/billing/invoices")).status_code == 401


async def test_a_retried_payment_with_its_idempotency_key_is_recorded_once(
    billing: RunningService,
) -> None:
    cohort = uuid.uuid4()
    await deliver(billing, confirmed(cohort, organisation()))
    [invoice] = await invoices_of(billing, cohort)
    url = f"/api/billing/invoices/{invoice['id']}/payments"
    body = {
        "received_on": uk_today().isoformat(),
        "amount": "1000.00",
        "reference": "BACS 77",
        "method": "bacs",
    }
    headers = {**billing.auth(Role.finance), "Idempotency-Key": "pay-77"}
    first = await billing.client.post(url, json=body, headers=headers)
    again = await billing.client.post(url, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["payment"]["id"] == again.json()["payment"]["id"]
    assert again.json()["invoice"]["paid"] == "1000.00"
    before = await snapshot(billing)
    other = await billing.client.post(url, json={**body, "amount": "2000.00"}, headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"] == PROBLEM
    assert await snapshot(billing) == before
    assert len(await get(billing, f"/invoices/{invoice['id']}/payments")) == 1
