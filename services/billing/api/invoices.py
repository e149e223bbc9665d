"""Invoices: the VAT invoices a reader may see, one by one or listed, as JSON or PDF; and the
refusal of a purchase order for an invoice already issued."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from services.billing import documents, payments, schemas, statements
from services.billing.api.common import (
    NOT_FOUND,
    PDF_RESPONSES,
    BillingReader,
    Finance,
    Limit,
    Offset,
    Settings,
    pdf,
)
from shared.clock import Clock, uk_date
from shared.db import Session
from shared.errors import problem_responses

router = APIRouter(prefix="/invoices", tags=["invoices"])


@router.get("", response_model=list[schemas.InvoiceOut])
async def list_invoices(
    session: Session,
    user: BillingReader,
    settings: Settings,
    clock: Clock,
    cohort_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    status: schemas.InvoiceStatusName | None = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> list[schemas.InvoiceOut]:
    now = clock.now()
    invoices = await statements.list_invoices(
        session,
        user=user,
        now=now,
        cohort_id=cohort_id,
        organisation_id=organisation_id,
        team_id=team_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    return [schemas.InvoiceOut.build(settings, i, today=uk_date(now)) for i in invoices]


@router.get("/{invoice_id}", response_model=schemas.InvoiceOut, responses=NOT_FOUND)
async def get_invoice(
    invoice_id: uuid.UUID, session: Session, user: BillingReader, settings: Settings, clock: Clock
) -> schemas.InvoiceOut:
    invoice = await statements.get_invoice(session, invoice_id=invoice_id, user=user)
    return schemas.InvoiceOut.build(settings, invoice, today=uk_date(clock.now()))


@router.get("/{invoice_id}/pdf", response_class=Response, responses=PDF_RESPONSES)
async def invoice_pdf(
    invoice_id: uuid.UUID, session: Session, user: BillingReader, settings: Settings
) -> Response:
    return pdf(
        await documents.invoice_pdf(session, settings=settings, invoice_id=invoice_id, user=user)
    )


purchase_order_router = APIRouter(prefix="/invoices", tags=["purchase orders"])


@purchase_order_router.post(
    "/{invoice_id}/purchase-order",
    status_code=status.HTTP_409_CONFLICT,
    responses=problem_responses(404, 409),
    summary="Refused: an issued invoice is never edited (record POs against pro-formas)",
)
async def purchase_order_on_invoice(
    invoice_id: uuid.UUID, body: schemas.PurchaseOrderIn, session: Session, _user: Finance
) -> None:
    await payments.refuse_purchase_order_on_invoice(session, invoice_id=invoice_id)
