"""An invoice's payments: listed for its readers, recorded by finance."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, status

from services.billing import payments, schemas, statements
from services.billing.api.common import NOT_FOUND, BillingReader, Finance, Settings
from shared.clock import Clock, uk_date
from shared.db import Session
from shared.errors import problem_responses

router = APIRouter(prefix="/invoices/{invoice_id}/payments", tags=["payments"])


@router.get("", response_model=list[schemas.PaymentOut], responses=NOT_FOUND)
async def list_payments(
    invoice_id: uuid.UUID, session: Session, user: BillingReader
) -> list[schemas.PaymentOut]:
    found = await statements.list_payments(session, invoice_id=invoice_id, user=user)
    return [schemas.PaymentOut.build(p) for p in found]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.PaymentRecordedOut,
    responses=problem_responses(404, 409, 422),
)
async def record_payment(
    invoice_id: uuid.UUID,
    body: schemas.PaymentIn,
    session: Session,
    user: Finance,
    settings: Settings,
    clock: Clock,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", min_length=1, max_length=100),
    ] = None,
) -> schemas.PaymentRecordedOut:
    now = clock.now()
    recorded = await payments.record_payment(
        session,
        invoice_id=invoice_id,
        received_on=body.received_on,
        amount=body.amount,
        reference=body.reference,
        method=body.method,
        recorded_by=user.subject,
        now=now,
        idempotency_key=idempotency_key,
    )
    return schemas.PaymentRecordedOut.build(settings, recorded, today=uk_date(now))
