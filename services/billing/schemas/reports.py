"""What finance and coordinators read across documents: an organisation's statement, the
overdue list and a cohort's totals."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal, Self

from pydantic import BaseModel, Field

from services.billing.models import Invoice
from services.billing.overdue import OverdueItem
from services.billing.schemas.documents import FromAttributes, ProformaOut
from services.billing.settings import BillingSettings
from services.billing.statements import CohortTotals, Statement


class StatementEntryOut(FromAttributes):
    on: date
    kind: Literal["invoice", "credit_note", "payment", "allocation", "refund"]
    id: uuid.UUID
    reference: str
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


class OpenItemOut(FromAttributes):
    kind: Literal["invoice", "credit_note"]
    id: uuid.UUID
    reference: str
    on: date
    due_on: date | None
    amount: Decimal = Field(description="An invoice's outstanding, a credit note's unused.")


class StatementOut(BaseModel):
    organisation_id: uuid.UUID
    organisation_name: str
    cohort_id: uuid.UUID | None
    as_of: date
    entries: list[StatementEntryOut]
    invoiced: Decimal
    credited: Decimal
    paid: Decimal
    refunded: Decimal
    balance: Decimal = Field(
        description="invoiced - credited - paid + refunded = outstanding - unallocated_credit; "
        "negative means in credit."
    )
    outstanding: Decimal = Field(description="What its invoices still owe.")
    unallocated_credit: Decimal = Field(description="What its credit notes have unused.")
    open_invoices: list[OpenItemOut]
    unused_credit_notes: list[OpenItemOut]
    awaiting_po: list[ProformaOut]

    @classmethod
    def build(cls, settings: BillingSettings, statement: Statement) -> Self:
        return cls(
            organisation_id=statement.organisation_id,
            organisation_name=statement.organisation_name,
            cohort_id=statement.cohort_id,
            as_of=statement.as_of,
            entries=[StatementEntryOut.build(e) for e in statement.entries],
            invoiced=statement.invoiced,
            credited=statement.credited,
            paid=statement.paid,
            refunded=statement.refunded,
            balance=statement.balance,
            outstanding=statement.outstanding,
            unallocated_credit=statement.unallocated_credit,
            open_invoices=[OpenItemOut.build(i) for i in statement.open_invoices],
            unused_credit_notes=[OpenItemOut.build(n) for n in statement.unused_credit_notes],
            awaiting_po=[ProformaOut.build(settings, p) for p in statement.awaiting_po],
        )


class OverdueOut(BaseModel):
    invoice_id: uuid.UUID
    number: str
    organisation_id: uuid.UUID
    customer_name: str
    cohort_id: uuid.UUID
    team_id: uuid.UUID
    purchase_order: str
    due_on: date
    days_overdue: int
    outstanding: Decimal
    organisation_credit: Decimal = Field(
        description="Credit the organisation holds unallocated in the cohort."
    )
    to_chase: Decimal = Field(
        description="The outstanding less that credit (taken from the oldest overdue invoice "
        "first): what the organisation's statement says it owes on this invoice."
    )
    project_lead_name: str | None
    project_lead_email: str | None

    @classmethod
    def build(cls, item: OverdueItem) -> Self:
        invoice = item.invoice
        return cls(
            invoice_id=invoice.id,
            number=invoice.number,
            organisation_id=invoice.organisation_id,
            customer_name=invoice.customer_name,
            cohort_id=invoice.cohort_id,
            team_id=invoice.team_id,
            purchase_order=invoice.purchase_order,
            due_on=invoice.due_on,
            days_overdue=item.days_overdue,
            outstanding=item.outstanding,
            organisation_credit=item.organisation_credit,
            to_chase=item.to_chase,
            project_lead_name=item.project_lead_name,
            project_lead_email=item.project_lead_email,
        )


class CohortTotalsOut(CohortTotals, FromAttributes):
    pass


class OverdueCheckOut(BaseModel):
    newly_overdue: list[str]

    @classmethod
    def build(cls, marked: list[Invoice]) -> Self:
        return cls(newly_overdue=[i.number for i in marked])
