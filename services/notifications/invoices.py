"""Billing's events: invoices, pro-formas and credit notes e-mailed to the organisation's
accounts-payable mailbox with the PDF attached (fetched from billing's API with a service token
when the message is sent); overdue invoices chased on a schedule until settled."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications import store
from services.notifications.messages import Attachment, Recipient, notify
from services.notifications.models import OverdueInvoice
from services.notifications.rules import Kind, overdue_reminders_due
from services.notifications.settings import NotificationsSettings
from shared.clock import uk_date
from shared.events.billing import (
    CreditNoteIssued,
    InvoiceIssued,
    InvoiceOverdue,
    InvoicePaid,
    ProformaIssued,
)
from shared.handlers import HandlerContext, ServiceContext

Context = HandlerContext[NotificationsSettings]


async def accounts_payable(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    email: str | None,
    name: str | None,
) -> tuple[Recipient, str | None]:
    """Where the document goes: the mailbox the event names (as on the document), else the
    organisation's as enrolment last announced it. Also the organisation's name."""
    organisation = await store.organisation(session, organisation_id)
    if email is None and organisation is not None:
        email, name = organisation.accounts_payable_email, organisation.accounts_payable_name
    return Recipient(email, name or "Accounts Payable"), organisation.name if organisation else None


async def _document(
    session: AsyncSession,
    context: Context,
    *,
    kind: Kind,
    organisation_id: uuid.UUID,
    email: str | None,
    name: str | None,
    customer_name: str | None,
    values: dict[str, object],
    attachment: Attachment,
) -> None:
    recipient, organisation_name = await accounts_payable(session, organisation_id, email, name)
    await notify(
        session,
        settings=context.settings,
        event_key=context.envelope.id,
        kind=kind,
        recipients=[recipient],
        values={
            **values,
            "customer_name": customer_name or organisation_name or "your organisation",
        },
        now=context.clock.now(),
        attachment=attachment,
    )


async def invoice_issued(session: AsyncSession, *, event: InvoiceIssued, context: Context) -> None:
    await _document(
        session,
        context,
        kind=Kind.invoice_issued,
        organisation_id=event.organisation_id,
        email=event.accounts_payable_email,
        name=event.accounts_payable_name,
        customer_name=event.customer_name,
        values=event.model_dump(),
        attachment=Attachment(f"invoices/{event.invoice_id}/pdf", f"{event.number}.pdf"),
    )


async def proforma_issued(
    session: AsyncSession, *, event: ProformaIssued, context: Context
) -> None:
    await _document(
        session,
        context,
        kind=Kind.proforma_issued,
        organisation_id=event.organisation_id,
        email=event.accounts_payable_email,
        name=event.accounts_payable_name,
        customer_name=event.customer_name,
        values=event.model_dump(),
        attachment=Attachment(f"proformas/{event.proforma_id}/pdf", f"{event.reference}.pdf"),
    )


async def credit_note_issued(
    session: AsyncSession, *, event: CreditNoteIssued, context: Context
) -> None:
    await _document(
        session,
        context,
        kind=Kind.credit_note_issued,
        organisation_id=event.organisation_id,
        email=event.accounts_payable_email,
        name=event.accounts_payable_name,
        customer_name=event.customer_name,
        values=event.model_dump(),
        attachment=Attachment(f"credit-notes/{event.credit_note_id}/pdf", f"{event.number}.pdf"),
    )


async def _chase(
    session: AsyncSession,
    settings: NotificationsSettings,
    invoice: OverdueInvoice,
    *,
    key: str,
    now: datetime,
) -> None:
    await notify(
        session,
        settings=settings,
        event_key=key,
        kind=Kind.invoice_overdue,
        recipients=[Recipient(invoice.recipient, invoice.recipient_name)],
        values={
            "number": invoice.number,
            "due_on": invoice.due_on,
            "outstanding": invoice.outstanding,
        },
        now=now,
    )


async def invoice_overdue(
    session: AsyncSession, *, event: InvoiceOverdue, context: Context
) -> None:
    recipient, _name = await accounts_payable(
        session, event.organisation_id, event.accounts_payable_email, event.accounts_payable_name
    )
    invoice = await store.overdue_invoice(session, event.invoice_id)
    if invoice is None:
        invoice = OverdueInvoice(invoice_id=event.invoice_id, settled=False)
        session.add(invoice)
    invoice.number = event.number
    invoice.organisation_id = event.organisation_id
    invoice.due_on = event.due_on
    invoice.outstanding = event.to_chase if event.to_chase is not None else event.outstanding
    invoice.recipient, invoice.recipient_name = recipient.email, recipient.name
    if invoice.settled:
        return  # paid before the overdue event reached us
    await _chase(
        session,
        context.settings,
        invoice,
        key=f"overdue:{event.invoice_id}:0",
        now=context.clock.now(),
    )


async def invoice_paid(session: AsyncSession, *, event: InvoicePaid, context: Context) -> None:
    """Settled: no more reminders (a row is kept even before the overdue event arrives, so a
    late one sends nothing)."""
    invoice = await store.overdue_invoice(session, event.invoice_id)
    if invoice is None:
        session.add(
            OverdueInvoice(
                invoice_id=event.invoice_id,
                number=event.number,
                organisation_id=event.organisation_id,
                due_on=event.paid_on,
                outstanding=Decimal("0.00"),
                settled=True,
            )
        )
    else:
        invoice.settled = True


async def chase_overdue_invoices(
    session: AsyncSession, *, context: ServiceContext[NotificationsSettings]
) -> None:
    """The periodic job: the follow-up reminders of unsettled overdue invoices that are due (each
    once: its key is the invoice and the reminder's number)."""
    now = context.clock.now()
    today: date = uk_date(now)
    for invoice in await store.unsettled_overdue(session):
        due = overdue_reminders_due(invoice.due_on, today, context.settings.overdue_reminder_days)
        for number in range(1, due + 1):
            key = f"overdue:{invoice.invoice_id}:{number}"
            if not await store.message_made(session, key):
                await _chase(session, context.settings, invoice, key=key, now=now)
