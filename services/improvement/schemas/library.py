"""The cohort's idea library."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from services.improvement.rules.library import LibraryEntry
from services.improvement.rules.ramp import Decision
from services.improvement.schemas import Out


class SharedSummaryOut(Out):
    cycle_id: uuid.UUID
    team_name: str
    organisation_name: str
    ramp_step: int
    objective: str
    decision: Decision
    completed_on: date
    summary: str


class LibraryEntryOut(Out):
    id: uuid.UUID = Field(description="The library idea's id (copy it with this id)")
    name: str
    description: str | None
    driver_name: str
    teams_tested: int
    teams_adopted: int
    teams_adapted: int
    teams_abandoned: int
    cycles: int
    shared_summaries: list[SharedSummaryOut]


def library_entry_out(entry: LibraryEntry) -> LibraryEntryOut:
    return LibraryEntryOut(
        id=entry.origin_id,
        name=entry.name,
        description=entry.description,
        driver_name=entry.driver_name,
        teams_tested=entry.teams_tested,
        teams_adopted=entry.teams_adopted,
        teams_adapted=entry.teams_adapted,
        teams_abandoned=entry.teams_abandoned,
        cycles=entry.cycles,
        shared_summaries=[SharedSummaryOut.model_validate(s) for s in entry.shared],
    )
