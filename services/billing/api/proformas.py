"""Pro-formas (teams confirmed without a purchase order): those a reader may see, as JSON or
PDF; and finance recording the customer's PO, which issues the VAT invoice."""

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

router = APIRouter(prefix="/proformas", tags=["purchase orders"])


@router.get("", response_model=list[schemas.ProformaOut])
async def list_proformas(
    session: Session,
    user: BillingReader,
    settings: Settings,
    cohort_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    status: schemas.ProformaStatusName | None = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> list[schemas.ProformaOut]:
    proformas = await statements.list_proformas(
        session,
        user=user,
        cohort_id=cohort_id,
        organisation_id=organisation_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    return [schemas.ProformaOut.build(settings, p) for p in proformas]


@router.get("/{proforma_id}", response_model=schemas.ProformaOut, responses=NOT_FOUND)
async def get_proforma(
    proforma_id: uuid.UUID, session: Session, user: BillingReader, settings: Settings
) -> schemas.ProformaOut:
    proforma = await statements.get_proforma(session, proforma_id=proforma_id, user=user)
    return schemas.ProformaOut.build(settings, proforma)


@router.get("/{proforma_id}/pdf", response_class=Response, responses=PDF_RESPONSES)
async def proforma_pdf(
    proforma_id: uuid.UUID, session: Session, user: BillingReader, settings: Settings
) -> Response:
    return pdf(
        await documents.proforma_pdf(session, settings=settings, proforma_id=proforma_id, user=user)
    )


@router.post(
    "/{proforma_id}/purchase-order",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.InvoiceOut,
    responses=problem_responses(404, 409),
    summary="Record the customer's PO: the VAT invoice is issued with its number",
)
async def record_purchase_order(
    proforma_id: uuid.UUID,
    body: schemas.PurchaseOrderIn,
    session: Session,
    _user: Finance,
    settings: Settings,
    clock: Clock,
) -> schemas.InvoiceOut:
    now = clock.now()
    invoice = await payments.record_purchase_order(
        session,
        settings=settings,
        proforma_id=proforma_id,
        purchase_order=body.purchase_order,
        now=now,
    )
    return schemas.InvoiceOut.build(settings, invoice, today=uk_date(now))
