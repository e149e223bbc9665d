"""What the sessions service does with incoming events: event class → use case."""

from __future__ import annotations

from services.sessions import erasure, rosters
from services.sessions.settings import SessionsSettings
from shared.events.enrolment import (
    CoachAllocated,
    CohortCancelled,
    CohortConfirmed,
    PersonErased,
    TeamConfirmed,
    TeamWithdrawn,
)
from shared.handlers import EventHandlers

HANDLERS = EventHandlers[SessionsSettings]()
HANDLERS.add(CohortConfirmed, rosters.cohort_confirmed)
HANDLERS.add(CohortCancelled, rosters.cohort_cancelled)
HANDLERS.add(TeamConfirmed, rosters.team_confirmed)
HANDLERS.add(TeamWithdrawn, rosters.team_withdrawn)
HANDLERS.add(CoachAllocated, rosters.coach_allocated)
HANDLERS.add(PersonErased, erasure.person_erased)
