"""HTTP routes of the billing service (mounted under /api/billing): one router per resource,
each route thin (parse, call one use case, answer through a schemas builder).

Finance and coordinators see all billing; a project lead sees only their own organisation's
documents (anything else is 404, as if it did not exist). Only finance records POs and payments.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response, status

from services.billing import documents, payments, schemas, statements
from services.billing.settings import BillingSettings
from shared.app import app_settings
from shared.auth import Principal, Role, require_roles
from shared.clock import Clock, uk_date
from shared.db import Session
from shared.errors import problem_responses
from shared.fields import IsoDate
from shared.ratelimit import WRITES, limit_writes

BillingReader = Annotated[Principal, require_roles(Role.finance, Role.coordinator, Role.team_lead)]
BillingStaff = Annotated[Principal, require_roles(Role.finance, Role.coordinator)]
Finance = Annotated[Principal, require_roles(Role.finance)]
Settings = Annotated[BillingSettings, Depends(app_settings)]

NOT_FOUND = problem_responses(404)
PDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The document as PDF"},
    **NOT_FOUND,
}


def pdf(download: tuple[str, bytes]) -> Response:
    """A document download: (file name, PDF)."""
    filename, content = download
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- invoices ------------------------------------------------------------------------------------

invoices = APIRouter(prefix="/invoices", tags=["invoices"])


@invoices.get("", response_model=list[schemas.InvoiceOut])
async def list_invoices(
    listing: Annotated[statements.InvoiceListing, Query()],
    session: Session,
    user: BillingReader,
    settings: Settings,
    clock: Clock,
) -> list[schemas.InvoiceOut]:
    now = clock.now()
    found = await statements.list_invoices(session, user=user, listing=listing, now=now)
    return [schemas.InvoiceOut.build(settings, i, today=uk_date(now)) for i in found]


@invoices.get("/{invoice_id}", response_model=schemas.InvoiceOut, responses=NOT_FOUND)
async def get_invoice(
    invoice_id: uuid.UUID, session: Session, user: BillingReader, settings: Settings, clock: Clock
) -> schemas.InvoiceOut:
    invoice = await statements.get_invoice(session, invoice_id=invoice_id, user=user)
    return schemas.InvoiceOut.build(settings, invoice, today=uk_date(clock.now()))


@invoices.get("/{invoice_id}/pdf", response_class=Response, responses=PDF_RESPONSES)
async def invoice_pdf(
    invoice_id: uuid.UUID, session: Session, user: BillingReader, settings: Settings
) -> Response:
    return pdf(
        await documents.invoice_pdf(session, settings=settings, invoice_id=invoice_id, user=user)
    )


# --- an issued invoice's purchase order: refused -------------------------------------------------

invoice_purchase_order = APIRouter(prefix="/invoices", tags=["purchase orders"])


@invoice_purchase_order.post(
    "/{invoice_id}/purchase-order",
    status_code=status.HTTP_409_CONFLICT,
    responses=problem_responses(404, 409),
    summary="Refused: an issued invoice is never edited (record POs against pro-formas)",
)
async def purchase_order_on_invoice(
    invoice_id: uuid.UUID, body: schemas.PurchaseOrderIn, session: Session, _user: Finance
) -> None:
    await payments.refuse_purchase_order_on_invoice(session, invoice_id=invoice_id)


# --- payments ------------------------------------------------------------------------------------

invoice_payments = APIRouter(prefix="/invoices/{invoice_id}/payments", tags=["payments"])


@invoice_payments.get("", response_model=list[schemas.PaymentOut], responses=NOT_FOUND)
async def list_payments(
    invoice_id: uuid.UUID, session: Session, user: BillingReader
) -> list[schemas.PaymentOut]:
    found = await statements.list_payments(session, invoice_id=invoice_id, user=user)
    return [schemas.PaymentOut.build(p) for p in found]


@invoice_payments.post(
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


# --- credit notes --------------------------------------------------------------------------------

credit_notes = APIRouter(prefix="/credit-notes", tags=["credit notes"])


@credit_notes.get("", response_model=list[schemas.CreditNoteOut])
async def list_credit_notes(
    listing: Annotated[statements.CreditNoteListing, Query()],
    session: Session,
    user: BillingReader,
    settings: Settings,
) -> list[schemas.CreditNoteOut]:
    notes = await statements.list_credit_notes(session, user=user, listing=listing)
    return [schemas.CreditNoteOut.build(settings, note, number) for note, number in notes]


@credit_notes.get("/{credit_note_id}", response_model=schemas.CreditNoteOut, responses=NOT_FOUND)
async def get_credit_note(
    credit_note_id: uuid.UUID, session: Session, user: BillingReader, settings: Settings
) -> schemas.CreditNoteOut:
    note, number = await statements.get_credit_note(
        session, credit_note_id=credit_note_id, user=user
    )
    return schemas.CreditNoteOut.build(settings, note, number)


@credit_notes.get("/{credit_note_id}/pdf", response_class=Response, responses=PDF_RESPONSES)
async def credit_note_pdf(
    credit_note_id: uuid.UUID, session: Session, user: BillingReader, settings: Settings
) -> Response:
    return pdf(
        await documents.credit_note_pdf(
            session, settings=settings, credit_note_id=credit_note_id, user=user
        )
    )


# --- pro-formas and their purchase orders --------------------------------------------------------

proformas = APIRouter(prefix="/proformas", tags=["purchase orders"])


@proformas.get("", response_model=list[schemas.ProformaOut])
async def list_proformas(
    listing: Annotated[statements.ProformaListing, Query()],
    session: Session,
    user: BillingReader,
    settings: Settings,
) -> list[schemas.ProformaOut]:
    found = await statements.list_proformas(session, user=user, listing=listing)
    return [schemas.ProformaOut.build(settings, p) for p in found]


@proformas.get("/{proforma_id}", response_model=schemas.ProformaOut, responses=NOT_FOUND)
async def get_proforma(
    proforma_id: uuid.UUID, session: Session, user: BillingReader, settings: Settings
) -> schemas.ProformaOut:
    proforma = await statements.get_proforma(session, proforma_id=proforma_id, user=user)
    return schemas.ProformaOut.build(settings, proforma)


@proformas.get("/{proforma_id}/pdf", response_class=Response, responses=PDF_RESPONSES)
async def proforma_pdf(
    proforma_id: uuid.UUID, session: Session, user: BillingReader, settings: Settings
) -> Response:
    return pdf(
        await documents.proforma_pdf(session, settings=settings, proforma_id=proforma_id, user=user)
    )


@proformas.post(
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


# --- statements, overdue invoices, cohort totals -------------------------------------------------

organisations = APIRouter(prefix="/organisations", tags=["statements"])


@organisations.get(
    "/{organisation_id}/statement", response_model=schemas.StatementOut, responses=NOT_FOUND
)
async def organisation_statement(
    organisation_id: uuid.UUID,
    session: Session,
    user: BillingReader,
    settings: Settings,
    cohort_id: uuid.UUID | None = None,
) -> schemas.StatementOut:
    statement = await statements.statement(
        session, user=user, organisation_id=organisation_id, cohort_id=cohort_id
    )
    return schemas.StatementOut.build(settings, statement)


overdue = APIRouter(prefix="/overdue", tags=["statements"])


@overdue.get("", response_model=list[schemas.OverdueOut])
async def overdue_invoices(
    session: Session, _user: BillingStaff, clock: Clock, as_of: IsoDate | None = None
) -> list[schemas.OverdueOut]:
    items = await statements.overdue(session, as_of=as_of, now=clock.now())
    return [schemas.OverdueOut.build(item) for item in items]


@overdue.post("/check", response_model=schemas.OverdueCheckOut)
async def check_overdue(session: Session, _user: Finance, clock: Clock) -> schemas.OverdueCheckOut:
    marked = await payments.record_overdue(session, now=clock.now())
    return schemas.OverdueCheckOut.build(marked)


cohorts = APIRouter(prefix="/cohorts", tags=["statements"])


@cohorts.get("/{cohort_id}/totals", response_model=schemas.CohortTotalsOut, responses=NOT_FOUND)
async def cohort_totals(
    cohort_id: uuid.UUID, session: Session, _user: BillingStaff
) -> schemas.CohortTotalsOut:
    return schemas.CohortTotalsOut.build(
        await statements.cohort_totals(session, cohort_id=cohort_id)
    )


# People's writes are rate limited per caller (429 with Retry-After; see shared/ratelimit.py).
ROUTERS = [
    limit_writes(router, WRITES)
    for router in (
        invoices,
        invoice_purchase_order,
        invoice_payments,
        credit_notes,
        proformas,
        organisations,
        overdue,
        cohorts,
    )
]
