"""Credit notes: those a reader may see, one by one or listed, as JSON or PDF."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from services.billing import documents, schemas, statements
from services.billing.api.common import (
    NOT_FOUND,
    PDF_RESPONSES,
    BillingReader,
    Limit,
    Offset,
    Settings,
    pdf,
)
from shared.db import Session

router = APIRouter(prefix="/credit-notes", tags=["credit notes"])


@router.get("", response_model=list[schemas.CreditNoteOut])
async def list_credit_notes(
    session: Session,
    user: BillingReader,
    settings: Settings,
    cohort_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    invoice_id: uuid.UUID | None = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> list[schemas.CreditNoteOut]:
    notes = await statements.list_credit_notes(
        session,
        user=user,
        cohort_id=cohort_id,
        organisation_id=organisation_id,
        invoice_id=invoice_id,
        limit=limit,
        offset=offset,
    )
    return [schemas.CreditNoteOut.build(settings, note, number) for note, number in notes]


@router.get("/{credit_note_id}", response_model=schemas.CreditNoteOut, responses=NOT_FOUND)
async def get_credit_note(
    credit_note_id: uuid.UUID, session: Session, user: BillingReader, settings: Settings
) -> schemas.CreditNoteOut:
    note, number = await statements.get_credit_note(
        session, credit_note_id=credit_note_id, user=user
    )
    return schemas.CreditNoteOut.build(settings, note, number)


@router.get("/{credit_note_id}/pdf", response_class=Response, responses=PDF_RESPONSES)
async def credit_note_pdf(
    credit_note_id: uuid.UUID, session: Session, user: BillingReader, settings: Settings
) -> Response:
    return pdf(
        await documents.credit_note_pdf(
            session, settings=settings, credit_note_id=credit_note_id, user=user
        )
    )
