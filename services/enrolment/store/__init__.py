"""All of the enrolment service's persistence: queries, locks, the prepared statements of the
hot paths, and the one place that says what a principal may read (:mod:`.access`).

Concurrency: every change to a cohort or to one of its teams first locks the cohort row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite has one writer at a time). Go, no-go, accept,
decline, confirm and withdraw in one cohort therefore run one after another, and a second
"go" or a second "confirm" sees the first one's result and changes nothing. Coach rows are locked
(in id order) before allocating, so two confirmations never both take a coach's last place.

No caches: the hot reads are single prepared statements.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment.models import Base
from services.enrolment.store.access import (
    lock_team_in_cohort,
    readable_organisations,
    readable_teams,
    team_view,
)
from services.enrolment.store.coaches import (
    CoachPlaces,
    coach_loads,
    coach_with_email,
    coaches,
    lock_coach_places,
    mark_confirmed,
)
from services.enrolment.store.cohorts import (
    accepted_count,
    carried_from,
    cohort,
    cohort_changes,
    cohorts,
    confirmed_ever,
    mark_invoiced,
    mark_viable,
    open_cohorts,
    record_decision,
    teams_of,
    viability_facts,
)
from services.enrolment.store.erasure import (
    coaches_with_email,
    cohort_changes_by,
    organisations_paying_to,
    teams_mentioning,
)
from services.enrolment.store.organisations import (
    live_teams_of,
    move_teams,
    organisation,
    organisation_by_id,
    organisation_with_ods_code,
    organisations,
)
from services.enrolment.store.teams import TeamFilters, teams

__all__ = [
    "CoachPlaces",
    "TeamFilters",
    "accepted_count",
    "add",
    "carried_from",
    "coach_loads",
    "coach_with_email",
    "coaches",
    "coaches_with_email",
    "cohort",
    "cohort_changes",
    "cohort_changes_by",
    "cohorts",
    "confirmed_ever",
    "flush",
    "live_teams_of",
    "lock_coach_places",
    "lock_team_in_cohort",
    "mark_confirmed",
    "mark_invoiced",
    "mark_viable",
    "move_teams",
    "open_cohorts",
    "organisation",
    "organisation_by_id",
    "organisation_with_ods_code",
    "organisations",
    "organisations_paying_to",
    "readable_organisations",
    "readable_teams",
    "record_decision",
    "reload",
    "team_view",
    "teams",
    "teams_mentioning",
    "teams_of",
    "viability_facts",
]


async def add(session: AsyncSession, *rows: Base) -> None:
    """Insert new rows now (ids and unique keys are checked here: a duplicate is a 409)."""
    session.add_all(rows)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    """Write the changed rows now (a unique key or a freed value must be settled before the
    next change)."""
    await session.flush()


async def reload(session: AsyncSession, row: Base) -> None:
    """Write a changed row and read it back with its relationships."""
    await session.flush()
    await session.refresh(row)
