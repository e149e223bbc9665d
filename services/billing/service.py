"""Billing use cases. Functions take the session explicitly and never commit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.models import Invoice
from shared.auth import Principal, Role
from shared.errors import NotFound
from shared.events.enrolment import TeamConfirmed

PENNY = Decimal("0.01")


def _money(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


async def invoice_confirmed_team(session: AsyncSession, *, event: TeamConfirmed) -> Invoice | None:
    """Price a newly confirmed team and create its invoice (once per team)."""
    existing = await session.scalar(select(Invoice).where(Invoice.team_id == event.team_id))
    if existing is not None:
        return None
    net = _money(event.terms.fee_per_team)
    vat = _money(net * event.terms.vat_rate)
    invoice = Invoice(
        team_id=event.team_id,
        cohort_id=event.cohort_id,
        organisation_id=event.organisation.id,
        customer_name=event.organisation.name,
        description=f"Enjoying Work collaborative membership: {event.team_name} ({event.cohort_name})",
        net=net,
        vat_rate=event.terms.vat_rate,
        vat=vat,
        gross=net + vat,
        status="issued",
        created_at=datetime.now(UTC),
    )
    session.add(invoice)
    await session.flush()
    return invoice


async def list_invoices(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID | None = None
) -> list[Invoice]:
    query = select(Invoice).order_by(Invoice.created_at)
    if team_id is not None:
        query = query.where(Invoice.team_id == team_id)
    if user.role is Role.team_lead:
        query = query.where(Invoice.organisation_id == user.organisation_id)
    return list((await session.scalars(query)).all())


async def get_invoice(session: AsyncSession, *, invoice_id: uuid.UUID, user: Principal) -> Invoice:
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None or (
        user.role is Role.team_lead and invoice.organisation_id != user.organisation_id
    ):
        raise NotFound("no such invoice")
    return invoice
