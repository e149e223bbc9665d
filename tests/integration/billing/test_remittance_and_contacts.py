"""Issue 16 item 5: how to pay, and to whom to send. Every invoice prints the remittance details
and the payment reference to quote; each organisation's accounts-payable contact (from
``enrolment.team.confirmed`` and ``enrolment.organisation.updated``) is named on its documents;
the list price, the multi-team discount and the net are separate lines; in development the
placeholder VAT number (and missing bank details) are flagged on every document."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pypdf import PdfReader

from shared.auth import Role
from shared.events.enrolment import AccountsPayable, Address, OrganisationUpdated
from tests.integration.billing.helpers import confirmed, deliver, get, invoices_of, organisation
from tests.support import NatsServer, RunningService, run_service

BANK = {
    "supplier_vat_number": "GB 123 4567 89",
    "remittance_bank": "Lloyds Bank",
    "remittance_account_name": "Royal College of Psychiatrists",
    "remittance_sort_code": "30-94-57",
    "remittance_account_number": "12345678",
    "remittance_email": "remittances@rcpsych.ac.uk",
}
PAYABLES = AccountsPayable(
    email="ap.rnl@nhs.net",
    name="Accounts Payable",
    postal_address=Address(lines=["Shared Business Services", "PO Box 312"], postcode="LS1 9XX"),
)


@pytest.fixture(scope="module")
async def configured(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[RunningService]:
    """Billing as production configures it: a real VAT number and bank details (with a NATS
    server of its own, so that the module's other billing does not share its consumer)."""
    nats = NatsServer(tmp_path_factory.mktemp("nats-configured"))
    nats.start()
    try:
        async with run_service("billing", nats_url=nats.url, **BANK) as service:
            yield service
    finally:
        nats.stop(kill=True)


async def pdf_text(service: RunningService, path: str) -> str:
    answer = await service.client.get(f"/api/billing{path}", headers=service.auth(Role.finance))
    assert answer.status_code == 200, answer.text
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)


async def test_every_invoice_says_how_to_pay_and_whom_to_send_it_to(
    configured: RunningService,
) -> None:
    cohort, org = uuid.uuid4(), organisation(accounts_payable=PAYABLES)
    await deliver(configured, confirmed(cohort, org))
    [invoice] = await invoices_of(configured, cohort)
    assert invoice["customer"]["accounts_payable"] == {
        "email": "ap.rnl@nhs.net",
        "name": "Accounts Payable",
        "address": ["Shared Business Services", "PO Box 312"],
        "postcode": "LS1 9XX",
    }
    assert invoice["warnings"] == []
    text = await pdf_text(configured, f"/invoices/{invoice['id']}/pdf")
    for expected in (
        "Send to (accounts payable)",
        "ap.rnl@nhs.net",
        "PO Box 312",
        "LS1 9XX",
        "How to pay",
        "Bank: Lloyds Bank",
        "Account name: Royal College of Psychiatrists",
        "Sort code: 30-94-57",
        "Account number: 12345678",
        f"Payment reference to quote: {invoice['number']}",
        "Remittance advice to: remittances@rcpsych.ac.uk",
        "VAT registration number: GB 123 4567 89",
    ):
        assert expected in text, expected
    assert "DEVELOPMENT COPY" not in text

    statement = await pdf_text(configured, f"/organisations/{org.id}/statement/pdf")
    for expected in ("STATEMENT OF ACCOUNT", "ap.rnl@nhs.net", "Sort code: 30-94-57", "£5,160.00"):
        assert expected in statement, expected


async def test_a_changed_accounts_payable_contact_is_on_later_documents(
    configured: RunningService,
) -> None:
    cohort, org = uuid.uuid4(), organisation(accounts_payable=PAYABLES)
    await deliver(configured, confirmed(cohort, org))
    moved = org.model_copy(
        update={"accounts_payable": AccountsPayable(email="payables.rnl@nhs.net")}
    )
    await deliver(configured, OrganisationUpdated(organisation=moved))
    await deliver(configured, confirmed(cohort, moved, count=2))
    invoices = await invoices_of(configured, cohort)
    contacts = [i["customer"]["accounts_payable"] for i in invoices]
    # The first invoice states the contact it was issued with; the later one the new contact.
    assert [c["email"] for c in contacts] == ["ap.rnl@nhs.net", "payables.rnl@nhs.net"]
    assert contacts[1]["address"] is None  # the invoicing address serves
    statement = await pdf_text(configured, f"/organisations/{org.id}/statement/pdf")
    assert "payables.rnl@nhs.net" in statement and "ap.rnl@nhs.net" not in statement


async def test_list_price_discount_and_net_are_separate_lines(configured: RunningService) -> None:
    cohort, org = uuid.uuid4(), organisation()
    await deliver(configured, confirmed(cohort, org, count=2), confirmed(cohort, org, count=2))
    invoice = (await invoices_of(configured, cohort))[0]
    lines: list[dict[str, Any]] = invoice["lines"]
    assert [(line["net"], line["vat"], line["gross"]) for line in lines] == [
        ("4300.00", "860.00", "5160.00"),
        ("-430.00", "-86.00", "-516.00"),
    ]
    assert lines[0]["description"].endswith("(list price)")
    assert lines[1]["description"] == "Multi-team discount 10%"
    assert (invoice["net"], invoice["gross"]) == ("3870.00", "4644.00")
    text = await pdf_text(configured, f"/invoices/{invoice['id']}/pdf")
    for expected in ("(list price)", "£4,300.00", "Multi-team discount 10%", "-£430.00"):
        assert expected in text, expected
    assert "Total net £3,870.00" in text
    assert "Total due (GBP) £4,644.00" in text


async def test_development_documents_flag_the_placeholder_vat_number(
    billing: RunningService,
) -> None:
    cohort = uuid.uuid4()
    await deliver(billing, confirmed(cohort, organisation(), purchase_order=None))
    [proforma] = await get(billing, "/proformas", cohort_id=str(cohort))
    assert any("placeholder" in warning for warning in proforma["warnings"])
    text = await pdf_text(billing, f"/proformas/{proforma['id']}/pdf")
    assert "DEVELOPMENT COPY: the supplier's VAT registration number is a placeholder" in text
    assert "DEVELOPMENT COPY: no bank details are configured" in text
