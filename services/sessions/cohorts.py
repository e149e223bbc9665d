"""A cohort as this service keeps it, and its default joining details.

A coordinator gives a cohort one join link for its virtual (and hybrid) sessions and its usual
venue for in-person (and hybrid) ones; a session's own link or venue overrides them
(``rules/modes.py``). Changing a default changes what every session relying on it shows, so each
such session's SEQUENCE rises (calendars replace their copy) and, for the sessions still to
come, ``sessions.session.rescheduled`` tells consumers (reminders) the new details.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field, HttpUrl
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions import programme
from services.sessions.models import Cohort
from services.sessions.rules.modes import changed_fields, needs_venue, shown
from services.sessions.store import programme as store
from services.sessions.store.access import readable_cohort
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.events.sessions import SessionRescheduled
from shared.fields import RequestModel


class CohortDefaults(RequestModel):
    """Only the fields given change; ``null`` clears one."""

    default_join_url: HttpUrl | None = None
    default_venue: str | None = Field(default=None, min_length=1, max_length=500)


async def get_cohort(session: AsyncSession, *, cohort_id: uuid.UUID, user: Principal) -> Cohort:
    return await readable_cohort(session, user, cohort_id)


async def update_cohort(
    session: AsyncSession, *, cohort_id: uuid.UUID, data: CohortDefaults, now: datetime
) -> Cohort:
    cohort = await store.get_cohort(session, cohort_id, lock=True)
    if cohort is None:
        raise NotFound("no such cohort")
    if cohort.status == "cancelled":
        raise Conflict("the cohort was cancelled")
    rows = await store.cohort_sessions(session, cohort_id, status="scheduled")
    before = {row.id: shown(row, cohort) for row in rows}
    given = data.model_fields_set
    if "default_join_url" in given:
        url = data.default_join_url
        cohort.default_join_url = str(url) if url is not None else None
    if "default_venue" in given:
        cohort.default_venue = data.default_venue
    relying = [row.title for row in rows if needs_venue(row, cohort)]
    if relying:
        raise Conflict(
            "in-person and hybrid sessions use the cohort's venue; give them a venue of their "
            f"own first: {', '.join(relying[:5])}{' ...' if len(relying) > 5 else ''}"
        )
    for row in rows:
        changed = changed_fields(before[row.id], shown(row, cohort))
        if not changed:
            continue
        row.sequence += 1
        row.updated_at = now
        if row.ends_at > now:  # nobody needs telling that a past session's link changed
            event = programme.about(
                row, cohort, SessionRescheduled, changed=changed, previous_starts_at=row.starts_at
            )
            await programme.record(session, row, event)
    await session.flush()
    return cohort
