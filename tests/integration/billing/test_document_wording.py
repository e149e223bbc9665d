"""Issue 16 item 3: customer documents speak the customer's language. Every kind of document
(invoices at the full and the discounted fee, a credit note for each reason, a pro-forma and its
revision, a statement with payments, an allocation and a refund) is rendered, as JSON and as
PDF, and its text searched for the service's own names: no class name (``BillingTeam``), no
field or code (``multi_team_discount``, ``direct_debit``), no Python value (``None``)."""

from __future__ import annotations

import inspect
import io
import re
import uuid
from datetime import timedelta
from typing import Any

from pypdf import PdfReader

from services.billing import models
from shared.auth import Role
from tests.integration.billing.helpers import (
    cancelled,
    confirmed,
    credit_notes_of,
    deliver,
    get,
    invoices_of,
    organisation,
    pay,
    post,
    uk_today,
    withdrawn,
)
from tests.support import RunningService

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
CAMEL = re.compile(r"\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+\b")
PYTHON = re.compile(r"\bNone\b|Decimal\(|UUID\(|datetime\.|<[a-z_.]+ object")
CLASS_NAMES = {
    name
    for name, value in vars(models).items()
    if inspect.isclass(value) and value.__module__ == models.__name__
}


def internal_names(text: str) -> list[str]:
    found = SNAKE.findall(text) + CAMEL.findall(text) + PYTHON.findall(text)
    found += [name for name in CLASS_NAMES if re.search(rf"\b{name}\b", text) and CAMEL.match(name)]
    return sorted(set(found))


async def pdf_text(billing: RunningService, path: str) -> str:
    answer = await billing.client.get(f"/api/billing{path}", headers=billing.auth(Role.finance))
    assert answer.status_code == 200, (path, answer.text)
    assert answer.content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)


def words_of(document: dict[str, Any]) -> list[str]:
    """The text a reader of a document's JSON reads (not its field names or codes)."""
    texts = [document.get("description", ""), document.get("reason_text", "")]
    texts += [line["description"] for line in document.get("lines", [])]
    texts += document.get("warnings", [])
    texts += [entry["description"] for entry in document.get("entries", [])]
    return [t for t in texts if t]


async def test_no_document_shows_an_internal_name(billing: RunningService) -> None:
    cohort, org = uuid.uuid4(), organisation()
    first = confirmed(cohort, org, count=1, team_name="Ward 7")
    await deliver(billing, first)
    [first_invoice] = await invoices_of(billing, cohort)
    await pay(billing, first_invoice["id"], "5160.00")
    second = confirmed(cohort, org, count=2, team_name="Crisis Team")  # discount credit
    fourth = confirmed(cohort, org, count=3, team_name="Liaison")
    fifth = confirmed(cohort, org, count=4, team_name="Outreach")
    await deliver(billing, second, fourth, fifth, withdrawn(fifth, on=uk_today()))
    # Another organisation's pro-forma, revised when its second team joins.
    waiting = organisation(name="Trust C")
    await deliver(
        billing,
        confirmed(cohort, waiting, count=1, team_name="Home Treatment", purchase_order=None),
        confirmed(cohort, waiting, count=2, team_name="Early Intervention"),
    )
    await deliver(
        billing,
        withdrawn(fourth, on=uk_today() - timedelta(days=2), date_chosen_by="coordinator-7"),
    )
    [discount] = [
        n for n in await credit_notes_of(billing, cohort) if n["reason"] == "multi_team_discount"
    ]
    second_invoice = next(
        i for i in await invoices_of(billing, cohort) if i["team_id"] == str(second.team_id)
    )
    answer = await post(
        billing,
        f"/invoices/{second_invoice['id']}/payments",
        {
            "received_on": uk_today().isoformat(),
            "amount": "100.00",
            "reference": "DD 1",
            "method": "direct_debit",
        },
    )
    assert answer.status_code == 201, answer.text
    allocated = await post(
        billing,
        f"/credit-notes/{discount['id']}/allocations",
        {"invoice_id": second_invoice["id"], "amount": "16.00"},
    )
    assert allocated.status_code == 201, allocated.text
    refunded = await post(
        billing,
        f"/credit-notes/{discount['id']}/refunds",
        {"amount": "500.00", "paid_on": uk_today().isoformat(), "reference": "R", "method": "bacs"},
    )
    assert refunded.status_code == 201, refunded.text

    other_cohort = uuid.uuid4()
    await deliver(billing, confirmed(other_cohort, organisation(name="Trust B")))
    await deliver(billing, cancelled(other_cohort, []))

    found: dict[str, list[str]] = {}

    async def read(label: str, document: dict[str, Any], pdf: str) -> None:
        for text in [*words_of(document), await pdf_text(billing, pdf)]:
            if names := internal_names(text):
                found[label] = names

    for invoice in await invoices_of(billing, cohort) + await invoices_of(billing, other_cohort):
        await read(f"invoice {invoice['number']}", invoice, f"/invoices/{invoice['id']}/pdf")
    notes = await credit_notes_of(billing, cohort) + await credit_notes_of(billing, other_cohort)
    assert {n["reason"] for n in notes} == {"multi_team_discount", "withdrawal", "cohort_cancelled"}
    for note in notes:
        await read(f"credit note {note['number']}", note, f"/credit-notes/{note['id']}/pdf")
    proformas = await get(billing, "/proformas", cohort_id=str(cohort), all_revisions="true")
    assert len(proformas) == 2  # Trust C's, and its revision for the discount
    for proforma in proformas:
        await read(
            f"pro-forma {proforma['reference']}", proforma, f"/proformas/{proforma['id']}/pdf"
        )
    statement = await get(billing, f"/organisations/{org.id}/statement")
    assert {e["kind"] for e in statement["entries"]} == {
        "invoice",
        "credit_note",
        "payment",
        "allocation",
        "refund",
    }
    await read("statement", statement, f"/organisations/{org.id}/statement/pdf")
    assert found == {}
