"""Credit notes: the multi-team discount corrected on full-fee invoices, a withdrawal before the
cutoff credited in full, a cancelled cohort's invoices credited in full.

One credit note per invoice and reason (the business key); an invoice is locked (after its
cohort) while its credits are decided.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.balances import ProformaStatus, credit_to_apply
from services.billing.invoicing import (
    Billed,
    Customer,
    add_and_record,
    amounts_of,
    outstanding_of,
    refresh_status,
    revise_proforma,
    take_number,
)
from services.billing.models import BillingCohort, BillingTeam, CreditNote, Invoice
from services.billing.pricing import (
    ZERO,
    Amounts,
    discount_correction,
    format_gbp,
    full_credit,
    membership_price,
    withdrawal_credit_date,
    withdrawal_cutoff,
    withdrawal_is_credited,
)
from services.billing.settings import BillingSettings
from services.billing.store import prepared, queries
from shared.clock import uk_date
from shared.events.billing import CreditNoteIssued, CreditReason
from shared.events.enrolment import CohortCancelled, TeamWithdrawn
from shared.handlers import HandlerContext


@dataclass(frozen=True)
class Withdrawal:
    """What a withdrawal's credit note states: the date given, the date it was judged on,
    who recorded it and the coordinator who chose the date (None: the day it was recorded)."""

    withdrawn_on: date
    credited_as_of: date
    withdrawn_by: str | None
    withdrawal_date_chosen_by: str | None

    def columns(self) -> dict[str, Any]:
        return {
            "withdrawn_on": self.withdrawn_on,
            "credited_as_of": self.credited_as_of,
            "withdrawn_by": self.withdrawn_by,
            "withdrawal_date_chosen_by": self.withdrawal_date_chosen_by,
        }


async def _issue_credit_note(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    invoice: Invoice,
    amounts: Amounts,
    reason: CreditReason,
    reason_text: str,
    now: datetime,
    existing_reasons: set[str],
    withdrawal: Withdrawal | None = None,
) -> CreditNote | None:
    """One credit note per invoice and reason (the business key); None if it already exists.
    ``existing_reasons``: the reasons of the invoice's notes, read by the caller holding the
    invoice's lock. The note is applied to its invoice as far as the invoice still owes
    anything; the rest is unused credit, for finance to allocate or refund."""
    if reason in existing_reasons:
        return None
    number, series, sequence = await take_number(
        session, settings=settings, kind="credit_note", now=now
    )
    applied = credit_to_apply(credit=amounts.gross, still_owed=outstanding_of(invoice))
    note = CreditNote(
        id=uuid.uuid4(),
        number=number,
        series=series,
        sequence=sequence,
        invoice_id=invoice.id,
        reason=reason,
        reason_text=reason_text,
        applied=applied,
        allocated=ZERO,
        refunded=ZERO,
        **(withdrawal.columns() if withdrawal is not None else {}),
        **Billed(
            invoice,
            Customer.of_document(invoice),
            f"Credit against invoice {invoice.number}: {invoice.description}",
            replace(amounts, vat_rate=invoice.vat_rate),  # always the invoice's own rate
        ).columns(now),
    )
    invoice.credited = invoice.credited + amounts.gross
    invoice.credit_applied = invoice.credit_applied + applied
    refresh_status(invoice, today=note.issued_on)
    await add_and_record(session, note, CreditNoteIssued, invoice_number=invoice.number)
    return note


async def credit_in_full(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    invoice_id: uuid.UUID,
    reason: CreditReason,
    reason_text: str,
    now: datetime,
    withdrawal: Withdrawal | None = None,
) -> CreditNote | None:
    invoice = await prepared.lock_invoice(session, invoice_id)
    assert invoice is not None
    credited, reasons = await queries.credits_of(session, invoice)
    credit = full_credit(invoiced=amounts_of(invoice), already_credited=credited)
    if credit is None:
        return None
    return await _issue_credit_note(
        session,
        settings=settings,
        invoice=invoice,
        amounts=credit,
        reason=reason,
        reason_text=reason_text,
        now=now,
        existing_reasons=reasons,
        withdrawal=withdrawal,
    )


async def apply_discount(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    cohort: BillingCohort,
    organisation_id: uuid.UUID,
    organisation_name: str | None,
    now: datetime,
) -> None:
    """Bring every full-fee document of an organisation with several teams down to the discount."""
    assert cohort.fee_per_team is not None and cohort.multi_team_discount is not None
    fee, discount = cohort.fee_per_team, cohort.multi_team_discount
    discounted = membership_price(
        fee_per_team=fee,
        multi_team_discount=discount,
        vat_rate=cohort.vat_rate or ZERO,
        organisation_team_count=2,
    )
    discounted_net = discounted.amounts.net
    # Usually nothing is left to correct: one statement finds the documents that may still be
    # (full-fee invoices without their discount credit, full-fee pro-formas awaiting a PO).
    invoice_ids, proforma_ids = await queries.discount_candidates(
        session, cohort_id=cohort.id, organisation_id=organisation_id, net=discounted_net
    )
    for invoice_id in invoice_ids:
        invoice = await prepared.lock_invoice(session, invoice_id)
        assert invoice is not None
        credited, reasons = await queries.credits_of(session, invoice)
        credit = discount_correction(
            invoiced=amounts_of(invoice),
            already_credited=credited,
            fee_per_team=fee,
            multi_team_discount=discount,
        )
        if credit is None:
            continue
        who = organisation_name or "The organisation"
        await _issue_credit_note(
            session,
            settings=settings,
            invoice=invoice,
            amounts=credit,
            reason="multi_team_discount",
            reason_text=(
                f"{who} has two or more teams confirmed in {cohort.name}, so each team's fee is "
                f"{format_gbp(discounted_net)} instead of {format_gbp(invoice.net)} "
                f"({discount * 100:.0f}% multi-team discount). This credits the difference."
            ),
            now=now,
            existing_reasons=reasons,
        )
    # Pro-formas are not VAT invoices: one awaiting its PO is repriced before the invoice, as
    # a new revision (the earlier one stays, superseded), at the pro-forma's own VAT rate.
    if proforma_ids:
        for proforma in await queries.proformas_by_id(session, proforma_ids):
            price = replace(discounted, amounts=Amounts.of_net(discounted_net, proforma.vat_rate))
            await revise_proforma(session, proforma=proforma, price=price, now=now)


def _withdrawal_text(team: BillingTeam, withdrawal: Withdrawal, cutoff: date) -> str:
    """Why a withdrawal is credited, in words a customer reads (no internal names)."""
    day = f"{withdrawal.credited_as_of:%d %B %Y}"
    if withdrawal.credited_as_of == withdrawal.withdrawn_on:
        text = f"The team {team.name} withdrew with effect from {day}"
    else:
        text = (
            f"The withdrawal of the team {team.name} was dated "
            f"{withdrawal.withdrawn_on:%d %B %Y}, before the team was confirmed on {day}, so "
            f"it takes effect from {day}"
        )
    text += (
        f", before the cohort's cutoff of {cutoff:%d %B %Y}: the membership is credited in full."
    )
    if team.withdrawal_reason:
        text += f" Reason given: {team.withdrawal_reason}"
    return text


async def apply_withdrawal(
    session: AsyncSession,
    *,
    settings: BillingSettings,
    cohort: BillingCohort,
    team: BillingTeam,
    now: datetime,
) -> None:
    assert team.withdrawn_on is not None and cohort.start_date is not None
    confirmed_on = uk_date(team.confirmed_at) if team.confirmed_at is not None else None
    withdrawal = Withdrawal(
        withdrawn_on=team.withdrawn_on,
        # Never before the confirmation: a backdated withdrawal never earns a credit the team
        # could not have had on the day it joined.
        credited_as_of=withdrawal_credit_date(
            withdrawn_on=team.withdrawn_on, confirmed_on=confirmed_on
        ),
        withdrawn_by=team.withdrawn_by,
        withdrawal_date_chosen_by=team.withdrawal_date_chosen_by,
    )
    if not withdrawal_is_credited(
        withdrawn_on=withdrawal.credited_as_of,
        start_date=cohort.start_date,
        withdrawal_credit_cutoff=cohort.withdrawal_credit_cutoff,
    ):
        return  # on or after the cutoff: the fee stands (a pro-forma still awaits its PO)
    cutoff = withdrawal_cutoff(
        start_date=cohort.start_date, withdrawal_credit_cutoff=cohort.withdrawal_credit_cutoff
    )
    proforma = await queries.proforma_of_team(session, team.id)
    if proforma is not None and proforma.status == ProformaStatus.AWAITING_PO.value:
        proforma.status = ProformaStatus.CANCELLED.value
    invoice_id = await queries.invoice_id_of_team(session, team.id)
    if invoice_id is not None:
        await credit_in_full(
            session,
            settings=settings,
            invoice_id=invoice_id,
            reason="withdrawal",
            reason_text=_withdrawal_text(team, withdrawal, cutoff),
            now=now,
            withdrawal=withdrawal,
        )


# --- handlers of enrolment's events ------------------------------------------------------------


async def team_withdrawn(
    session: AsyncSession, *, event: TeamWithdrawn, context: HandlerContext[BillingSettings]
) -> None:
    """Credit a confirmed team's membership in full if it withdrew before the cutoff; a
    withdrawal that comes before the confirmation is kept for the confirmation to apply."""
    cohort = await prepared.lock_cohort(session, event.cohort_id)
    team = await session.get(BillingTeam, event.team_id)
    if team is None:
        # Out of order: remember the withdrawal; the confirmation will apply it when it comes.
        team = BillingTeam(
            id=event.team_id, cohort_id=event.cohort_id, organisation_id=event.organisation_id
        )
        session.add(team)
    elif team.withdrawn_on is not None:
        return
    team.withdrawn_on = event.withdrawn_on
    team.withdrawal_reason = event.reason
    team.withdrawn_by = event.withdrawn_by
    team.withdrawal_date_chosen_by = event.date_chosen_by
    await session.flush()
    if team.confirmed_at is not None and cohort.cancelled_at is None:
        await apply_withdrawal(
            session, settings=context.settings, cohort=cohort, team=team, now=context.clock.now()
        )


async def cohort_cancelled(
    session: AsyncSession, *, event: CohortCancelled, context: HandlerContext[BillingSettings]
) -> None:
    """A cohort that will not run: its pro-formas are cancelled, its invoices credited in full."""
    cohort = await prepared.lock_cohort(session, event.cohort_id)
    if cohort.cancelled_at is not None:
        return
    now = context.clock.now()
    cohort.cancelled_at = now
    cohort.cancellation_reason = event.reason
    for proforma in await queries.proformas_awaiting_po(session, cohort_id=cohort.id):
        proforma.status = ProformaStatus.CANCELLED.value
    reason = f"The cohort {cohort.name or ''} was cancelled and will not run"
    reason += f" ({event.reason})." if event.reason else "."
    for invoice in await queries.invoices_of_cohort(session, cohort.id):
        await credit_in_full(
            session,
            settings=context.settings,
            invoice_id=invoice.id,
            reason="cohort_cancelled",
            reason_text=reason + " Credited in full.",
            now=now,
        )
