"""A person erased on request (``enrolment.person.erased``): billing takes them out of every
table it has (the outbox of events it recorded included), the same way every service does, and
keeps the organisation on its issued documents and the organisation's own accounts-payable
mailbox. The person here was a project lead, recorded her team's withdrawal, recorded a payment
(with an Idempotency-Key, so its answer is kept) and had given her own address as another
organisation's accounts-payable contact."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from services.billing.models import Base
from shared.auth import Role
from shared.db import platform_metadata
from shared.erasure import ERASED, email_digest, erased_email
from shared.events.enrolment import AccountsPayable, Contact, PersonErased
from tests.integration.billing.helpers import (
    confirmed,
    deliver,
    get,
    invoices_of,
    organisation,
    post,
    uk_today,
    withdrawn,
)
from tests.support import RunningService

EMAIL = "Grace.Hopper@example.nhs.uk"
NAME = "Grace Hopper"
MAILBOX = "ap.trust-a@nhs.net"


async def every_text(billing: RunningService) -> list[str]:
    """Every value of every column of every table in billing's database, as text."""
    texts: list[str] = []
    async with billing.app.state.database.transaction() as session:
        for table in [*Base.metadata.sorted_tables, *platform_metadata.sorted_tables]:
            for row in (await session.execute(select(table))).all():
                texts += [str(value) for value in row if value is not None]
    return texts


def mentions(texts: list[str], *needles: str) -> list[str]:
    return [t for t in texts if any(n.lower() in t.lower() for n in needles)]


async def test_an_erased_person_is_nowhere_in_billing(billing: RunningService) -> None:
    cohort = uuid.uuid4()
    trust_a = organisation(
        name="Trust A", accounts_payable=AccountsPayable(email=MAILBOX, name="Accounts Payable")
    )
    trust_b = organisation(name="Trust B", accounts_payable=AccountsPayable(email=EMAIL, name=NAME))
    lead = Contact(name=NAME, email=EMAIL, job_title="Ward Manager")
    hers = confirmed(cohort, trust_a).model_copy(update={"project_lead": lead})
    leaving = confirmed(cohort, trust_a, count=2, team_name="Crisis Team")
    other = confirmed(cohort, trust_b)
    await deliver(billing, hers, leaving, other)
    await deliver(billing, withdrawn(leaving, on=uk_today(), withdrawn_by=EMAIL.lower()))
    invoice_b = next(
        i for i in await invoices_of(billing, cohort) if i["organisation_id"] == str(trust_b.id)
    )
    paid = await post(
        billing,
        f"/invoices/{invoice_b['id']}/payments",
        {
            "received_on": uk_today().isoformat(),
            "amount": "10.00",
            "reference": "B",
            "method": "bacs",
        },
        key="pay-1",
        subject=EMAIL,
    )
    assert paid.status_code == 201, paid.text
    assert mentions(await every_text(billing), EMAIL, NAME)  # she is there before

    digest = email_digest(f"  {EMAIL.upper()} ")
    erasure = PersonErased(
        erasure_id=uuid.uuid4(), email_digest=digest, erased_at=datetime.now(UTC)
    )
    await deliver(billing, erasure)
    await deliver(billing, erasure)  # the same erasure again: nothing more to do
    texts = await every_text(billing)
    assert mentions(texts, EMAIL, NAME, "grace", "hopper") == []

    # What stays: the organisations on their documents, Trust A's own mailbox, the rows.
    assert mentions(texts, MAILBOX) and mentions(texts, "Trust A") and mentions(texts, "Trust B")
    placeholder = erased_email(digest)
    [chased] = [
        i
        for i in await get(billing, "/overdue", as_of="2100-01-01")
        if i["team_id"] == str(hers.team_id)
    ]
    assert (chased["project_lead_name"], chased["project_lead_email"]) == (ERASED, placeholder)
    again = await get(billing, f"/invoices/{invoice_b['id']}")
    assert again["customer"]["name"] == "Trust B"
    assert again["customer"]["accounts_payable"]["email"] == placeholder
    replay: Any = await post(
        billing,
        f"/invoices/{invoice_b['id']}/payments",
        {
            "received_on": uk_today().isoformat(),
            "amount": "10.00",
            "reference": "B",
            "method": "bacs",
        },
        key="pay-1",
        role=Role.finance,
    )
    assert replay.status_code == 201
    assert replay.json()["payment"]["recorded_by"] == placeholder
    assert NAME not in replay.text and EMAIL.lower() not in replay.text.lower()
