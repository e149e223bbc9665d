"""What the improvement service does with incoming events: event class → handler.

Each handler runs in the inbox's transaction (a redelivered event has no second effect) and is
idempotent by business key too (``cohorts.py``, ``plan.py``).
"""

from __future__ import annotations

from services.improvement import cohorts, erasure, plan
from services.improvement.settings import ImprovementSettings
from shared.events.enrolment import (
    CoachAllocated,
    CohortCancelled,
    CohortConfirmed,
    CohortOpened,
    PersonErased,
    TeamConfirmed,
    TeamWithdrawn,
)
from shared.events.measurement import BatchAccepted, PlanMeasureAdded, PlanMeasureRemoved
from shared.handlers import EventHandlers

HANDLERS = EventHandlers[ImprovementSettings]()
HANDLERS.add(CohortOpened, cohorts.cohort_opened)
HANDLERS.add(CohortConfirmed, cohorts.cohort_confirmed)
HANDLERS.add(CohortCancelled, cohorts.cohort_cancelled)
HANDLERS.add(TeamConfirmed, cohorts.team_confirmed)
HANDLERS.add(TeamWithdrawn, cohorts.team_withdrawn)
HANDLERS.add(CoachAllocated, cohorts.coach_allocated)
HANDLERS.add(PlanMeasureAdded, plan.plan_measure_added)
HANDLERS.add(PlanMeasureRemoved, plan.plan_measure_removed)
HANDLERS.add(BatchAccepted, plan.batch_accepted)
HANDLERS.add(PersonErased, erasure.person_erased)
