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
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.balances import (
    InvoiceStatus,
    ProformaStatus,
    invoice_status,
    owed,
    unused,
)
from services.billing.models import (
    BillingCohort,
    BillingOrganisation,
    BillingTeam,
    CreditNote,
    Document,
    Invoice,
    Movement,
    Proforma,
)
from services.billing.pricing import ZERO, Amounts, MembershipPrice, document_number, due_date
from services.billing.settings import BillingSettings
from services.billing.store import prepared
from shared.clock import uk_date
from shared.events.base import DomainEvent
from shared.events.billing import InvoiceIssued, ProformaIssued
from shared.outbox import record_event


def effective_status(invoice: Invoice, *, today: date) -> str:
    """The status as of today: an issued invoice falls overdue on the day after its due date
    (before the periodic check has run), and once recorded overdue it stays so until settled."""
    computed = invoice_status(
        gross=invoice.gross,
        credit_applied=invoice.credit_applied,
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


def amounts_of(row: Document) -> Amounts:
    return Amounts(net=row.net, vat_rate=row.vat_rate, vat=row.vat, gross=row.gross)


def outstanding_of(invoice: Invoice) -> Decimal:
    """What is still owed on the invoice, net of every credit applied and payment."""
    return owed(gross=invoice.gross, credit_applied=invoice.credit_applied, paid=invoice.paid)


def unused_of(note: CreditNote) -> Decimal:
    """What is left of a credit note for finance to allocate or refund."""
    return unused(
        gross=note.gross, applied=note.applied, allocated=note.allocated, refunded=note.refunded
    )


def price_of(row: Invoice | Proforma) -> MembershipPrice:
    """A document's list price, discount and amounts as it states them (one line, no discount,
    for a document issued before list prices were kept)."""
    amounts = amounts_of(row)
    if row.list_price is None:
        return MembershipPrice(amounts.net, None, ZERO, amounts)
    return MembershipPrice(row.list_price, row.discount_rate, row.discount or ZERO, amounts)


# What a document states of its customer, each in a column ``customer_<name>``.
_STATED = ("name", "postcode", "ods_code", "payables_code")


@dataclass(frozen=True)
class Customer:
    """The customer as a document states it (copied onto each document at issue), with the
    accounts-payable contact its documents are sent to (as it stood then)."""

    name: str
    address: tuple[str, ...]
    postcode: str | None
    ods_code: str | None
    payables_code: str | None
    ap_email: str | None = None
    ap_name: str | None = None
    ap_address: tuple[str, ...] | None = None  # None: the address above
    ap_postcode: str | None = None

    @staticmethod
    def _payable(row: BillingOrganisation | Document) -> dict[str, Any]:
        """The accounts-payable contact of an organisation or a document (the same columns)."""
        address = row.accounts_payable_address
        return {
            "ap_email": row.accounts_payable_email,
            "ap_name": row.accounts_payable_name,
            "ap_address": None if address is None else tuple(address),
            "ap_postcode": row.accounts_payable_postcode,
        }

    @classmethod
    def of_organisation(cls, o: BillingOrganisation) -> Customer:
        return cls(
            o.name,
            tuple(o.address_lines),
            o.postcode,
            o.ods_code,
            o.payables_code,
            **cls._payable(o),
        )

    @classmethod
    def of_document(cls, document: Document) -> Customer:
        stated = {name: getattr(document, f"customer_{name}") for name in _STATED}
        return cls(address=tuple(document.customer_address), **stated, **cls._payable(document))

    def columns(self) -> dict[str, Any]:
        """A document's customer columns."""
        return {
            "customer_name": self.name,
            "customer_address": list(self.address),
            "customer_postcode": self.postcode,
            "customer_ods_code": self.ods_code,
            "customer_payables_code": self.payables_code,
            "accounts_payable_email": self.ap_email,
            "accounts_payable_name": self.ap_name,
            "accounts_payable_address": None if self.ap_address is None else list(self.ap_address),
            "accounts_payable_postcode": self.ap_postcode,
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


# The gapless series of each kind of document, and what its numbers add to the prefix.
_SERIES = {"invoice": "", "proforma": "-PF", "credit_note": "-CN"}


async def take_number(
    session: AsyncSession, *, settings: BillingSettings, kind: str, now: datetime
) -> tuple[str, str, int]:
    """(number, series, sequence): the next number of ``kind``'s series for the year of issue,
    e.g. ``EWC-2021-00001`` (series ``invoice:2021``, sequence 1)."""
    year = uk_date(now).year
    series = f"{kind}:{year}"
    sequence = await prepared.next_number(session, series)
    return (
        document_number(settings.document_prefix + _SERIES[kind], year, sequence),
        series,
        sequence,
    )


@dataclass(frozen=True)
class Billed:
    """What a document bills: whose it is (a team's, or its invoice's or pro-forma's team's),
    the customer, what for and the amounts; a membership's list price and discount (invoices
    and pro-formas)."""

    owner: BillingTeam | Invoice | Proforma
    customer: Customer
    description: str
    amounts: Amounts
    price: MembershipPrice | None = None

    @classmethod
    def membership(
        cls, owner: BillingTeam, customer: Customer, description: str, price: MembershipPrice
    ) -> Billed:
        return cls(owner, customer, description, price.amounts, price)

    def columns(self, now: datetime) -> dict[str, Any]:
        """The columns every document has: these, and when it was issued (dated in UK time)."""
        owner, amounts, price = self.owner, self.amounts, self.price
        listed = (
            {}
            if price is None
            else {
                "list_price": price.list_price,
                "discount": price.discount,
                "discount_rate": price.discount_rate,
                "customer_references": (
                    owner.invoice_references
                    if isinstance(owner, BillingTeam)
                    else owner.customer_references
                )
                or [],
            }
        )
        return listed | {
            "team_id": owner.id if isinstance(owner, BillingTeam) else owner.team_id,
            "cohort_id": owner.cohort_id,
            "organisation_id": owner.organisation_id,
            **self.customer.columns(),
            "description": self.description,
            "net": amounts.net,
            "vat_rate": amounts.vat_rate,
            "vat": amounts.vat,
            "gross": amounts.gross,
            "issued_at": now,
            "issued_on": uk_date(now),
        }


E = TypeVar("E", bound=DomainEvent)


async def record_from(
    session: AsyncSession,
    event_type: type[E],
    row: Document | Movement,
    *,
    subject: uuid.UUID | None = None,
    **values: Any,
) -> None:
    """Record an event about ``row`` in the outbox (its subject: the row's id unless given).

    The event's fields are ``values``, the row's id as ``<table>_id`` (``invoice_id``,
    ``credit_note_id``, ...), and each other field from the row's attribute of the same name."""
    id_field = f"{row.__tablename__}_id"
    if id_field in event_type.model_fields:
        values.setdefault(id_field, row.id)
    from_row = {
        name: getattr(row, name)
        for name in event_type.model_fields
        if name not in values and hasattr(row, name)
    }
    event = event_type(**from_row, **values)
    await record_event(session, event, subject=str(row.id if subject is None else subject))


async def add_and_record(
    session: AsyncSession, row: Document, event_type: type[E], **values: Any
) -> None:
    """Write a new document and record the event that says so, in the same transaction."""
    session.add(row)
    await session.flush()
    await record_from(session, event_type, row, **values)


async def issue_proforma(
    session: AsyncSession, *, settings: BillingSettings, billed: Billed, now: datetime
) -> Proforma:
    reference, _series, _sequence = await take_number(
        session, settings=settings, kind="proforma", now=now
    )
    proforma = Proforma(
        id=uuid.uuid4(),
        reference=reference,
        revision=1,
        status=ProformaStatus.AWAITING_PO.value,
        **billed.columns(now),
    )
    await prepared.insert_document(session, proforma)
    await record_from(session, ProformaIssued, proforma)
    return proforma


def revision_reference(reference: str, revision: int, new_revision: int) -> str:
    """``EWC-PF-2021-00001`` → ``EWC-PF-2021-00001-R2`` (→ ``-R3``...): the reference says which
    revision of the pro-forma it is (the first has no suffix)."""
    base = reference[: -len(f"-R{revision}")] if revision > 1 else reference
    return base if new_revision == 1 else f"{base}-R{new_revision}"


def previous_reference(reference: str, revision: int) -> str:
    """The reference of the revision a pro-forma replaced."""
    return revision_reference(reference, revision, revision - 1)


async def revise_proforma(
    session: AsyncSession, *, proforma: Proforma, price: MembershipPrice, now: datetime
) -> Proforma:
    """A repriced pro-forma: a new revision with its own reference; the earlier one is kept,
    superseded (a purchase order may have been raised against it)."""
    revision = proforma.revision + 1
    billed = Billed(
        proforma,
        Customer.of_document(proforma),
        proforma.description,
        price.amounts,
        price,
    )
    revised = Proforma(
        id=uuid.uuid4(),
        reference=revision_reference(proforma.reference, proforma.revision, revision),
        revision=revision,
        status=ProformaStatus.AWAITING_PO.value,
        **billed.columns(now),
    )
    proforma.status = ProformaStatus.SUPERSEDED.value
    proforma.superseded_by = revised.id
    await add_and_record(session, revised, ProformaIssued, supersedes=proforma.id)
    return revised


async def issue_invoice(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    billed: Billed,
    purchase_order: str,
    proforma: Proforma | None,
    now: datetime,
) -> Invoice:
    number, series, sequence = await take_number(
        session, settings=settings, kind="invoice", now=now
    )
    issued_on = uk_date(now)
    invoice = Invoice(
        id=uuid.uuid4(),
        number=number,
        series=series,
        sequence=sequence,
        proforma_id=proforma.id if proforma else None,
        purchase_order=purchase_order,
        **billed.columns(now),
        time_of_supply=issued_on,
        due_on=due_date(issued_on),
        credited=ZERO,
        credit_applied=ZERO,
        paid=ZERO,
        status=InvoiceStatus.ISSUED.value,
    )
    await prepared.insert_document(session, invoice)
    await record_from(session, InvoiceIssued, invoice)
    return invoice
