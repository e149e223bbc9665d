"""HTTP routes of the billing service (mounted under /api/billing): one router per resource,
each route thin (parse, call one use case, answer through a schemas builder).

Finance and coordinators see all billing; a project lead sees only their own organisation's
documents (anything else is 404, as if it did not exist); another service of the platform (role
``service``, e.g. notifications e-mailing documents to accounts payable) fetches documents' PDFs
only. Only finance records POs, payments, allocations and refunds, and exports the ledger.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response, status

from services.billing import (
    allocations,
    documents,
    exports,
    payments,
    schemas,
    statements,
)
from services.billing import (
    overdue as chasing,
)
from services.billing.rendering import DocumentKind
from services.billing.replays import Answered
from services.billing.settings import BillingSettings
from shared.app import app_settings
from shared.auth import Principal, Role, require_roles
from shared.clock import Clock, uk_date
from shared.db import Session
from shared.errors import problem_responses
from shared.fields import IsoDate, ProgrammeDate
from shared.ratelimit import WRITES, limit_writes

BillingReader = Annotated[Principal, require_roles(Role.finance, Role.coordinator, Role.team_lead)]
DocumentReader = Annotated[
    Principal, require_roles(Role.finance, Role.coordinator, Role.team_lead, Role.service)
]
BillingStaff = Annotated[Principal, require_roles(Role.finance, Role.coordinator)]
Finance = Annotated[Principal, require_roles(Role.finance)]
Settings = Annotated[BillingSettings, Depends(app_settings)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        description="A retry with the same key and values is answered exactly as the first "
        "request was (and records nothing); with other values it is 422.",
    ),
]


@dataclass(frozen=True)
class Recording:
    """What a write of money takes from its request: who records it (finance), when, the
    Idempotency-Key a retry carries, and how its answer reads."""

    by: str
    now: datetime
    idempotency_key: str | None
    settings: BillingSettings

    def of(self, answer: type[schemas.RecordedOut[Any]]) -> dict[str, Any]:
        """The use case's arguments for it (``answer``: the response model)."""
        return {
            "recorded_by": self.by,
            "now": self.now,
            "idempotency_key": self.idempotency_key,
            "answer": answer.answer(self.settings, today=uk_date(self.now)),
        }


async def _recording(
    user: Finance, settings: Settings, clock: Clock, idempotency_key: IdempotencyKey = None
) -> Recording:
    return Recording(user.subject, clock.now(), idempotency_key, settings)


FinanceRecording = Annotated[Recording, Depends(_recording)]
NOT_FOUND = problem_responses(404)
PDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The document as PDF"},
    **NOT_FOUND,
}


def download(found: tuple[str, bytes | str], media_type: str = "application/pdf") -> Response:
    """A file to save: (file name, content)."""
    filename, content = found
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def pdf(found: tuple[str, bytes]) -> Response:
    return download(found)


def recorded(answered: Answered[Any]) -> Response:
    """A write's answer as first given (a replay says so in ``Idempotent-Replayed``)."""
    return Response(
        answered.answer,
        status_code=status.HTTP_201_CREATED,
        media_type="application/json",
        headers={"Idempotent-Replayed": "true"} if answered.replayed else None,
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
    invoice_id: uuid.UUID, session: Session, user: DocumentReader, settings: Settings
) -> Response:
    return pdf(
        await documents.document_pdf(
            session, settings=settings, kind=DocumentKind.INVOICE, document_id=invoice_id, user=user
        )
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
    invoice_id: uuid.UUID, body: schemas.PaymentIn, session: Session, recording: FinanceRecording
) -> Response:
    return recorded(
        await payments.record_payment(
            session,
            invoice_id=invoice_id,
            **body.model_dump(),
            **recording.of(schemas.PaymentRecordedOut),
        )
    )


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
    credit_note_id: uuid.UUID, session: Session, user: DocumentReader, settings: Settings
) -> Response:
    return pdf(
        await documents.document_pdf(
            session,
            settings=settings,
            kind=DocumentKind.CREDIT_NOTE,
            document_id=credit_note_id,
            user=user,
        )
    )


@credit_notes.post(
    "/{credit_note_id}/allocations",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.AllocationRecordedOut,
    responses=problem_responses(404, 409, 422),
    summary="Apply part of the credit note's unused amount to another open invoice",
)
async def allocate_credit(
    credit_note_id: uuid.UUID,
    body: schemas.AllocationIn,
    session: Session,
    recording: FinanceRecording,
) -> Response:
    return recorded(
        await allocations.allocate_credit(
            session,
            credit_note_id=credit_note_id,
            **body.model_dump(),
            **recording.of(schemas.AllocationRecordedOut),
        )
    )


@credit_notes.post(
    "/{credit_note_id}/refunds",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.RefundRecordedOut,
    responses=problem_responses(404, 409, 422),
    summary="Record money paid back out of the credit note's unused amount",
)
async def record_refund(
    credit_note_id: uuid.UUID,
    body: schemas.RefundIn,
    session: Session,
    recording: FinanceRecording,
) -> Response:
    return recorded(
        await allocations.record_refund(
            session,
            credit_note_id=credit_note_id,
            **body.model_dump(),
            **recording.of(schemas.RefundRecordedOut),
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


@proformas.get(
    "/{proforma_id}/revisions",
    response_model=list[schemas.ProformaOut],
    responses=NOT_FOUND,
    summary="Every revision of the pro-forma, the first first",
)
async def proforma_revisions(
    proforma_id: uuid.UUID, session: Session, user: BillingReader, settings: Settings
) -> list[schemas.ProformaOut]:
    found = await statements.proforma_revisions(session, proforma_id=proforma_id, user=user)
    return [schemas.ProformaOut.build(settings, p) for p in found]


@proformas.get("/{proforma_id}/pdf", response_class=Response, responses=PDF_RESPONSES)
async def proforma_pdf(
    proforma_id: uuid.UUID, session: Session, user: DocumentReader, settings: Settings
) -> Response:
    return pdf(
        await documents.document_pdf(
            session,
            settings=settings,
            kind=DocumentKind.PROFORMA,
            document_id=proforma_id,
            user=user,
        )
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
    clock: Clock,
    cohort_id: uuid.UUID | None = None,
) -> schemas.StatementOut:
    statement = await statements.statement(
        session, user=user, organisation_id=organisation_id, now=clock.now(), cohort_id=cohort_id
    )
    return schemas.StatementOut.build(settings, statement)


@organisations.get(
    "/{organisation_id}/statement/pdf", response_class=Response, responses=PDF_RESPONSES
)
async def organisation_statement_pdf(
    organisation_id: uuid.UUID,
    session: Session,
    user: DocumentReader,
    settings: Settings,
    clock: Clock,
    cohort_id: uuid.UUID | None = None,
) -> Response:
    return pdf(
        await documents.statement_pdf(
            session,
            settings=settings,
            organisation_id=organisation_id,
            user=user,
            now=clock.now(),
            cohort_id=cohort_id,
        )
    )


overdue = APIRouter(prefix="/overdue", tags=["statements"])


@overdue.get("", response_model=list[schemas.OverdueOut])
async def overdue_invoices(
    session: Session, _user: BillingStaff, clock: Clock, as_of: IsoDate | None = None
) -> list[schemas.OverdueOut]:
    items = await chasing.overdue(session, as_of=as_of, now=clock.now())
    return [schemas.OverdueOut.build(item) for item in items]


@overdue.post("/check", response_model=schemas.OverdueCheckOut)
async def check_overdue(session: Session, _user: Finance, clock: Clock) -> schemas.OverdueCheckOut:
    marked = await chasing.record_overdue(session, now=clock.now())
    return schemas.OverdueCheckOut.build(marked)


cohorts = APIRouter(prefix="/cohorts", tags=["statements"])


@cohorts.get("/{cohort_id}/totals", response_model=schemas.CohortTotalsOut, responses=NOT_FOUND)
async def cohort_totals(
    cohort_id: uuid.UUID, session: Session, _user: BillingStaff
) -> schemas.CohortTotalsOut:
    return schemas.CohortTotalsOut.build(
        await statements.cohort_totals(session, cohort_id=cohort_id)
    )


ledger = APIRouter(prefix="/exports", tags=["exports"])


@ledger.get(
    "/ledger.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The ledger as CSV"},
        **problem_responses(422),
    },
    summary="The ledger of a date range (at most 366 days), one row per document line",
)
async def ledger_export(
    session: Session, _user: Finance, from_date: ProgrammeDate, to_date: ProgrammeDate
) -> Response:
    return download(
        await exports.ledger_csv(session, start=from_date, end=to_date),
        media_type="text/csv; charset=utf-8",
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
        ledger,
    )
]
