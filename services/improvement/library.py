"""Sharing across teams: the cohort's idea library. Every team of the cohort (and its coach, and
the coordinator) reads it: tested ideas, how teams fared, and the PDSA summaries teams chose to
share; never another team's meetings, ideas, votes or unshared cycles. A team copies an idea
into its own diagram with ``change_ideas.copy_change_idea``."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement import teams
from services.improvement.problems import problem
from services.improvement.rules import library as rules
from services.improvement.store import diagrams as diagram_store
from shared.auth import Principal
from shared.errors import NotFound


async def cohort_library(
    session: AsyncSession, *, user: Principal, cohort_id: uuid.UUID
) -> list[rules.LibraryEntry]:
    cohort = await teams.readable_cohort(session, user, cohort_id)
    return rules.library(
        [
            rules.LibraryCycle(
                origin_id=idea.origin_id,
                idea_name=idea.name,
                idea_description=idea.description,
                idea_created_at=idea.created_at,
                driver_name=driver.name,
                team_id=team.id,
                team_name=team.name,
                organisation_name=team.organisation_name,
                cycle_id=cycle.id,
                ramp_step=cycle.ramp_step,
                decision=cycle.decision,
                completed_on=cycle.completed_on,
                objective=cycle.objective,
                shared_summary=cycle.shared_summary,
            )
            for idea, driver, team, cycle in await diagram_store.library_rows(session, cohort.id)
        ]
    )


async def library_entry(
    session: AsyncSession, *, user: Principal, cohort_id: uuid.UUID, library_idea_id: uuid.UUID
) -> rules.LibraryEntry:
    for entry in await cohort_library(session, user=user, cohort_id=cohort_id):
        if entry.id == library_idea_id:
            return entry
    raise NotFound("no such idea in the cohort's library", type=problem("unknown-idea"))
