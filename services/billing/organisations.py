"""The customers billing invoices: its copy of each organisation as enrolment's latest event
described it (name, addresses, ODS and payables codes, the accounts-payable contact)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.models import BillingOrganisation
from services.billing.settings import BillingSettings
from services.billing.store import prepared
from shared.events.enrolment import OrganisationRef, OrganisationUpdated
from shared.handlers import HandlerContext


def organisation_row(org: OrganisationRef) -> BillingOrganisation:
    """The customer as this event describes it (the row is upserted to exactly these values)."""
    payable = org.accounts_payable
    postal = payable.postal_address if payable is not None else None
    return BillingOrganisation(
        id=org.id,
        name=org.name,
        ods_code=org.ods_code,
        nation=org.nation,
        address_lines=list(org.invoicing_address.lines),
        postcode=org.invoicing_address.postcode,
        payables_code=org.payables_code,
        accounts_payable_email=payable.email if payable is not None else None,
        accounts_payable_name=payable.name if payable is not None else None,
        accounts_payable_address=list(postal.lines) if postal is not None else None,
        accounts_payable_postcode=postal.postcode if postal is not None else None,
    )


async def organisation_updated(
    session: AsyncSession,
    *,
    event: OrganisationUpdated,
    context: HandlerContext[BillingSettings],
) -> None:
    """Keep billing's copy of the customer as enrolment now describes it: documents issued from
    now on (and statements) state it; documents already issued keep what they stated."""
    await prepared.save_organisation(session, organisation_row(event.organisation))
