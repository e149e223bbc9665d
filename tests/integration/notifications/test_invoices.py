"""Invoices, pro-formas and credit notes reach the organisation's accounts-payable mailbox with
their PDF attached: a real billing service (over HTTP on a port of its own) issues them from
enrolment's events, and the notifications service fetches each PDF from billing's API with a
service token when it sends the message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import uvicorn

from shared.events.enrolment import TeamWithdrawn
from tests.integration.notifications.conftest import FAST_DELIVERY
from tests.integration.notifications.mailbox import Mailbox
from tests.integration.notifications.test_messages import check, one
from tests.integration.notifications.world import People, days_ago
from tests.support import NatsServer, RunningService, free_port, publish_event, run_service


@pytest.fixture(scope="module")
async def billing_url(module_nats: NatsServer) -> AsyncIterator[str]:
    async with run_service("billing", nats_url=module_nats.url) as billing:
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                billing.app,
                host="127.0.0.1",
                port=port,
                lifespan="off",
                log_level="warning",
                timeout_graceful_shutdown=2,
            )
        )
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
        server.should_exit = server.force_exit = True
        await asyncio.wait_for(task, timeout=15)


@pytest.fixture(scope="module")
async def notifications(
    module_nats: NatsServer, mailbox: Mailbox, billing_url: str
) -> AsyncIterator[RunningService]:
    async with run_service(
        "notifications",
        nats_url=module_nats.url,
        smtp_port=mailbox.port,
        billing_url=billing_url,
        **FAST_DELIVERY,
    ) as service:
        yield service


async def test_invoices_go_to_accounts_payable_with_their_pdf(
    notifications: RunningService, mailbox: Mailbox
) -> None:
    nats = notifications.settings.nats_url
    team = People()
    await publish_event(nats, team.team_confirmed(purchase_order="PO-7781"))
    [invoice] = await one(mailbox, team.payable, "invoice_issued")
    check(
        invoice,
        to=team.payable,
        subject="Invoice EWC-",
        text=["Please find attached invoice EWC-", "purchase order PO-7781", "Test Trust"],
    )
    [(name, content_type, pdf)] = invoice.attachments
    assert name.startswith("EWC-") and name.endswith(".pdf")
    assert content_type == "application/pdf"
    assert pdf.startswith(b"%PDF")
    assert invoice.message["List-Unsubscribe"] is None  # invoices are essential

    await publish_event(
        nats,
        TeamWithdrawn(
            cohort_id=team.cohort_id,
            team_id=team.team_id,
            organisation_id=team.organisation_id,
            reason="Staffing",
            withdrawn_on=days_ago(0),
        ),
    )
    [credit] = await one(mailbox, team.payable, "credit_note_issued")
    check(
        credit,
        to=team.payable,
        subject="Credit note EWC-",
        text=["Please find attached credit note"],
    )
    [(credit_name, credit_type, credit_pdf)] = credit.attachments
    assert credit_type == "application/pdf" and credit_pdf.startswith(b"%PDF")
    assert credit_name.endswith(".pdf") and credit_name != name

    without_po = People()
    await publish_event(nats, without_po.team_confirmed(purchase_order=None))
    [proforma] = await one(mailbox, without_po.payable, "proforma_issued")
    check(
        proforma,
        to=without_po.payable,
        subject="Pro-forma EWC-PF-",
        text=["It is not a VAT invoice"],
    )
    [(pf_name, pf_type, pf_pdf)] = proforma.attachments
    assert (
        pf_name.startswith("EWC-PF-")
        and pf_type == "application/pdf"
        and pf_pdf.startswith(b"%PDF")
    )
