"""HTTP routes of the billing service (mounted under /api/billing). Thin: parse, call, return.

Finance and coordinators see all billing; a team lead sees only their own organisation's
documents (anything else is 404, as if it did not exist). Only finance records POs and payments.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status

from services.billing import schemas, service
from services.billing.settings import BillingSettings
from shared.auth import Principal, Role, require_roles
from shared.db import Session
from shared.errors import problem_responses
from shared.ratelimit import WRITES, limit_writes

router = APIRouter()

BillingReader = Annotated[Principal, require_roles(Role.finance, Role.coordinator, Role.team_lead)]
BillingStaff = Annotated[Principal, require_roles(Role.finance, Role.coordinator)]
Finance = Annotated[Principal, require_roles(Role.finance)]


def _settings(request: Request) -> BillingSettings:
    settings: BillingSettings = request.app.state.settings
    return settings


def _today() -> date:
    return service.uk_date(service.now_utc())


def _pdf(filename: str, content: bytes) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The document as PDF"}
}
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


# --- invoices ----------------------------------------------------------------------------------


@router.get("/invoices", response_model=list[schemas.InvoiceOut], tags=["invoices"])
async def list_invoices(
    request: Request,
    session: Session,
    user: BillingReader,
    cohort_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    status: schemas.InvoiceStatusName | None = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> list[schemas.InvoiceOut]:
    invoices = await service.list_invoices(
        session,
        user=user,
        cohort_id=cohort_id,
        organisation_id=organisation_id,
        team_id=team_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    settings, today = _settings(request), _today()
    return [schemas.invoice_out(settings, i, today=today) for i in invoices]


@router.get(
    "/invoices/{invoice_id}",
    response_model=schemas.InvoiceOut,
    responses=problem_responses(404),
    tags=["invoices"],
)
async def get_invoice(
    request: Request, invoice_id: uuid.UUID, session: Session, user: BillingReader
) -> schemas.InvoiceOut:
    invoice = await service.get_invoice(session, invoice_id=invoice_id, user=user)
    return schemas.invoice_out(_settings(request), invoice, today=_today())


@router.get(
    "/invoices/{invoice_id}/pdf",
    response_class=Response,
    responses={**PDF_RESPONSE, **problem_responses(404)},
    tags=["invoices"],
)
async def invoice_pdf(
    request: Request, invoice_id: uuid.UUID, session: Session, user: BillingReader
) -> Response:
    filename, content = await service.invoice_pdf(
        session, settings=_settings(request), invoice_id=invoice_id, user=user
    )
    return _pdf(filename, content)


@router.post(
    "/invoices/{invoice_id}/purchase-order",
    status_code=status.HTTP_409_CONFLICT,
    responses=problem_responses(404, 409),
    tags=["purchase orders"],
    summary="Refused: an issued invoice is never edited (record POs against pro-formas)",
)
async def purchase_order_on_invoice(
    invoice_id: uuid.UUID, body: schemas.PurchaseOrderIn, session: Session, _user: Finance
) -> None:
    await service.refuse_purchase_order_on_invoice(session, invoice_id=invoice_id)


@router.get(
    "/invoices/{invoice_id}/payments",
    response_model=list[schemas.PaymentOut],
    responses=problem_responses(404),
    tags=["payments"],
)
async def list_payments(
    invoice_id: uuid.UUID, session: Session, user: BillingReader
) -> list[schemas.PaymentOut]:
    payments = await service.list_payments(session, invoice_id=invoice_id, user=user)
    return [schemas.PaymentOut.model_validate(p) for p in payments]


@router.post(
    "/invoices/{invoice_id}/payments",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.PaymentRecordedOut,
    responses=problem_responses(404, 409, 422),
    tags=["payments"],
)
async def record_payment(
    request: Request,
    invoice_id: uuid.UUID,
    body: schemas.PaymentIn,
    session: Session,
    user: Finance,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", min_length=1, max_length=100),
    ] = None,
) -> schemas.PaymentRecordedOut:
    payment = await service.record_payment(
        session,
        invoice_id=invoice_id,
        received_on=body.received_on,
        amount=body.amount,
        reference=body.reference,
        method=body.method,
        recorded_by=user.subject,
        idempotency_key=idempotency_key,
    )
    invoice = await service.get_invoice(session, invoice_id=invoice_id, user=user)
    return schemas.PaymentRecordedOut(
        payment=schemas.PaymentOut.model_validate(payment),
        invoice=schemas.invoice_out(_settings(request), invoice, today=_today()),
    )


# --- credit notes ------------------------------------------------------------------------------


@router.get("/credit-notes", response_model=list[schemas.CreditNoteOut], tags=["credit notes"])
async def list_credit_notes(
    request: Request,
    session: Session,
    user: BillingReader,
    cohort_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    invoice_id: uuid.UUID | None = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> list[schemas.CreditNoteOut]:
    rows = await service.list_credit_notes(
        session,
        user=user,
        cohort_id=cohort_id,
        organisation_id=organisation_id,
        invoice_id=invoice_id,
        limit=limit,
        offset=offset,
    )
    settings = _settings(request)
    return [schemas.credit_note_out(settings, note, number) for note, number in rows]


@router.get(
    "/credit-notes/{credit_note_id}",
    response_model=schemas.CreditNoteOut,
    responses=problem_responses(404),
    tags=["credit notes"],
)
async def get_credit_note(
    request: Request, credit_note_id: uuid.UUID, session: Session, user: BillingReader
) -> schemas.CreditNoteOut:
    note, number = await service.get_credit_note(session, credit_note_id=credit_note_id, user=user)
    return schemas.credit_note_out(_settings(request), note, number)


@router.get(
    "/credit-notes/{credit_note_id}/pdf",
    response_class=Response,
    responses={**PDF_RESPONSE, **problem_responses(404)},
    tags=["credit notes"],
)
async def credit_note_pdf(
    request: Request, credit_note_id: uuid.UUID, session: Session, user: BillingReader
) -> Response:
    filename, content = await service.credit_note_pdf(
        session, settings=_settings(request), credit_note_id=credit_note_id, user=user
    )
    return _pdf(filename, content)


# --- pro-formas and purchase orders ------------------------------------------------------------


@router.get("/proformas", response_model=list[schemas.ProformaOut], tags=["purchase orders"])
async def list_proformas(
    request: Request,
    session: Session,
    user: BillingReader,
    cohort_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    status: schemas.ProformaStatusName | None = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> list[schemas.ProformaOut]:
    proformas = await service.list_proformas(
        session,
        user=user,
        cohort_id=cohort_id,
        organisation_id=organisation_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    settings = _settings(request)
    return [schemas.proforma_out(settings, p) for p in proformas]


@router.get(
    "/proformas/{proforma_id}",
    response_model=schemas.ProformaOut,
    responses=problem_responses(404),
    tags=["purchase orders"],
)
async def get_proforma(
    request: Request, proforma_id: uuid.UUID, session: Session, user: BillingReader
) -> schemas.ProformaOut:
    proforma = await service.get_proforma(session, proforma_id=proforma_id, user=user)
    return schemas.proforma_out(_settings(request), proforma)


@router.get(
    "/proformas/{proforma_id}/pdf",
    response_class=Response,
    responses={**PDF_RESPONSE, **problem_responses(404)},
    tags=["purchase orders"],
)
async def proforma_pdf(
    request: Request, proforma_id: uuid.UUID, session: Session, user: BillingReader
) -> Response:
    filename, content = await service.proforma_pdf(
        session, settings=_settings(request), proforma_id=proforma_id, user=user
    )
    return _pdf(filename, content)


@router.post(
    "/proformas/{proforma_id}/purchase-order",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.InvoiceOut,
    responses=problem_responses(404, 409),
    tags=["purchase orders"],
    summary="Record the customer's PO: the VAT invoice is issued with its number",
)
async def record_purchase_order(
    request: Request,
    proforma_id: uuid.UUID,
    body: schemas.PurchaseOrderIn,
    session: Session,
    _user: Finance,
) -> schemas.InvoiceOut:
    settings = _settings(request)
    invoice = await service.record_purchase_order(
        session, settings=settings, proforma_id=proforma_id, purchase_order=body.purchase_order
    )
    return schemas.invoice_out(settings, invoice, today=_today())


# --- statements, overdue, totals ---------------------------------------------------------------


@router.get(
    "/organisations/{organisation_id}/statement",
    response_model=schemas.StatementOut,
    responses=problem_responses(404),
    tags=["statements"],
)
async def organisation_statement(
    request: Request,
    organisation_id: uuid.UUID,
    session: Session,
    user: BillingReader,
    cohort_id: uuid.UUID | None = None,
) -> schemas.StatementOut:
    result = await service.statement(
        session, user=user, organisation_id=organisation_id, cohort_id=cohort_id
    )
    return schemas.statement_out(_settings(request), result)


@router.get("/overdue", response_model=list[schemas.OverdueOut], tags=["statements"])
async def overdue_invoices(
    session: Session, _user: BillingStaff, as_of: schemas.IsoDate | None = None
) -> list[schemas.OverdueOut]:
    items = await service.overdue(session, as_of=as_of or _today())
    return [schemas.overdue_out(item) for item in items]


@router.post("/overdue/check", response_model=schemas.OverdueCheckOut, tags=["statements"])
async def check_overdue(session: Session, _user: Finance) -> schemas.OverdueCheckOut:
    marked = await service.record_overdue(session, today=_today())
    return schemas.OverdueCheckOut(newly_overdue=[i.number for i in marked])


@router.get(
    "/cohorts/{cohort_id}/totals",
    response_model=schemas.CohortTotalsOut,
    responses=problem_responses(404),
    tags=["statements"],
)
async def cohort_totals(
    cohort_id: uuid.UUID, session: Session, _user: BillingStaff
) -> schemas.CohortTotalsOut:
    return schemas.CohortTotalsOut.model_validate(
        await service.cohort_totals(session, cohort_id=cohort_id)
    )


# People's writes are rate limited per caller (429 with Retry-After; see shared/ratelimit.py).
limit_writes(router, WRITES)
