"""Issue 16 item 7 and billing's doors: every timestamp in every answer carries its offset; a
replayed payment is answered byte for byte as the first time; every numeric input has a
documented bound, and an amount of ``1e400`` is a 422 naming the field (never a 500); the
platform's ``service`` role fetches documents' PDFs and nothing else."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from services.billing.app import create_app
from shared.auth import Role
from tests.integration.billing.helpers import (
    confirmed,
    credit_notes_of,
    deliver,
    invoices_of,
    organisation,
    pay,
    post,
    uk_today,
)
from tests.support import RunningService, service_settings

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def timestamps(value: Any, where: str = "") -> list[tuple[str, str]]:
    """Every (place, text) in a JSON answer that is a date and time."""
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in timestamps(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [found for i, v in enumerate(value) for found in timestamps(v, f"{where}[{i}]")]
    if isinstance(value, str) and TIMESTAMP.match(value):
        return [(where, value)]
    return []


async def _world(billing: RunningService) -> dict[str, Any]:
    """An organisation with a paid invoice, an open one, a discount credit allocated and
    refunded in part, and another team waiting for its PO."""
    cohort, org = uuid.uuid4(), organisation()
    await deliver(billing, confirmed(cohort, org))
    [first] = await invoices_of(billing, cohort)
    await pay(billing, first["id"], "5160.00")
    await deliver(
        billing,
        confirmed(cohort, org, count=2),
        confirmed(cohort, org, count=3, purchase_order=None),
    )
    second = next(i for i in await invoices_of(billing, cohort) if i["id"] != first["id"])
    [note] = await credit_notes_of(billing, cohort)
    return {"cohort": cohort, "org": org, "first": first, "second": second, "note": note}


async def test_every_timestamp_in_every_answer_carries_its_offset(billing: RunningService) -> None:
    world = await _world(billing)
    cohort, org, note, second = world["cohort"], world["org"], world["note"], world["second"]
    answers = [
        await post(
            billing,
            f"/credit-notes/{note['id']}/allocations",
            {"invoice_id": second["id"], "amount": "16.00"},
        ),
        await post(
            billing,
            f"/credit-notes/{note['id']}/refunds",
            {
                "amount": "1.00",
                "paid_on": uk_today().isoformat(),
                "reference": "R",
                "method": "bacs",
            },
        ),
        await post(
            billing,
            f"/invoices/{second['id']}/payments",
            {
                "received_on": uk_today().isoformat(),
                "amount": "1",
                "reference": "B",
                "method": "bacs",
            },
        ),
    ]
    finance = billing.auth(Role.finance)
    proforma = (
        await billing.client.get(
            "/api/billing/proformas", params={"cohort_id": str(cohort)}, headers=finance
        )
    ).json()[0]
    for path, params in (
        ("/invoices", {"cohort_id": str(cohort)}),
        (f"/invoices/{second['id']}", {}),
        (f"/invoices/{second['id']}/payments", {}),
        ("/credit-notes", {"cohort_id": str(cohort)}),
        (f"/credit-notes/{note['id']}", {}),
        ("/proformas", {"cohort_id": str(cohort), "all_revisions": "true"}),
        (f"/proformas/{proforma['id']}", {}),
        (f"/proformas/{proforma['id']}/revisions", {}),
        (f"/organisations/{org.id}/statement", {}),
        ("/overdue", {"as_of": "2100-01-01"}),
        (f"/cohorts/{cohort}/totals", {}),
    ):
        answers.append(
            await billing.client.get(f"/api/billing{path}", params=params, headers=finance)
        )
    found: list[tuple[str, str]] = []
    for answer in answers:
        assert answer.status_code in (200, 201), answer.text
        found += timestamps(answer.json(), str(answer.url.path))
    assert len(found) > 10  # issued_at, recorded_at... on every document and movement
    assert [(where, text) for where, text in found if not OFFSET.search(text)] == []


async def test_a_replayed_payment_is_answered_byte_for_byte(billing: RunningService) -> None:
    world = await _world(billing)
    url = f"/invoices/{world['second']['id']}/payments"
    body = {
        "received_on": uk_today().isoformat(),
        "amount": "2000",
        "reference": "B",
        "method": "bacs",
    }
    first = await post(billing, url, body, key="pay-2000")
    assert first.status_code == 201, first.text
    assert first.json()["payment"]["amount"] == "2000.00"
    assert OFFSET.search(first.json()["payment"]["recorded_at"])
    assert "Idempotent-Replayed" not in first.headers
    await pay(billing, world["second"]["id"], "100.00")  # the invoice moves on meanwhile
    again = await post(billing, url, body, key="pay-2000")
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    # The same payment written another way is the same request.
    same = await post(billing, url, {**body, "amount": "2000.00"}, key="pay-2000")
    assert same.content == first.content
    other = await post(billing, url, {**body, "amount": "2001"}, key="pay-2000")
    assert other.status_code == 422


async def test_amounts_are_bounded_and_1e400_is_a_422_naming_the_field(
    billing: RunningService,
) -> None:
    world = await _world(billing)
    url = f"/api/billing/invoices/{world['second']['id']}/payments"
    headers = billing.auth(Role.finance) | {"content-type": "application/json"}
    template = json.dumps(
        {
            "received_on": uk_today().isoformat(),
            "amount": "AMOUNT",
            "reference": "B",
            "method": "bacs",
        }
    )
    for amount in ('"1e400"', "1e400", '"-1e400"', '"NaN"', '"Infinity"', "1000000.01"):
        answer = await billing.client.post(
            url, content=template.replace('"AMOUNT"', amount), headers=headers
        )
        assert answer.status_code == 422, (amount, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in answer.json()["errors"]] == ["amount"], amount
    for path in (
        f"/credit-notes/{world['note']['id']}/allocations",
        f"/credit-notes/{world['note']['id']}/refunds",
    ):
        answer = await post(
            billing,
            path,
            {
                "invoice_id": world["second"]["id"],
                "amount": "1e400",
                "paid_on": "2026-01-01",
                "reference": "R",
                "method": "bacs",
            },
        )
        assert answer.status_code == 422
        assert "amount" in [e["field"] for e in answer.json()["errors"]]


def _unbounded(spec: dict[str, Any], schema: dict[str, Any], where: str) -> list[str]:
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    found: list[str] = []
    for option in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        found += _unbounded(spec, option, where)
    if schema.get("type") in ("number", "integer") and not (
        {"maximum", "exclusiveMaximum"} & schema.keys()
        and {"minimum", "exclusiveMinimum"} & schema.keys()
    ):
        found.append(where)
    for name, sub in (schema.get("properties") or {}).items():
        found += _unbounded(spec, sub, f"{where}.{name}")
    return found


def test_every_numeric_input_documents_its_bounds() -> None:
    app = create_app(service_settings("billing", database_url="sqlite+aiosqlite:///:memory:"))
    spec: dict[str, Any] = app.openapi()
    found: list[str] = []
    amounts = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            label = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                found += _unbounded(
                    spec, parameter.get("schema", {}), f"{label} {parameter['name']}"
                )
            for media in (operation.get("requestBody") or {}).get("content", {}).values():
                schema = media.get("schema", {})
                found += _unbounded(spec, schema, f"{label} body")
                amounts += "amount" in json.dumps(
                    spec["components"]["schemas"].get(
                        schema.get("$ref", "/").rsplit("/", 1)[-1], {}
                    )
                )
    assert found == []
    assert amounts == 3  # payments, allocations, refunds: each amount bounded


async def test_the_service_role_fetches_document_pdfs_and_nothing_else(
    billing: RunningService,
) -> None:
    world = await _world(billing)
    cohort = world["cohort"]
    notifications = billing.auth(Role.service, subject="notifications")
    proforma = (
        await billing.client.get(
            "/api/billing/proformas",
            params={"cohort_id": str(cohort)},
            headers=billing.auth(Role.finance),
        )
    ).json()[0]
    for path in (
        f"/invoices/{world['second']['id']}/pdf",
        f"/credit-notes/{world['note']['id']}/pdf",
        f"/proformas/{proforma['id']}/pdf",
        f"/organisations/{world['org'].id}/statement/pdf",
    ):
        answer = await billing.client.get(f"/api/billing{path}", headers=notifications)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.content.startswith(b"%PDF-")
    for path in (
        "/invoices",
        f"/invoices/{world['second']['id']}",
        f"/organisations/{world['org'].id}/statement",
        "/exports/ledger.csv?from_date=2026-01-01&to_date=2026-01-31",
    ):
        answer = await billing.client.get(f"/api/billing{path}", headers=notifications)
        assert answer.status_code == 403, path
    refused = await post(
        billing,
        f"/invoices/{world['second']['id']}/payments",
        {
            "received_on": uk_today().isoformat(),
            "amount": "1.00",
            "reference": "B",
            "method": "bacs",
        },
        Role.service,
    )
    assert refused.status_code == 403
