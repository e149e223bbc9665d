"""Issuing documents: the pro-forma for a team confirmed without a purchase order, the VAT
invoice (at confirmation with a PO, or when finance records the PO for a pro-forma), their
gapless numbers, and an invoice's status as of a day.

Documents are dated in UK time (``uk_date`` of the ``now`` given) and never edited after issue,
except an invoice's running totals and status.
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.models import (
    BillingCohort,
    BillingOrganisation,
    BillingTeam,
    CreditNote,
    Invoice,
    Proforma,
)
from services.billing.pricing import (
    ZERO,
    Amounts,
    InvoiceStatus,
    ProformaStatus,
    document_number,
    due_date,
    invoice_status,
)
from services.billing.settings import BillingSettings
from services.billing.store import prepared
from shared.clock import uk_date
from shared.events.billing import InvoiceIssued, ProformaIssued
from shared.outbox import record_event


def effective_status(invoice: Invoice, *, today: date) -> str:
    """The status as of today: an issued invoice falls overdue on the day after its due date
    (before the periodic check has run), and once recorded overdue it stays so until settled."""
    computed = invoice_status(
        gross=invoice.gross,
        credited=invoice.credited,
        paid=invoice.paid,
        due_on=invoice.due_on,
        today=today,
    )
    if invoice.status == InvoiceStatus.OVERDUE.value and computed in (
        InvoiceStatus.ISSUED,
        InvoiceStatus.PART_PAID,
    ):
        return InvoiceStatus.OVERDUE.value
    return computed.value


def refresh_status(invoice: Invoice, *, today: date) -> None:
    invoice.status = effective_status(invoice, today=today)


def amounts_of(row: Invoice | Proforma | CreditNote) -> Amounts:
    return Amounts(net=row.net, vat_rate=row.vat_rate, vat=row.vat, gross=row.gross)


@dataclass(frozen=True)
class Customer:
    """The customer as a document states it (copied onto each document at issue)."""

    name: str
    address: tuple[str, ...]
    postcode: str | None
    ods_code: str | None
    payables_code: str | None

    @classmethod
    def of_organisation(cls, organisation: BillingOrganisation) -> Customer:
        return cls(
            name=organisation.name,
            address=tuple(organisation.address_lines),
            postcode=organisation.postcode,
            ods_code=organisation.ods_code,
            payables_code=organisation.payables_code,
        )

    @classmethod
    def of_document(cls, document: Invoice | Proforma | CreditNote) -> Customer:
        return cls(
            name=document.customer_name,
            address=tuple(document.customer_address),
            postcode=document.customer_postcode,
            ods_code=document.customer_ods_code,
            payables_code=document.customer_payables_code,
        )

    def columns(self) -> dict[str, Any]:
        """A document's customer columns."""
        return {
            "customer_name": self.name,
            "customer_address": list(self.address),
            "customer_postcode": self.postcode,
            "customer_ods_code": self.ods_code,
            "customer_payables_code": self.payables_code,
        }


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _programme_period(cohort: BillingCohort) -> tuple[date, date] | None:
    if cohort.start_date is None:
        return None
    months = (cohort.lead_in_months or 0) + (cohort.coaching_months or 0)
    return cohort.start_date, _add_months(cohort.start_date, months) - timedelta(days=1)


def describe_membership(settings: BillingSettings, team: BillingTeam, cohort: BillingCohort) -> str:
    period = _programme_period(cohort)
    text = f"{settings.programme_name} membership: team {team.name}, {cohort.name}"
    if period is not None:
        text += f", programme {period[0]:%d %B %Y} to {period[1]:%d %B %Y}"
    return text


def _priced(amounts: Amounts) -> dict[str, Any]:
    return {
        "net": amounts.net,
        "vat_rate": amounts.vat_rate,
        "vat": amounts.vat,
        "gross": amounts.gross,
    }


async def issue_proforma(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    team: BillingTeam,
    customer: Customer,
    amounts: Amounts,
    description: str,
    now: datetime,
) -> Proforma:
    issued_on = uk_date(now)
    sequence = await prepared.next_number(session, f"proforma:{issued_on.year}")
    proforma = Proforma(
        id=uuid.uuid4(),
        reference=document_number(f"{settings.document_prefix}-PF", issued_on.year, sequence),
        team_id=team.id,
        cohort_id=team.cohort_id,
        organisation_id=team.organisation_id,
        **customer.columns(),
        description=description,
        **_priced(amounts),
        issued_at=now,
        issued_on=issued_on,
        status=ProformaStatus.AWAITING_PO.value,
    )
    await prepared.insert_document(session, proforma)
    await record_event(
        session,
        ProformaIssued(
            proforma_id=proforma.id,
            reference=proforma.reference,
            cohort_id=proforma.cohort_id,
            organisation_id=proforma.organisation_id,
            team_id=proforma.team_id,
            issued_on=issued_on,
            **_priced(amounts),
        ),
        subject=str(proforma.id),
    )
    return proforma


async def issue_invoice(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    team: BillingTeam,
    customer: Customer,
    amounts: Amounts,
    description: str,
    purchase_order: str,
    proforma: Proforma | None,
    now: datetime,
) -> Invoice:
    issued_on = uk_date(now)
    series = f"invoice:{issued_on.year}"
    sequence = await prepared.next_number(session, series)
    invoice = Invoice(
        id=uuid.uuid4(),
        number=document_number(settings.document_prefix, issued_on.year, sequence),
        series=series,
        sequence=sequence,
        team_id=team.id,
        cohort_id=team.cohort_id,
        organisation_id=team.organisation_id,
        proforma_id=proforma.id if proforma else None,
        purchase_order=purchase_order,
        **customer.columns(),
        description=description,
        **_priced(amounts),
        issued_at=now,
        issued_on=issued_on,
        time_of_supply=issued_on,
        due_on=due_date(issued_on),
        credited=ZERO,
        paid=ZERO,
        status=InvoiceStatus.ISSUED.value,
    )
    await prepared.insert_document(session, invoice)
    await record_event(
        session,
        InvoiceIssued(
            invoice_id=invoice.id,
            number=invoice.number,
            cohort_id=invoice.cohort_id,
            organisation_id=invoice.organisation_id,
            team_id=invoice.team_id,
            purchase_order=purchase_order,
            issued_on=issued_on,
            due_on=invoice.due_on,
            **_priced(amounts),
            proforma_id=invoice.proforma_id,
        ),
        subject=str(invoice.id),
    )
    return invoice
