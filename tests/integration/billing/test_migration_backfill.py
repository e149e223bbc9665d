"""Migration 0002 on a database with documents: each existing credit note is applied to its own
invoice, in issue order, as far as that invoice still owed anything after its payments; the
rest is unused credit (what the old figures could not show)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from shared.migrations import alembic_config
from tests.support import create_database, service_settings

INVOICE = sa.table(
    "invoice",
    *(sa.column(name, sa.Uuid()) for name in ("id", "team_id", "cohort_id", "organisation_id")),
    *(sa.column(name) for name in ("number", "series", "sequence", "purchase_order")),
    *(sa.column(name) for name in ("description", "status", "vat_rate", "customer_name")),
    sa.column("customer_address", sa.JSON()),
    sa.column("issued_at", sa.DateTime(timezone=True)),
    *(sa.column(name, sa.Date()) for name in ("issued_on", "time_of_supply", "due_on")),
    *(sa.column(name, sa.BigInteger()) for name in ("net", "vat", "gross", "credited", "paid")),
)
NOTE = sa.table(
    "credit_note",
    *(sa.column(n, sa.Uuid()) for n in ("id", "invoice_id", "team_id", "cohort_id")),
    sa.column("organisation_id", sa.Uuid()),
    *(sa.column(name) for name in ("number", "series", "sequence", "reason", "reason_text")),
    *(sa.column(name) for name in ("description", "vat_rate", "customer_name")),
    sa.column("customer_address", sa.JSON()),
    sa.column("issued_at", sa.DateTime(timezone=True)),
    sa.column("issued_on", sa.Date()),
    *(sa.column(name, sa.BigInteger()) for name in ("net", "vat", "gross")),
)
DAY = date(2021, 3, 1)
AT = datetime(2021, 3, 1, 10, tzinfo=UTC)


def invoice(sequence: int, *, paid: int, credited: int) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "team_id": uuid.uuid4(),
        "cohort_id": uuid.uuid4(),
        "organisation_id": uuid.uuid4(),
        "number": f"EWC-2021-{sequence:05d}",
        "series": "invoice:2021",
        "sequence": sequence,
        "purchase_order": "PO",
        "description": "Membership",
        "status": "issued",
        "vat_rate": "0.20",
        "customer_name": "Trust",
        "customer_address": ["1 Road"],
        "issued_at": AT,
        "issued_on": DAY,
        "time_of_supply": DAY,
        "due_on": DAY,
        "net": 430000,
        "vat": 86000,
        "gross": 516000,
        "credited": credited,
        "paid": paid,
    }


def note(of: dict[str, Any], sequence: int, gross: int, reason: str) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "invoice_id": of["id"],
        **{k: of[k] for k in ("team_id", "cohort_id", "organisation_id")},
        "number": f"EWC-CN-2021-{sequence:05d}",
        "series": "credit_note:2021",
        "sequence": sequence,
        "reason": reason,
        "reason_text": "why",
        "description": "Credit",
        "vat_rate": "0.20",
        "customer_name": "Trust",
        "customer_address": ["1 Road"],
        "issued_at": AT,
        "issued_on": DAY,
        "net": gross * 5 // 6,
        "vat": gross - gross * 5 // 6,
        "gross": gross,
    }


async def test_existing_credit_notes_are_applied_as_far_as_their_invoices_owed() -> None:
    url, drop = await create_database("billing")
    try:
        config = alembic_config(service_settings("billing", database_url=url))
        await asyncio.to_thread(command.upgrade, config, "0001")
        paid_then_discounted = invoice(1, paid=516000, credited=51600)
        discounted_then_withdrawn = invoice(2, paid=0, credited=516000)
        part_paid_then_withdrawn = invoice(3, paid=300000, credited=516000)
        notes = [
            note(paid_then_discounted, 1, 51600, "multi_team_discount"),
            note(discounted_then_withdrawn, 2, 51600, "multi_team_discount"),
            note(discounted_then_withdrawn, 3, 464400, "withdrawal"),
            note(part_paid_then_withdrawn, 4, 516000, "withdrawal"),
        ]
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    INVOICE.insert(),
                    [paid_then_discounted, discounted_then_withdrawn, part_paid_then_withdrawn],
                )
                await conn.execute(NOTE.insert(), notes)
            await asyncio.to_thread(command.upgrade, config, "head")
            async with engine.connect() as conn:
                applied = dict(
                    (await conn.execute(sa.text("SELECT number, applied FROM credit_note"))).all()
                )
                on_invoices = dict(
                    (
                        await conn.execute(sa.text("SELECT number, credit_applied FROM invoice"))
                    ).all()
                )
        finally:
            await engine.dispose()
        assert applied == {
            "EWC-CN-2021-00001": 0,  # its invoice was paid: all of it unused
            "EWC-CN-2021-00002": 51600,
            "EWC-CN-2021-00003": 464400,
            "EWC-CN-2021-00004": 216000,  # what was left after the payment
        }
        assert on_invoices == {
            "EWC-2021-00001": 0,
            "EWC-2021-00002": 516000,
            "EWC-2021-00003": 216000,
        }
    finally:
        await drop()
