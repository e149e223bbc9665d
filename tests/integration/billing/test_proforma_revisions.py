"""Issue 16 item 4: a pro-forma issued at £5,160.00 never changes under its reader. Repriced
(the organisation's second team brings the multi-team discount), it gets a new revision whose
reference says so; the earlier revision stays retrievable, as JSON and PDF, at its own figures;
a purchase order raised against the earlier revision is recorded for the current one."""

from __future__ import annotations

import io
import uuid

from pypdf import PdfReader
from sqlalchemy import select

from shared.auth import Role
from shared.inbox import parse_event
from shared.outbox import outbox
from tests.integration.billing.helpers import (
    confirmed,
    deliver,
    get,
    invoices_of,
    organisation,
    post,
)
from tests.support import RunningService


async def pdf_text(billing: RunningService, path: str, role: Role = Role.finance) -> str:
    answer = await billing.client.get(f"/api/billing{path}", headers=billing.auth(role))
    assert answer.status_code == 200, answer.text
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)


async def test_a_repriced_proforma_is_a_new_revision_and_the_first_stays(
    billing: RunningService,
) -> None:
    cohort, org = uuid.uuid4(), organisation()
    first = confirmed(cohort, org, count=1, purchase_order=None)
    await deliver(billing, first)
    [issued] = await get(billing, "/proformas", cohort_id=str(cohort))
    assert (issued["gross"], issued["revision"]) == ("5160.00", 1)

    await deliver(billing, confirmed(cohort, org, count=2))
    [current] = await get(billing, "/proformas", cohort_id=str(cohort))
    assert current["id"] != issued["id"]
    assert current["reference"] == f"{issued['reference']}-R2"
    assert (current["revision"], current["gross"], current["status"]) == (
        2,
        "4644.00",
        "awaiting_po",
    )

    # The first revision, as the trust received it: same reference, same figures.
    kept = await get(billing, f"/proformas/{issued['id']}")
    assert (kept["reference"], kept["gross"], kept["net"]) == (
        issued["reference"],
        "5160.00",
        "4300.00",
    )
    assert (kept["status"], kept["superseded_by"]) == ("superseded", current["id"])
    text = await pdf_text(billing, f"/proformas/{issued['id']}/pdf")
    assert issued["reference"] in text and "£5,160.00" in text and "£4,644.00" not in text
    text = await pdf_text(billing, f"/proformas/{current['id']}/pdf")
    assert current["reference"] in text and "£4,644.00" in text
    assert "Revision: 2" in text and f"Replaces: {issued['reference']}" in text

    revisions = await get(billing, f"/proformas/{issued['id']}/revisions")
    assert [(r["reference"], r["gross"]) for r in revisions] == [
        (issued["reference"], "5160.00"),
        (current["reference"], "4644.00"),
    ]
    assert revisions == await get(billing, f"/proformas/{current['id']}/revisions")
    every = await get(billing, "/proformas", cohort_id=str(cohort), all_revisions="true")
    assert len(every) == 2

    async with billing.app.state.database.transaction() as session:
        rows = (
            await session.execute(
                select(outbox.c.subject, outbox.c.payload).where(
                    outbox.c.subject == "billing.proforma.issued"
                )
            )
        ).all()
    events = [parse_event(s, p)[1] for s, p in rows]
    [revised] = [e for e in events if str(getattr(e, "proforma_id", "")) == current["id"]]
    assert (revised.revision, str(revised.supersedes)) == (2, issued["id"])  # type: ignore[attr-defined]

    # The trust raised its PO against the first revision: the invoice is the current price.
    answer = await post(
        billing, f"/proformas/{issued['id']}/purchase-order", {"purchase_order": "PO-77"}
    )
    assert answer.status_code == 201, answer.text
    invoice = answer.json()
    assert (invoice["gross"], invoice["proforma_id"]) == ("4644.00", current["id"])
    assert [line["net"] for line in invoice["lines"]] == ["4300.00", "-430.00"]
    assert len(await invoices_of(billing, cohort)) == 2
    assert (await get(billing, f"/proformas/{current['id']}"))["status"] == "invoiced"
    again = await post(
        billing, f"/proformas/{issued['id']}/purchase-order", {"purchase_order": "PO-78"}
    )
    assert again.status_code == 409
