"""Cohort rows: finding and locking a cohort, the open ones, its viability facts, the viable mark
and the decision (both compare-and-set), its teams by status, the history of its terms and the
mark that billing has invoiced it."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment import rules
from services.enrolment.models import Cohort, CohortChange, Organisation, Team
from services.enrolment.problems import unknown_cohort
from services.enrolment.rules import CohortStatus, TeamStatus


async def cohort(session: AsyncSession, cohort_id: uuid.UUID, *, lock: bool = False) -> Cohort:
    """The cohort (404 when there is none); ``lock``: ``FOR UPDATE``, read afresh."""
    query = select(Cohort).where(Cohort.id == cohort_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = await session.scalar(query)
    if found is None:
        raise unknown_cohort()
    return found


async def cohorts(session: AsyncSession) -> Sequence[Cohort]:
    """Every cohort, by deadline."""
    return (await session.scalars(select(Cohort).order_by(Cohort.eoi_deadline, Cohort.id))).all()


async def open_cohorts(session: AsyncSession, *, now: datetime) -> Sequence[Cohort]:
    """The cohorts still taking expressions of interest, by deadline."""
    query = (
        select(Cohort)
        .where(Cohort.status == CohortStatus.OPEN.value, Cohort.eoi_deadline > now)
        .order_by(Cohort.eoi_deadline, Cohort.id)
    )
    return (await session.scalars(query)).all()


async def cohort_changes(session: AsyncSession, cohort_id: uuid.UUID) -> Sequence[CohortChange]:
    """The changes of the cohort's terms, oldest first."""
    query = (
        select(CohortChange)
        .where(CohortChange.cohort_id == cohort_id)
        .order_by(CohortChange.changed_at, CohortChange.id)
    )
    return (await session.scalars(query)).all()


async def confirmed_ever(session: AsyncSession, cohort_id: uuid.UUID) -> bool:
    """Whether any team of the cohort was ever confirmed (and so invoiced by billing)."""
    found = await session.scalar(
        select(Team.id).where(Team.cohort_id == cohort_id, Team.confirmed_at.is_not(None)).limit(1)
    )
    return found is not None


async def mark_invoiced(session: AsyncSession, cohort_id: uuid.UUID, *, at: datetime) -> None:
    """Note when billing first reported an invoice for the cohort (later reports change nothing;
    a cohort enrolment does not know changes nothing either)."""
    await session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id, Cohort.invoiced_at.is_(None))
        .values(invoiced_at=at)
        .execution_options(synchronize_session=False)
    )


async def viability_facts(session: AsyncSession, cohort_id: uuid.UUID) -> list[rules.TeamFacts]:
    """What viability counts of each of the cohort's teams, in one query."""
    rows = await session.execute(
        select(Team.status, Organisation.nation, Team.setting, Organisation.id, Organisation.name)
        .join(Organisation, Team.organisation_id == Organisation.id)
        .where(Team.cohort_id == cohort_id)
    )
    return [rules.TeamFacts(TeamStatus(r[0]), r[1], r[2], r[3], r[4]) for r in rows.all()]


async def accepted_count(session: AsyncSession, cohort_id: uuid.UUID) -> int:
    """The cohort's accepted (or already confirmed) teams, the caller's own changes included."""
    await session.flush()
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Team)
            .where(
                Team.cohort_id == cohort_id,
                Team.status.in_([s.value for s in rules.ACCEPTED_STATUSES]),
            )
        )
        or 0
    )


async def mark_viable(session: AsyncSession, cohort: Cohort, *, now: datetime) -> bool:
    """Set ``viable_at`` unless it is set already (compare-and-set): True for the one caller
    that set it."""
    marked = await session.execute(
        update(Cohort)
        .where(Cohort.id == cohort.id, Cohort.viable_at.is_(None))
        .values(viable_at=now)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        return False
    cohort.viable_at = now
    return True


async def record_decision(
    session: AsyncSession,
    cohort: Cohort,
    *,
    status: CohortStatus,
    override_reason: str | None,
    reason: str | None,
    now: datetime,
) -> bool:
    """Move an undecided cohort to ``status`` (compare-and-set on the status, a second line of
    defence behind the cohort lock: only one decision ever lands). The cohort is read afresh;
    True when this call decided it."""
    moved = await session.execute(
        update(Cohort)
        .where(
            Cohort.id == cohort.id,
            Cohort.status.in_([CohortStatus.OPEN.value, CohortStatus.CLOSED.value]),
        )
        .values(
            status=status.value,
            decided_at=now,
            closed_at=func.coalesce(Cohort.closed_at, now),
            decision_override_reason=override_reason,
            decision_reason=reason,
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(cohort)
    return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


async def teams_of(
    session: AsyncSession,
    cohort_id: uuid.UUID,
    statuses: Collection[TeamStatus],
    *,
    lock: bool = False,
) -> Sequence[Team]:
    """The cohort's teams in ``statuses``, oldest EOI first; ``lock``: their rows ``FOR UPDATE``
    (the cohort is locked already)."""
    query = (
        select(Team)
        .where(Team.cohort_id == cohort_id, Team.status.in_([s.value for s in statuses]))
        .order_by(Team.submitted_at, Team.id)
    )
    if lock:
        query = query.with_for_update(of=Team)
    return (await session.scalars(query)).all()


async def carried_from(session: AsyncSession, cohort_id: uuid.UUID) -> set[uuid.UUID]:
    """The teams (of other cohorts) already carried forward into this cohort."""
    carried = await session.scalars(
        select(Team.carried_from_team_id).where(
            Team.cohort_id == cohort_id, Team.carried_from_team_id.is_not(None)
        )
    )
    return {team_id for team_id in carried if team_id is not None}
