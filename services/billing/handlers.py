"""What the billing service does with incoming events: event class → use case.

Each handler runs in the inbox runner's transaction (the event id is recorded with the effects,
so a redelivery has no second effect); the use cases add business keys as a second line (one
invoice per team, one credit note per invoice and reason) and cope with events out of order.
"""

from __future__ import annotations

from services.billing import confirmations, credit, erasure, organisations
from services.billing.settings import BillingSettings
from shared.events.enrolment import (
    CohortCancelled,
    OrganisationUpdated,
    PersonErased,
    TeamConfirmed,
    TeamWithdrawn,
)
from shared.handlers import EventHandlers

HANDLERS = EventHandlers[BillingSettings]()
HANDLERS.add(TeamConfirmed, confirmations.team_confirmed)
HANDLERS.add(TeamWithdrawn, credit.team_withdrawn)
HANDLERS.add(CohortCancelled, credit.cohort_cancelled)
HANDLERS.add(OrganisationUpdated, organisations.organisation_updated)
HANDLERS.add(PersonErased, erasure.person_erased)
