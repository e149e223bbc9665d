"""The cohort's idea library: every change idea a team of the cohort has tested, grouped with
the copies of it other teams made (by origin), with how many teams tested it and where each of
them stands (its latest decision), and the PDSA summaries teams chose to share."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class LibraryCycle:
    """A started cycle on a team's change idea (what the library is made of)."""

    origin_id: uuid.UUID
    idea_name: str
    idea_description: str | None
    idea_created_at: datetime
    driver_name: str
    team_id: uuid.UUID
    team_name: str
    organisation_name: str
    cycle_id: uuid.UUID
    ramp_step: int
    decision: str | None  # None while the cycle runs
    completed_on: date | None
    objective: str
    shared_summary: str | None


@dataclass(frozen=True)
class SharedSummary:
    cycle_id: uuid.UUID
    team_name: str
    organisation_name: str
    ramp_step: int
    objective: str
    decision: str
    completed_on: date
    summary: str


@dataclass(frozen=True)
class LibraryEntry:
    id: uuid.UUID  # the origin every copy of the idea shares: the library idea's id
    name: str
    description: str | None
    driver_name: str
    teams_tested: int
    teams_adopted: int
    teams_adapted: int
    teams_abandoned: int
    cycles: int
    shared_summaries: list[SharedSummary] = field(default_factory=list)


def _entry(cycles: Sequence[LibraryCycle]) -> LibraryEntry:
    first = min(cycles, key=lambda c: (c.idea_created_at, c.cycle_id))
    latest: dict[uuid.UUID, str] = {}
    for c in sorted((c for c in cycles if c.decision), key=lambda c: (c.completed_on, c.ramp_step)):
        latest[c.team_id] = str(c.decision)
    decisions = list(latest.values())
    return LibraryEntry(
        id=first.origin_id,
        name=first.idea_name,
        description=first.idea_description,
        driver_name=first.driver_name,
        teams_tested=len({c.team_id for c in cycles}),
        teams_adopted=decisions.count("adopt"),
        teams_adapted=decisions.count("adapt"),
        teams_abandoned=decisions.count("abandon"),
        cycles=len(cycles),
        shared_summaries=[
            SharedSummary(
                c.cycle_id,
                c.team_name,
                c.organisation_name,
                c.ramp_step,
                c.objective,
                str(c.decision),
                c.completed_on,
                c.shared_summary,
            )
            for c in sorted(cycles, key=lambda c: (c.team_name, c.ramp_step))
            if c.shared_summary and c.decision and c.completed_on
        ],
    )


def library(cycles: Sequence[LibraryCycle]) -> list[LibraryEntry]:
    """Most widely tested first, then by name."""
    groups: dict[uuid.UUID, list[LibraryCycle]] = {}
    for c in cycles:
        groups.setdefault(c.origin_id, []).append(c)
    entries = [_entry(group) for group in groups.values()]
    return sorted(entries, key=lambda e: (-e.teams_tested, e.name.lower(), e.id))
