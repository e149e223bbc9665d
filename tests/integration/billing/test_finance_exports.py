"""Issue 16 item 6: finance exports. The ledger of a date range as CSV (invoices, credit notes,
payments, allocations and refunds; one row per document line with net, VAT, gross, VAT rate,
customer, PO and ODS code), each entry by its own date; and each organisation's statement as a
PDF. Time is moved with the app's clock, so documents fall on different days."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from services.billing.exports import COLUMNS
from shared.auth import Role
from shared.clock import MovableClock, uk_date
from tests.integration.billing.helpers import (
    confirmed,
    credit_notes_of,
    deliver,
    invoices_of,
    organisation,
    post,
    terms,
)
from tests.support import NatsServer, RunningService, run_service

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
# What the issue asks each row to carry, beside its date, kind and number.
REQUIRED = {"net", "vat", "gross", "vat_rate_percent", "customer", "purchase_order", "ods_code"}


@pytest.fixture(scope="module")
async def clocked(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningService]:
    nats = NatsServer(tmp_path_factory.mktemp("nats-exports"))
    nats.start()
    try:
        async with run_service("billing", nats_url=nats.url, clock=MovableClock(START)) as service:
            yield service
    finally:
        nats.stop(kill=True)


def clock_of(service: RunningService) -> MovableClock:
    clock: MovableClock = service.app.state.clock
    return clock


async def ledger(service: RunningService, start: str, end: str) -> list[dict[str, str]]:
    answer = await service.client.get(
        "/api/billing/exports/ledger.csv",
        params={"from_date": start, "to_date": end},
        headers=service.auth(Role.finance),
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert f"ledger-{start}-to-{end}.csv" in answer.headers["content-disposition"]
    reader = csv.DictReader(io.StringIO(answer.text))
    assert reader.fieldnames == list(COLUMNS)
    assert set(COLUMNS) >= REQUIRED
    return list(reader)


async def test_the_ledger_of_a_date_range_as_csv(clocked: RunningService) -> None:
    clock = clock_of(clocked)
    day = uk_date(clock.now())
    cohort_terms = terms(start_date=day + timedelta(days=60))
    cohort, trust_a, trust_b = (
        uuid.uuid4(),
        organisation(name="Trust A"),
        organisation(name="Trust B", ods_code="RXB"),
    )

    def confirm(org: object, count: int, po: str) -> object:
        return confirmed(
            cohort,
            org,
            count=count,
            purchase_order=po,
            cohort_terms=cohort_terms,  # type: ignore[arg-type]
        )

    await deliver(clocked, confirm(trust_a, 1, "PO-A1"))  # type: ignore[arg-type]
    [first] = await invoices_of(clocked, cohort)
    body = {
        "received_on": day.isoformat(),
        "amount": "5160.00",
        "reference": "BACS 1",
        "method": "bacs",
    }
    assert (await post(clocked, f"/invoices/{first['id']}/payments", body)).status_code == 201

    clock.advance(timedelta(days=5))
    await deliver(clocked, confirm(trust_a, 2, "PO-A2"))  # type: ignore[arg-type]
    second = next(i for i in await invoices_of(clocked, cohort) if i["id"] != first["id"])
    [note] = await credit_notes_of(clocked, cohort)

    clock.advance(timedelta(days=5))
    allocate = {"invoice_id": second["id"], "amount": "216.00"}
    assert (
        await post(clocked, f"/credit-notes/{note['id']}/allocations", allocate)
    ).status_code == 201
    refund = {
        "amount": "300.00",
        "paid_on": (day + timedelta(days=10)).isoformat(),
        "reference": "REFUND 1",
        "method": "bacs",
    }
    assert (await post(clocked, f"/credit-notes/{note['id']}/refunds", refund)).status_code == 201

    clock.advance(timedelta(days=30))
    await deliver(clocked, confirm(trust_b, 1, "=HYPERLINK(1)"))  # type: ignore[arg-type]

    rows = await ledger(clocked, day.isoformat(), (day + timedelta(days=30)).isoformat())
    assert [(r["date"], r["entry"], r["number"], r["line"], r["against"]) for r in rows] == [
        (day.isoformat(), "invoice", first["number"], "1", ""),
        (day.isoformat(), "payment", "", "1", first["number"]),
        ((day + timedelta(days=5)).isoformat(), "invoice", second["number"], "1", ""),
        ((day + timedelta(days=5)).isoformat(), "invoice", second["number"], "2", ""),
        (
            (day + timedelta(days=5)).isoformat(),
            "credit_note",
            note["number"],
            "1",
            first["number"],
        ),
        (
            (day + timedelta(days=10)).isoformat(),
            "allocation",
            note["number"],
            "1",
            second["number"],
        ),
        ((day + timedelta(days=10)).isoformat(), "refund", note["number"], "1", ""),
    ]
    invoice_line, payment, listed, discount, credit, allocation, refunded = rows
    assert (invoice_line["net"], invoice_line["vat_rate_percent"], invoice_line["vat"]) == (
        "4300.00",
        "20",
        "860.00",
    )
    assert invoice_line["gross"] == "5160.00"
    assert (invoice_line["customer"], invoice_line["ods_code"], invoice_line["purchase_order"]) == (
        "Trust A",
        "RNL",
        "PO-A1",
    )
    assert (listed["gross"], discount["net"], discount["vat"], discount["gross"]) == (
        "5160.00",
        "-430.00",
        "-86.00",
        "-516.00",
    )
    assert Decimal(listed["gross"]) + Decimal(discount["gross"]) == Decimal(second["gross"])
    assert (credit["gross"], credit["purchase_order"]) == ("516.00", "PO-A1")
    assert (payment["gross"], payment["net"], payment["method"], payment["reference"]) == (
        "5160.00",
        "",
        "BACS",
        "BACS 1",
    )
    assert (allocation["gross"], allocation["purchase_order"]) == ("216.00", "PO-A2")
    assert (refunded["gross"], refunded["reference"]) == ("300.00", "REFUND 1")
    assert {r["organisation_id"] for r in rows} == {str(trust_a.id)}
    assert {r["cohort_id"] for r in rows} == {str(cohort)}

    # The later day alone: Trust B's invoice, its PO kept from being read as a formula.
    later = (day + timedelta(days=40)).isoformat()
    [late] = await ledger(clocked, later, later)
    assert (late["customer"], late["ods_code"], late["purchase_order"]) == (
        "Trust B",
        "RXB",
        "'=HYPERLINK(1)",
    )

    for start, end in (
        (later, day.isoformat()),
        (day.isoformat(), (day + timedelta(days=366)).isoformat()),
    ):
        refused = await clocked.client.get(
            "/api/billing/exports/ledger.csv",
            params={"from_date": start, "to_date": end},
            headers=clocked.auth(Role.finance),
        )
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"

    # Each organisation's statement as a PDF, dated by the clock.
    answer = await clocked.client.get(
        f"/api/billing/organisations/{trust_a.id}/statement/pdf",
        headers=clocked.auth(Role.finance),
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.content)).pages)
    for expected in (
        "STATEMENT OF ACCOUNT",
        "Trust A",
        f"Statement date: {uk_date(clock.now()):%d %B %Y}",
        first["number"],
        second["number"],
        note["number"],
        "Allocation",
        "Refund",
        "£9,804.00",  # invoiced
        "£4,428.00",  # balance: 9804 - 516 - 5160 + 300
    ):
        assert expected in text, (expected, text)
