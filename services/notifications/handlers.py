"""What the notifications service does with incoming events: event class → handler.

Each handler runs in the inbox's transaction (a redelivered event has no second effect) and makes
its messages once per (event, recipient, kind) by the message table's unique key, so a replayed
event (a new delivery of the same event id) sends nothing new either.
"""

from __future__ import annotations

from services.notifications import alerts, applications, erasure, invoices, programme
from services.notifications.settings import NotificationsSettings
from shared.events.billing import (
    CreditNoteIssued,
    InvoiceIssued,
    InvoiceOverdue,
    InvoicePaid,
    ProformaIssued,
)
from shared.events.enrolment import (
    CoachAllocated,
    CohortCancelled,
    CohortConfirmed,
    EoiSubmitted,
    OrganisationUpdated,
    PersonErased,
    TeamConfirmed,
    TeamWithdrawn,
)
from shared.events.improvement import MeetingsLapsed
from shared.events.measurement import SignalDetected
from shared.events.sessions import (
    PlaceConfirmed,
    SessionCancelled,
    SessionRescheduled,
    SessionScheduled,
    TeamDisengaged,
)
from shared.handlers import EventHandlers

HANDLERS = EventHandlers[NotificationsSettings]()
HANDLERS.add(EoiSubmitted, applications.eoi_submitted)
HANDLERS.add(CohortConfirmed, applications.cohort_confirmed)
HANDLERS.add(CohortCancelled, applications.cohort_cancelled)
HANDLERS.add(TeamConfirmed, applications.team_confirmed)
HANDLERS.add(TeamWithdrawn, applications.team_withdrawn)
HANDLERS.add(CoachAllocated, applications.coach_allocated)
HANDLERS.add(OrganisationUpdated, applications.organisation_updated)
HANDLERS.add(PersonErased, erasure.person_erased)
HANDLERS.add(InvoiceIssued, invoices.invoice_issued)
HANDLERS.add(ProformaIssued, invoices.proforma_issued)
HANDLERS.add(CreditNoteIssued, invoices.credit_note_issued)
HANDLERS.add(InvoiceOverdue, invoices.invoice_overdue)
HANDLERS.add(InvoicePaid, invoices.invoice_paid)
HANDLERS.add(SessionScheduled, programme.session_scheduled)
HANDLERS.add(SessionRescheduled, programme.session_rescheduled)
HANDLERS.add(SessionCancelled, programme.session_cancelled)
HANDLERS.add(PlaceConfirmed, programme.place_confirmed)
HANDLERS.add(TeamDisengaged, alerts.team_disengaged)
HANDLERS.add(SignalDetected, alerts.signal_detected)
HANDLERS.add(MeetingsLapsed, alerts.meetings_lapsed)
