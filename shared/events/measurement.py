"""Events recorded by the measurement service (stream MEASUREMENT, subjects ``measurement.>``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from shared.events.base import DomainEvent


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BatchCount(_Part):
    """How many rows of one batch were for one team and measure (counts only, never the rows)."""

    team_id: uuid.UUID
    measure_key: str
    new_rows: int
    repeated_rows: int


class BatchAccepted(DomainEvent):
    """A trust system's batch was accepted (all-or-nothing) and its new rows stored."""

    subject: ClassVar[str] = "measurement.batch.accepted"

    batch_id: uuid.UUID
    organisation_id: uuid.UUID
    kind: Literal["responses", "values"]
    new_rows: int
    repeated_rows: int
    counts: list[BatchCount]
    accepted_at: datetime  # UTC


class SignalDetected(DomainEvent):
    """A run-chart or control-chart rule fired on a team's measure series."""

    subject: ClassVar[str] = "measurement.signal.detected"

    team_id: uuid.UUID
    measure_key: str
    rule: str  # e.g. "shift", "trend", "runs", "outside_limits", "two_of_three"
    signal_class: Literal["improvement", "concern"]
    periods: list[date]  # start dates of the periods that make the signal
    cohort_id: uuid.UUID | None = None
    detected_at: datetime  # UTC


class PlanMeasureAdded(DomainEvent):
    """A measure joined a cohort's measurement plan (the default plan of a new cohort records one
    per measure). Teams of the cohort collect data for it."""

    subject: ClassVar[str] = "measurement.plan.measure_added"

    cohort_id: uuid.UUID
    measure_key: str
    name: str
    kind: str  # the measure's data kind, e.g. "proportion", "rate", "count", "value"
    frequency: str  # e.g. "weekly", "monthly"


class PlanMeasureRemoved(DomainEvent):
    """A measure left a cohort's measurement plan."""

    subject: ClassVar[str] = "measurement.plan.measure_removed"

    cohort_id: uuid.UUID
    measure_key: str
