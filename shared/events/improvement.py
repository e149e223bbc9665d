"""Events recorded by the improvement service (stream IMPROVEMENT, subjects ``improvement.>``).

The improvement service holds each team's project: project team, aim, ideas and impediments,
driver diagram, change ideas and PDSA cycles, meetings, progress scores.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from shared.events.base import DomainEvent

PdsaDecision = Literal["adopt", "adapt", "abandon"]


class PdsaStarted(DomainEvent):
    """A team started testing a change idea (the Do of a PDSA cycle began).

    Measurement annotates the team's charts of ``measure_keys`` at ``started_on`` with the idea's
    name, so a chart tells the story of what was tried."""

    subject: ClassVar[str] = "improvement.pdsa.started"

    cycle_id: uuid.UUID
    cohort_id: uuid.UUID
    team_id: uuid.UUID
    change_idea_id: uuid.UUID
    change_idea_name: str
    # Position of this cycle on its idea's ramp (1 for the first test of the idea).
    ramp_step: int
    objective: str
    started_on: date  # UK date
    measure_keys: list[str]


class PdsaCompleted(DomainEvent):
    """A PDSA cycle was studied and acted on: adopt, adapt or abandon the idea."""

    subject: ClassVar[str] = "improvement.pdsa.completed"

    cycle_id: uuid.UUID
    cohort_id: uuid.UUID
    team_id: uuid.UUID
    change_idea_id: uuid.UUID
    change_idea_name: str
    ramp_step: int
    started_on: date
    completed_on: date
    decision: PdsaDecision
    measure_keys: list[str]


class MeetingsLapsed(DomainEvent):
    """A team in its coaching months has logged no project meeting for the configured number of
    days. Recorded once per lapse: not again until a meeting is logged and a new lapse begins."""

    subject: ClassVar[str] = "improvement.team.meetings_lapsed"

    cohort_id: uuid.UUID
    team_id: uuid.UUID
    team_name: str
    coach_id: uuid.UUID | None = None
    last_meeting_on: date | None = None
    days_without_meeting: int
    lapsed_at: datetime  # UTC
