"""Statements of account, overdue invoices and cohort totals."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.billing import payments, schemas, statements
from services.billing.api.common import NOT_FOUND, BillingReader, BillingStaff, Finance, Settings
from shared.clock import Clock
from shared.db import Session

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
    session: Session, _user: BillingStaff, clock: Clock, as_of: schemas.IsoDate | None = None
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
