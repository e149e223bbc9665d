"""What the enrolment service does with incoming events: billing's first invoice or pro-forma
for a cohort fixes its price (``terms``)."""

from __future__ import annotations

from services.enrolment import terms
from services.enrolment.settings import EnrolmentSettings
from shared.events.billing import InvoiceIssued, ProformaIssued
from shared.handlers import EventHandlers

HANDLERS = EventHandlers[EnrolmentSettings]()
HANDLERS.add(InvoiceIssued, terms.cohort_invoiced)
HANDLERS.add(ProformaIssued, terms.cohort_invoiced)
