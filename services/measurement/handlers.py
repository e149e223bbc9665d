"""What the measurement service does with incoming events: event class → handler.

Each handler runs in the inbox runner's transaction, so a redelivered event has no second effect.
The service's own `measurement.batch.accepted` is among them: signals are looked for right after
a batch, off its hot path. PDSA cycles from the improvement service become notes on the team's
charts; a person's erasure reaches the few places measurement names people.
"""

from __future__ import annotations

from services.measurement import pdsa, people, signals, teams
from services.measurement.settings import MeasurementSettings
from shared.events.enrolment import CoachAllocated, PersonErased, TeamConfirmed, TeamWithdrawn
from shared.events.improvement import PdsaCompleted, PdsaStarted
from shared.events.measurement import BatchAccepted
from shared.handlers import EventHandlers

HANDLERS = EventHandlers[MeasurementSettings]()
HANDLERS.add(TeamConfirmed, teams.team_confirmed)
HANDLERS.add(TeamWithdrawn, teams.team_withdrawn)
HANDLERS.add(CoachAllocated, teams.coach_allocated)
HANDLERS.add(PersonErased, people.person_erased)
HANDLERS.add(BatchAccepted, signals.batch_accepted)
HANDLERS.add(PdsaStarted, pdsa.pdsa_started)
HANDLERS.add(PdsaCompleted, pdsa.pdsa_completed)
