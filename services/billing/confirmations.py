"""Pricing a confirmed team: enrolment's ``team.confirmed`` becomes the team's invoice (with a
purchase order) or pro-forma (without), once per team.

This is the hot path (about eight statements): the cohort lock, three upserts prepared from the
table definitions (customer, team, the organisation's account in the cohort), the document number,
the document and its outbox row. Events may come out of order: a withdrawal before its
confirmation is applied here, and a confirmation that makes an organisation's second team
corrects its earlier full-fee documents as if the events had come in order.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.credit import apply_discount, apply_withdrawal
from services.billing.invoicing import (
    Billed,
    Customer,
    describe_membership,
    issue_invoice,
    issue_proforma,
)
from services.billing.models import BillingAccount, BillingTeam
from services.billing.organisations import organisation_row
from services.billing.pricing import membership_price
from services.billing.settings import BillingSettings
from services.billing.store import prepared
from shared.events.enrolment import TeamConfirmed
from shared.handlers import HandlerContext


async def team_confirmed(
    session: AsyncSession, *, event: TeamConfirmed, context: HandlerContext[BillingSettings]
) -> None:
    """Price a confirmed team and issue its invoice (with a PO) or pro-forma (without), once."""
    settings, now = context.settings, context.clock.now()
    cohort = await prepared.lock_cohort(session, event.cohort_id)
    terms = event.terms
    # The latest event's terms (unchanged values write nothing: the ORM skips equal values).
    cohort.name = event.cohort_name
    cohort.fee_per_team = terms.fee_per_team
    cohort.multi_team_discount = terms.multi_team_discount
    cohort.vat_rate = terms.vat_rate
    cohort.start_date = terms.start_date
    cohort.lead_in_months = terms.lead_in_months
    cohort.coaching_months = terms.coaching_months
    cohort.withdrawal_credit_cutoff = terms.withdrawal_credit_cutoff

    org = event.organisation
    organisation = organisation_row(org)
    await prepared.save_organisation(session, organisation)
    team = await prepared.save_confirmation(
        session,
        BillingTeam(
            id=event.team_id,
            cohort_id=event.cohort_id,
            organisation_id=org.id,
            name=event.team_name,
            setting=event.setting,
            project_lead_name=event.project_lead.name,
            project_lead_email=event.project_lead.email,
            organisation_team_count=event.organisation_team_count,
            purchase_order=event.purchase_order,
            invoice_references=[r.model_dump() for r in event.invoice_references],
            confirmed_at=event.confirmed_at,
        ),
    )
    if team is None:
        return  # the same confirmation again (another event id): one invoice per team
    if cohort.cancelled_at is not None:
        return  # the cohort will not run: nothing to bill
    discounted = await prepared.save_account(
        session,
        BillingAccount(
            organisation_id=org.id,
            cohort_id=event.cohort_id,
            discounted=event.organisation_team_count >= 2,
        ),
    )

    price = membership_price(
        fee_per_team=terms.fee_per_team,
        multi_team_discount=terms.multi_team_discount,
        vat_rate=terms.vat_rate,
        organisation_team_count=event.organisation_team_count,
    )
    customer = Customer.of_organisation(organisation)
    billed = Billed.membership(team, customer, describe_membership(settings, team, cohort), price)
    purchase_order = (event.purchase_order or "").strip()
    if purchase_order:
        await issue_invoice(
            session,
            settings=settings,
            billed=billed,
            purchase_order=purchase_order,
            proforma=None,
            now=now,
        )
    else:
        await issue_proforma(session, settings=settings, billed=billed, now=now)
    # An organisation already known to have several teams: this team's full fee is corrected
    # exactly as if the events had come in order (full-fee invoice, then the discount credit).
    if discounted:
        await apply_discount(
            session,
            settings=settings,
            cohort=cohort,
            organisation_id=org.id,
            organisation_name=organisation.name,
            now=now,
        )
    if team.withdrawn_on is not None:  # the withdrawal came first
        await apply_withdrawal(session, settings=settings, cohort=cohort, team=team, now=now)
