"""Decisions on a cohort and its teams: go (confirm every accepted team, in this transaction) or
no-go (release every team), a late joiner's confirmation, and carrying a cancelled cohort's
expressions of interest forward into a later cohort.

Confirming a team allocates it a coach and records ``enrolment.team.confirmed`` (and
``enrolment.coach.allocated``). A late joiner's confirmation is a hot path: its statements are
counted in tests/integration/perf (cohort lock, team lock, coach locks, counts, update, outbox).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment import allocation, rules, store
from services.enrolment.coaches import record_allocation
from services.enrolment.cohorts import CohortView, cohort_status, terms_of
from services.enrolment.eoi_rules import team_name_key
from services.enrolment.interest import (
    EOI_FACTS,
    INVOICE_REFERENCES,
    invoice_references,
    lock_for_action,
    record_eoi_submitted,
)
from services.enrolment.models import Cohort, Team
from services.enrolment.organisations import organisation_ref
from services.enrolment.problems import conflict, refused
from services.enrolment.rules import CohortStatus, Decision, TeamStatus, TransitionRefused
from shared.auth import Principal
from shared.errors import Unprocessable
from shared.events.enrolment import CohortCancelled, CohortConfirmed, Contact, TeamConfirmed
from shared.outbox import record_event


@dataclass(frozen=True)
class CarriedForward:
    source_cohort_id: uuid.UUID
    target_cohort_id: uuid.UUID
    carried_team_ids: list[uuid.UUID]  # the new EOIs in the target cohort
    already_carried: int  # EOIs carried by an earlier call, left as they are
    # Released EOIs not carried: the organisation put the same team forward to the target itself.
    already_applied_team_ids: list[uuid.UUID]


@dataclass(frozen=True)
class DecisionResult:
    cohort: CohortView
    confirmed_team_ids: list[uuid.UUID]
    released_team_ids: list[uuid.UUID]
    changed: bool


async def decide(
    session: AsyncSession,
    *,
    cohort_id: uuid.UUID,
    decision: Decision,
    override_reason: str | None,
    reason: str | None,
    now: datetime,
) -> DecisionResult:
    """Go (confirm every accepted team, in this transaction) or no-go (release every team)."""
    cohort = await store.cohort(session, cohort_id, lock=True)
    accepted = await store.accepted_count(session, cohort.id)
    try:
        outcome = rules.check_decision(
            CohortStatus(cohort.status),
            decision,
            accepted=accepted,
            minimum_teams=cohort.minimum_teams,
            override_reason=override_reason,
            deadline=cohort.eoi_deadline,
            now=now,
        )
    except TransitionRefused as exc:
        raise refused(exc) from exc
    overridden = decision == Decision.GO and accepted < cohort.minimum_teams
    if not outcome.changes or not await store.record_decision(
        session,
        cohort,
        status=outcome.new_status,
        override_reason=override_reason if overridden else None,
        reason=reason,
        now=now,
    ):
        # The same decision again (or, past the lock, one that another call just took).
        return DecisionResult(CohortView.at(cohort, now), [], [], changed=False)
    if decision == Decision.GO:
        teams = await store.teams_of(session, cohort.id, [TeamStatus.ACCEPTED], lock=True)
        await record_event(
            session,
            CohortConfirmed(
                cohort_id=cohort.id,
                name=cohort.name,
                terms=terms_of(cohort),
                team_ids=[t.id for t in teams],
                override_reason=cohort.decision_override_reason,
            ),
            subject=str(cohort.id),
        )
        await confirm_teams(session, cohort=cohort, teams=teams, now=now)
        return DecisionResult(CohortView.at(cohort, now), [t.id for t in teams], [], changed=True)
    released = await store.teams_of(
        session, cohort.id, [TeamStatus.SUBMITTED, TeamStatus.ACCEPTED], lock=True
    )
    for team in released:
        team.status = TeamStatus.RELEASED.value
        team.decided_at = now
    await record_event(
        session,
        CohortCancelled(cohort_id=cohort.id, reason=reason, team_ids=[t.id for t in released]),
        subject=str(cohort.id),
    )
    return DecisionResult(CohortView.at(cohort, now), [], [t.id for t in released], changed=True)


async def confirm_team(
    session: AsyncSession, *, team_id: uuid.UUID, user: Principal, now: datetime
) -> Team:
    """Confirm a late joiner into a confirmed cohort; confirming twice confirms once."""
    team, cohort, changes = await lock_for_action(
        session, "confirm", team_id=team_id, user=user, now=now
    )
    if changes:
        await confirm_teams(session, cohort=cohort, teams=[team], now=now)
    return team


async def confirm_teams(
    session: AsyncSession, *, cohort: Cohort, teams: Sequence[Team], now: datetime
) -> None:
    """Confirm ``teams`` (all of one cohort, already locked), allocate coaches and record one
    ``enrolment.team.confirmed`` per team (and ``enrolment.coach.allocated`` per allocation)."""
    if not teams:
        return
    pairs = [(t.id, t.organisation_id) for t in teams]
    places = await store.lock_coach_places(session, cohort.id, {org_id for _, org_id in pairs})
    organisation_counts = allocation.organisation_team_counts(places.confirmed_before, pairs)
    coach_of = allocation.allocate_coaches(pairs, places.loads)
    terms = terms_of(cohort)
    for team in teams:
        allocated = coach_of[team.id]
        coach = places.coaches[allocated] if allocated is not None else None
        if not await store.mark_confirmed(
            session,
            team,
            organisation_team_count=organisation_counts[team.id],
            coach=coach,
            now=now,
        ):
            continue
        sponsor = team.senior_sponsor
        await record_event(
            session,
            TeamConfirmed(
                cohort_id=cohort.id,
                cohort_name=cohort.name,
                terms=terms,
                organisation=organisation_ref(team.organisation),
                organisation_team_count=organisation_counts[team.id],
                team_id=team.id,
                team_name=team.name,
                setting=team.setting,
                project_lead=Contact.model_validate(team.project_lead),
                senior_sponsor=Contact.model_validate(sponsor) if sponsor else None,
                purchase_order=team.purchase_order,
                invoice_references=invoice_references(team),
                coach_id=team.coach_id,
                confirmed_at=now,
            ),
            subject=str(team.id),
        )
        if coach is not None:
            await record_allocation(session, team, coach=coach)


# What a released expression of interest said, copied into the carried-forward one.
_CARRIED = (
    "organisation_id",
    "name",
    "service_type",
    "project_lead",
    *EOI_FACTS,
    "purchase_order",
    *INVOICE_REFERENCES,
)


async def carry_forward(
    session: AsyncSession,
    *,
    cohort_id: uuid.UUID,
    target_cohort_id: uuid.UUID,
    user: Principal,
    now: datetime,
) -> CarriedForward:
    """Copy a cancelled cohort's released EOIs into a later cohort as new submitted EOIs (once:
    a repeat call carries nothing new)."""
    source = await store.cohort(session, cohort_id)
    if target_cohort_id == cohort_id:
        raise Unprocessable(
            "the target cohort must be another cohort",
            errors=[{"field": "target_cohort_id", "message": "same as the source cohort"}],
        )
    target = await store.cohort(session, target_cohort_id, lock=True)
    if source.status != CohortStatus.CANCELLED.value:
        raise conflict(
            "only a cancelled cohort's expressions of interest are carried forward",
            "cohort-not-cancelled",
        )
    if cohort_status(target, now) not in (CohortStatus.OPEN, CohortStatus.CLOSED):
        raise conflict(f"the target cohort is already {target.status}", "cohort-decided")
    released = await store.teams_of(session, source.id, [TeamStatus.RELEASED])
    already = await store.carried_from(session, target.id)
    # A team that applied to the later cohort itself is not put forward twice.
    applied = {
        (t.organisation_id, team_name_key(t.name))
        for t in await store.teams_of(session, target.id, rules.LIVE_STATUSES)
    }
    duplicates = [
        old.id
        for old in released
        if old.id not in already and (old.organisation_id, team_name_key(old.name)) in applied
    ]
    carried = [
        Team(
            **{column: getattr(old, column) for column in _CARRIED},
            cohort_id=target.id,
            status=TeamStatus.SUBMITTED.value,
            late_entry=rules.deadline_passed(target.eoi_deadline, now),
            submitted_by=user.subject,
            submitted_at=now,
            carried_from_team_id=old.id,
        )
        for old in released
        if old.id not in already and old.id not in duplicates
    ]
    await store.add(session, *carried)
    organisations = {old.organisation_id: old.organisation for old in released}
    for team in carried:
        team.organisation = organisations[team.organisation_id]
        await record_eoi_submitted(session, team, cohort=target)
    return CarriedForward(
        source_cohort_id=cohort_id,
        target_cohort_id=target_cohort_id,
        carried_team_ids=[t.id for t in carried],
        already_carried=len(already & {t.id for t in released}),
        already_applied_team_ids=duplicates,
    )
