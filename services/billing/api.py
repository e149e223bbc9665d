"""HTTP routes of the billing service (mounted under /api/billing). Thin: parse, call, return."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from services.billing import schemas, service
from shared.auth import Principal, Role, require_roles
from shared.db import Session
from shared.errors import problem_responses

router = APIRouter(tags=["invoices"])

BillingReader = Annotated[Principal, require_roles(Role.finance, Role.coordinator, Role.team_lead)]


@router.get("/invoices", response_model=list[schemas.InvoiceOut])
async def list_invoices(
    session: Session, user: BillingReader, team_id: uuid.UUID | None = None
) -> list[schemas.InvoiceOut]:
    invoices = await service.list_invoices(session, user=user, team_id=team_id)
    return [schemas.InvoiceOut.model_validate(i) for i in invoices]


@router.get(
    "/invoices/{invoice_id}", response_model=schemas.InvoiceOut, responses=problem_responses(404)
)
async def get_invoice(
    invoice_id: uuid.UUID, session: Session, user: BillingReader
) -> schemas.InvoiceOut:
    return schemas.InvoiceOut.model_validate(
        await service.get_invoice(session, invoice_id=invoice_id, user=user)
    )
