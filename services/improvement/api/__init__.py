"""HTTP routes of the improvement service (mounted under /api/improvement): one router per
resource, every write route rate limited per caller (``shared.ratelimit.WRITES``).

A route parses, calls one use case with the request's :class:`Call` (its session, the caller and
the time), and answers with the route's response model, built from what the use case returned
(``schemas``). Who may call what: ``docs/security.md``; which teams: the store's readable
statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal, Role, require_roles
from shared.clock import Clock
from shared.db import ReadSession, Session

# A team's project: its team lead (organisation), its coach, the coordinator.
ProjectPeople = Annotated[Principal, require_roles(Role.coordinator, Role.coach, Role.team_lead)]
# Progress scores are set by the coach with the team (or the coordinator).
Scorers = Annotated[Principal, require_roles(Role.coordinator, Role.coach)]


@dataclass(frozen=True)
class Call:
    """What a route hands its use case: the request's session, the caller and the time."""

    session: AsyncSession
    user: Principal
    now: datetime


async def _reading(session: ReadSession, user: ProjectPeople, clock: Clock) -> Call:
    return Call(session, user, clock.now())


async def _writing(session: Session, user: ProjectPeople, clock: Clock) -> Call:
    return Call(session, user, clock.now())


async def _scoring(session: Session, user: Scorers, clock: Clock) -> Call:
    return Call(session, user, clock.now())


Reading = Annotated[Call, Depends(_reading)]
# The write transaction commits before the answer is sent (as shared.db.Session does).
Writing = Annotated[Call, Depends(_writing, scope="function")]
Scoring = Annotated[Call, Depends(_scoring, scope="function")]
