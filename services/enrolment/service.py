"""Enrolment use cases. Functions take the session explicitly, use keyword-only arguments and
never commit: the request owns the transaction, and events go to the outbox in it.

Concurrency: every change to a cohort or to one of its teams first locks the cohort row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite has one writer at a time). Go, no-go, accept,
decline, confirm and withdraw in one cohort therefore run one after another, and a second
"go" or a second "confirm" sees the first one's result and changes nothing. Coach rows are locked
(in id order) before allocating, so two confirmations never both take a coach's last place.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    RowMapping,
    Select,
    Table,
    Uuid,
    bindparam,
    cast,
    false,
    func,
    literal,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from services.enrolment import rules, schemas
from services.enrolment.models import Coach, Cohort, Organisation, Team
from services.enrolment.rules import CohortStatus, Decision, TeamStatus, TransitionRefused
from shared.auth import Principal, Role
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.events.enrolment import (
    Address,
    CoachAllocated,
    CohortCancelled,
    CohortConfirmed,
    CohortOpened,
    CohortTerms,
    CohortViable,
    Contact,
    EoiSubmitted,
    OrganisationRef,
    TeamConfirmed,
    TeamWithdrawn,
)
from shared.outbox import record_event

PROBLEM_BASE = "https://enjoying-work.example/problems/enrolment/"


def _refused(exc: TransitionRefused) -> Conflict:
    return Conflict(exc.detail, type=PROBLEM_BASE + exc.code)


# ------------------------------------------------------------------------------ organisations


async def create_organisation(
    session: AsyncSession, *, data: schemas.OrganisationCreate, now: datetime
) -> Organisation:
    if data.ods_code is not None:
        taken = await session.scalar(
            select(Organisation.id).where(Organisation.ods_code == data.ods_code)
        )
        if taken is not None:
            raise Conflict(
                f"an organisation with ODS code {data.ods_code} is already registered",
                type=PROBLEM_BASE + "duplicate-ods-code",
                organisation_id=str(taken),
            )
    organisation = Organisation(
        name=data.name,
        ods_code=data.ods_code,
        nation=data.nation,
        invoicing_address=data.invoicing_address.model_dump(),
        payables_code=data.payables_code,
        created_at=now,
    )
    session.add(organisation)
    await session.flush()  # a concurrent duplicate ODS code fails here on the unique key (409)
    return organisation


async def list_organisations(session: AsyncSession, *, user: Principal) -> Sequence[Organisation]:
    query = select(Organisation).order_by(Organisation.name, Organisation.id)
    if user.role is Role.team_lead:
        query = query.where(Organisation.id == user.organisation_id)
    return (await session.scalars(query)).all()


async def get_organisation(
    session: AsyncSession, *, organisation_id: uuid.UUID, user: Principal
) -> Organisation:
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None or (
        user.role is Role.team_lead and organisation.id != user.organisation_id
    ):
        raise NotFound("no such organisation")
    return organisation


# ------------------------------------------------------------------------------ cohorts


def terms_of(cohort: Cohort) -> CohortTerms:
    return CohortTerms(
        fee_per_team=rules.money(cohort.fee_per_team),
        multi_team_discount=rules.rate(cohort.multi_team_discount),
        vat_rate=rules.rate(cohort.vat_rate),
        start_date=cohort.start_date,
        lead_in_months=cohort.lead_in_months,
        coaching_months=cohort.coaching_months,
        withdrawal_credit_cutoff=cohort.withdrawal_credit_cutoff,
    )


def cohort_status(cohort: Cohort, now: datetime) -> CohortStatus:
    return rules.effective_status(
        CohortStatus(cohort.status), deadline=cohort.eoi_deadline, now=now
    )


async def open_cohort(
    session: AsyncSession, *, data: schemas.CohortCreate, now: datetime
) -> Cohort:
    try:
        deadline = rules.uk_wall_time_to_utc(data.eoi_deadline)
    except rules.NonexistentUkTime as exc:
        raise Unprocessable(
            "the deadline falls in the hour skipped when the clocks go forward",
            errors=[{"field": "eoi_deadline", "message": str(exc), "type": "value_error"}],
        ) from exc
    cohort = Cohort(
        name=data.name,
        status=CohortStatus.OPEN.value,
        eoi_deadline=deadline,
        minimum_teams=data.minimum_teams,
        start_date=data.start_date,
        lead_in_months=data.lead_in_months,
        coaching_months=data.coaching_months,
        fee_per_team=data.fee_per_team,
        multi_team_discount=data.multi_team_discount,
        vat_rate=data.vat_rate,
        withdrawal_credit_cutoff=data.withdrawal_credit_cutoff,
        created_at=now,
    )
    session.add(cohort)
    await session.flush()
    await record_event(
        session,
        CohortOpened(
            cohort_id=cohort.id,
            name=cohort.name,
            eoi_deadline=deadline,
            minimum_teams=cohort.minimum_teams,
            terms=terms_of(cohort),
        ),
        subject=str(cohort.id),
    )
    return cohort


async def list_cohorts(session: AsyncSession) -> Sequence[Cohort]:
    return (await session.scalars(select(Cohort).order_by(Cohort.eoi_deadline, Cohort.id))).all()


async def _get_cohort(session: AsyncSession, cohort_id: uuid.UUID, *, lock: bool = False) -> Cohort:
    query = select(Cohort).where(Cohort.id == cohort_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    cohort = await session.scalar(query)
    if cohort is None:
        raise NotFound("no such cohort", type=PROBLEM_BASE + "unknown-cohort")
    return cohort


async def cohort_viability(
    session: AsyncSession, *, cohort: Cohort, now: datetime
) -> rules.Viability:
    rows = (
        await session.execute(
            select(
                Team.status, Organisation.nation, Team.setting, Organisation.id, Organisation.name
            )
            .join(Organisation, Team.organisation_id == Organisation.id)
            .where(Team.cohort_id == cohort.id)
        )
    ).all()
    return rules.viability(
        (rules.TeamFacts(TeamStatus(r[0]), r[1], r[2], r[3], r[4]) for r in rows),
        minimum_teams=cohort.minimum_teams,
        deadline=cohort.eoi_deadline,
        now=now,
    )


async def get_cohort(
    session: AsyncSession, *, cohort_id: uuid.UUID, now: datetime
) -> tuple[Cohort, rules.Viability]:
    cohort = await _get_cohort(session, cohort_id)
    return cohort, await cohort_viability(session, cohort=cohort, now=now)


async def close_cohort(session: AsyncSession, *, cohort_id: uuid.UUID, now: datetime) -> Cohort:
    cohort = await _get_cohort(session, cohort_id, lock=True)
    try:
        new_status = rules.check_close(CohortStatus(cohort.status))
    except TransitionRefused as exc:
        raise _refused(exc) from exc
    if cohort.status != new_status:
        cohort.status = new_status.value
        cohort.closed_at = now
    return cohort


@dataclass(frozen=True)
class DecisionResult:
    cohort: Cohort
    confirmed_team_ids: list[uuid.UUID]
    released_team_ids: list[uuid.UUID]
    changed: bool


async def _accepted_count(session: AsyncSession, cohort_id: uuid.UUID) -> int:
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


async def decide(
    session: AsyncSession, *, cohort_id: uuid.UUID, data: schemas.DecisionRequest, now: datetime
) -> DecisionResult:
    """Go (confirm every accepted team, in this transaction) or no-go (release every team)."""
    cohort = await _get_cohort(session, cohort_id, lock=True)
    accepted = await _accepted_count(session, cohort.id)
    try:
        outcome = rules.check_decision(
            CohortStatus(cohort.status),
            data.decision,
            accepted=accepted,
            minimum_teams=cohort.minimum_teams,
            override_reason=data.override_reason,
            deadline=cohort.eoi_deadline,
            now=now,
        )
    except TransitionRefused as exc:
        raise _refused(exc) from exc
    if not outcome.changes:
        return DecisionResult(cohort, [], [], changed=False)
    # Compare-and-set on the status as a second line of defence: only one decision ever lands.
    moved = await session.execute(
        update(Cohort)
        .where(
            Cohort.id == cohort.id,
            Cohort.status.in_([CohortStatus.OPEN.value, CohortStatus.CLOSED.value]),
        )
        .values(
            status=outcome.new_status.value,
            decided_at=now,
            closed_at=func.coalesce(Cohort.closed_at, now),
            decision_override_reason=(
                data.override_reason
                if data.decision == Decision.GO and accepted < cohort.minimum_teams
                else None
            ),
            decision_reason=data.reason,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(cohort)
        return DecisionResult(cohort, [], [], changed=False)
    await session.refresh(cohort)
    if data.decision == Decision.GO:
        teams = (
            await session.scalars(
                select(Team)
                .where(Team.cohort_id == cohort.id, Team.status == TeamStatus.ACCEPTED.value)
                .order_by(Team.submitted_at, Team.id)
                .with_for_update(of=Team)
            )
        ).all()
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
        await _confirm_teams(session, cohort=cohort, teams=teams, now=now)
        return DecisionResult(cohort, [t.id for t in teams], [], changed=True)
    released = (
        await session.scalars(
            select(Team)
            .where(
                Team.cohort_id == cohort.id,
                Team.status.in_([TeamStatus.SUBMITTED.value, TeamStatus.ACCEPTED.value]),
            )
            .order_by(Team.submitted_at, Team.id)
            .with_for_update(of=Team)
        )
    ).all()
    for team in released:
        team.status = TeamStatus.RELEASED.value
        team.decided_at = now
    await record_event(
        session,
        CohortCancelled(cohort_id=cohort.id, reason=data.reason, team_ids=[t.id for t in released]),
        subject=str(cohort.id),
    )
    return DecisionResult(cohort, [], [t.id for t in released], changed=True)


async def carry_forward(
    session: AsyncSession,
    *,
    cohort_id: uuid.UUID,
    target_cohort_id: uuid.UUID,
    user: Principal,
    now: datetime,
) -> tuple[list[Team], int]:
    """Copy a cancelled cohort's released EOIs into a later cohort as new submitted EOIs."""
    source = await _get_cohort(session, cohort_id)
    if target_cohort_id == cohort_id:
        raise Unprocessable(
            "the target cohort must be another cohort",
            errors=[{"field": "target_cohort_id", "message": "same as the source cohort"}],
        )
    target = await _get_cohort(session, target_cohort_id, lock=True)
    if source.status != CohortStatus.CANCELLED.value:
        raise Conflict(
            "only a cancelled cohort's expressions of interest are carried forward",
            type=PROBLEM_BASE + "cohort-not-cancelled",
        )
    if cohort_status(target, now) not in (CohortStatus.OPEN, CohortStatus.CLOSED):
        raise Conflict(
            f"the target cohort is already {target.status}", type=PROBLEM_BASE + "cohort-decided"
        )
    released = (
        await session.scalars(
            select(Team)
            .where(Team.cohort_id == source.id, Team.status == TeamStatus.RELEASED.value)
            .order_by(Team.submitted_at, Team.id)
        )
    ).all()
    already = set(
        (
            await session.scalars(
                select(Team.carried_from_team_id).where(
                    Team.cohort_id == target.id, Team.carried_from_team_id.is_not(None)
                )
            )
        ).all()
    )
    carried: list[Team] = []
    for old in released:
        if old.id in already:
            continue
        team = Team(
            cohort_id=target.id,
            organisation_id=old.organisation_id,
            name=old.name,
            setting=old.setting,
            service_type=old.service_type,
            project_lead=old.project_lead,
            senior_sponsor=old.senior_sponsor,
            project_team=old.project_team,
            service_user_involvement=old.service_user_involvement,
            agreed_to_take_part=old.agreed_to_take_part,
            can_meet_commitment=old.can_meet_commitment,
            purchase_order=old.purchase_order,
            status=TeamStatus.SUBMITTED.value,
            late_entry=rules.deadline_passed(target.eoi_deadline, now),
            submitted_by=user.subject,
            submitted_at=now,
            carried_from_team_id=old.id,
        )
        session.add(team)
        carried.append(team)
    await session.flush()
    for team in carried:
        await _record_eoi_submitted(session, team)
    return carried, len(already & {t.id for t in released})


# ------------------------------------------------------------------------------ EOIs / teams


def _organisation_ref(organisation: Organisation) -> OrganisationRef:
    return OrganisationRef(
        id=organisation.id,
        name=organisation.name,
        ods_code=organisation.ods_code,
        nation=organisation.nation,
        invoicing_address=Address.model_validate(organisation.invoicing_address),
        payables_code=organisation.payables_code,
    )


async def _record_eoi_submitted(session: AsyncSession, team: Team) -> None:
    await record_event(
        session,
        EoiSubmitted(
            cohort_id=team.cohort_id,
            team_id=team.id,
            organisation_id=team.organisation_id,
            team_name=team.name,
            setting=team.setting,
            late_entry=team.late_entry,
        ),
        subject=str(team.id),
    )


def _check_eoi_rules(
    *,
    setting: str,
    senior_sponsor: object | None,
    project_team: Sequence[schemas.MemberIn] | Sequence[dict[str, object]],
    service_user_involvement: str | None,
    agreed_to_take_part: bool,
    can_meet_commitment: bool,
) -> None:
    members = [m if isinstance(m, dict) else m.model_dump() for m in project_team]
    errors = rules.eoi_errors(
        rules.EoiFacts(
            setting=setting,
            has_sponsor=senior_sponsor is not None,
            service_user_members=sum(1 for m in members if m.get("is_service_user")),
            service_user_involvement=service_user_involvement,
            agreed_to_take_part=agreed_to_take_part,
            can_meet_commitment=can_meet_commitment,
        )
    )
    if errors:
        raise Unprocessable(
            "the expression of interest is incomplete: see errors",
            type=PROBLEM_BASE + "incomplete-eoi",
            errors=[
                {"field": ".".join(str(p) for p in e.loc[1:]), "message": e.msg, "type": "eoi"}
                for e in errors
            ],
        )


async def submit_eoi(
    session: AsyncSession,
    *,
    cohort_id: uuid.UUID,
    data: schemas.EoiCreate,
    user: Principal,
    now: datetime,
) -> Team:
    cohort = await _get_cohort(session, cohort_id)
    if user.role is Role.team_lead and user.organisation_id != data.organisation_id:
        raise NotFound("no such organisation", type=PROBLEM_BASE + "unknown-organisation")
    organisation = await session.get(Organisation, data.organisation_id)
    if organisation is None:
        raise NotFound("no such organisation", type=PROBLEM_BASE + "unknown-organisation")
    if data.late_entry and user.role is not Role.coordinator:
        raise Forbidden("only a coordinator may submit a late entry")
    _check_eoi_rules(
        setting=data.setting,
        senior_sponsor=data.senior_sponsor,
        project_team=data.project_team,
        service_user_involvement=data.service_user_involvement,
        agreed_to_take_part=data.agreed_to_take_part,
        can_meet_commitment=data.can_meet_commitment,
    )
    try:
        rules.check_eoi_window(
            CohortStatus(cohort.status),
            deadline=cohort.eoi_deadline,
            now=now,
            late_entry=data.late_entry,
        )
    except TransitionRefused as exc:
        raise _refused(exc) from exc
    assert data.senior_sponsor is not None
    team = Team(
        cohort_id=cohort.id,
        organisation_id=organisation.id,
        name=data.team_name,
        setting=data.setting,
        service_type=data.service_type,
        project_lead=data.project_lead.model_dump(),
        senior_sponsor=data.senior_sponsor.model_dump(),
        project_team=[m.model_dump() for m in data.project_team],
        service_user_involvement=data.service_user_involvement,
        agreed_to_take_part=data.agreed_to_take_part,
        can_meet_commitment=data.can_meet_commitment,
        purchase_order=data.purchase_order,
        status=TeamStatus.SUBMITTED.value,
        # Recorded only when it mattered: the deadline had passed or the cohort was closed.
        late_entry=data.late_entry and cohort_status(cohort, now) != CohortStatus.OPEN,
        submitted_by=user.subject,
        submitted_at=now,
    )
    session.add(team)
    await session.flush()
    team.organisation = organisation
    await _record_eoi_submitted(session, team)
    return team


async def update_eoi(
    session: AsyncSession, *, team_id: uuid.UUID, data: schemas.EoiUpdate, user: Principal
) -> Team:
    """Change an EOI's details before it is confirmed (team leads: their own teams only)."""
    team = await _visible_team(session, team_id, user, lock=True)
    if team.status not in (TeamStatus.SUBMITTED.value, TeamStatus.ACCEPTED.value):
        raise Conflict(
            f"a {team.status} team's expression of interest can no longer be changed",
            type=PROBLEM_BASE + "team-state",
        )
    changes = data.model_dump(exclude_unset=True)
    required = [
        k
        for k in ("team_name", "service_type", "project_lead", "project_team")
        if k in changes and changes[k] is None
    ]
    if required:
        raise Unprocessable(
            "these fields cannot be emptied",
            errors=[{"field": k, "message": "required", "type": "missing"} for k in required],
        )
    merged_team = changes.get("project_team", team.project_team)
    _check_eoi_rules(
        setting=team.setting,
        senior_sponsor=changes.get("senior_sponsor", team.senior_sponsor),
        project_team=merged_team,
        service_user_involvement=changes.get(
            "service_user_involvement", team.service_user_involvement
        ),
        agreed_to_take_part=team.agreed_to_take_part,
        can_meet_commitment=team.can_meet_commitment,
    )
    for key, value in changes.items():
        setattr(team, "name" if key == "team_name" else key, value)
    return team


def _visibility(user: Principal) -> ColumnElement[bool] | None:
    """What of the team table the caller may see (None: everything)."""
    if user.role is Role.team_lead:
        return Team.organisation_id == user.organisation_id
    if user.role is Role.coach:
        # A coach token without a coach id sees nothing (never "teams with no coach").
        return Team.coach_id == user.coach_id if user.coach_id else false()
    return None


def _visible_query(user: Principal) -> Select[tuple[Team]]:
    query = select(Team)
    visible = _visibility(user)
    return query if visible is None else query.where(visible)


async def _visible_team(
    session: AsyncSession, team_id: uuid.UUID, user: Principal, *, lock: bool = False
) -> Team:
    """The team, if the caller may see it; other organisations' teams do not exist for them."""
    query = _visible_query(user).where(Team.id == team_id)
    if lock:
        query = query.with_for_update(of=Team).execution_options(populate_existing=True)
    team = await session.scalar(query)
    if team is None:
        raise NotFound("no such team", type=PROBLEM_BASE + "unknown-team")
    return team


# The team read, as plain columns (no ORM entities: the hot read builds its answer from a row).
_organisation_t: Table = Organisation.__table__  # type: ignore[assignment]
_coach_t: Table = Coach.__table__  # type: ignore[assignment]
_team_t: Table = Team.__table__  # type: ignore[assignment]
_TEAM_VIEW = (
    select(
        *(c for c in _team_t.c if c.key != "name"),
        _team_t.c.name.label("team_name"),
        _organisation_t.c.name.label("organisation_name"),
        _organisation_t.c.nation,
        _coach_t.c.name.label("coach_name"),
    )
    .select_from(
        _team_t.join(_organisation_t, _organisation_t.c.id == _team_t.c.organisation_id).outerjoin(
            _coach_t, _coach_t.c.id == _team_t.c.coach_id
        )
    )
    .where(_team_t.c.id == bindparam("team_id"))
)
_TEAM_VIEW_BY_ROLE = {
    None: _TEAM_VIEW,
    Role.team_lead: _TEAM_VIEW.where(_team_t.c.organisation_id == bindparam("organisation_id")),
    Role.coach: _TEAM_VIEW.where(_team_t.c.coach_id == bindparam("coach_id")),
}


async def get_team(session: AsyncSession, *, team_id: uuid.UUID, user: Principal) -> RowMapping:
    """One team with its organisation's name and nation and its coach's name, in one query."""
    role, params = _view_params(team_id, user)
    row = (await session.execute(_TEAM_VIEW_BY_ROLE[role], params)).mappings().one_or_none()
    if row is None:
        raise NotFound("no such team", type=PROBLEM_BASE + "unknown-team")
    return row


@dataclass(frozen=True)
class TeamFilters:
    cohort_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None
    status: str | None = None
    setting: str | None = None
    nation: str | None = None
    coach_id: uuid.UUID | None = None
    awaiting_coach: bool | None = None


async def list_teams(
    session: AsyncSession, *, user: Principal, filters: TeamFilters, limit: int, offset: int
) -> tuple[Sequence[Team], int]:
    query = _visible_query(user)
    if filters.cohort_id is not None:
        query = query.where(Team.cohort_id == filters.cohort_id)
    if filters.organisation_id is not None:
        query = query.where(Team.organisation_id == filters.organisation_id)
    if filters.status is not None:
        query = query.where(Team.status == filters.status)
    if filters.setting is not None:
        query = query.where(Team.setting == filters.setting)
    if filters.nation is not None:
        query = query.where(
            Team.organisation_id.in_(
                select(Organisation.id).where(Organisation.nation == filters.nation)
            )
        )
    if filters.coach_id is not None:
        query = query.where(Team.coach_id == filters.coach_id)
    if filters.awaiting_coach is not None:
        awaiting = (Team.status == TeamStatus.CONFIRMED.value) & Team.coach_id.is_(None)
        query = query.where(awaiting if filters.awaiting_coach else ~awaiting)
    total = int(
        await session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )
    items = (
        await session.scalars(
            query.order_by(Team.submitted_at, Team.id).limit(limit).offset(offset)
        )
    ).all()
    return items, total


def _visible_to(role: Role | None, query: Any) -> Any:
    """``query`` narrowed to what a caller of ``role`` may see (ids as bound parameters)."""
    if role is Role.team_lead:
        return query.where(Team.organisation_id == bindparam("organisation_id"))
    if role is Role.coach:
        return query.where(Team.coach_id == bindparam("coach_id"))
    return query


_VIEW_ROLES: tuple[Role | None, ...] = (None, Role.team_lead, Role.coach)
# Built once: building and cache-keying these costs more CPU than running them.
_LOCK_COHORT_OF_TEAM = {
    role: _visible_to(
        role,
        select(Cohort)
        .join(Team, Team.cohort_id == Cohort.id)
        .where(Team.id == bindparam("team_id")),
    )
    .with_for_update(of=Cohort)
    .execution_options(populate_existing=True)
    for role in _VIEW_ROLES
}
_LOCK_TEAM = {
    role: _visible_to(role, select(Team).where(Team.id == bindparam("team_id")))
    .with_for_update(of=Team)
    .execution_options(populate_existing=True)
    for role in _VIEW_ROLES
}


def _view_params(team_id: uuid.UUID, user: Principal) -> tuple[Role | None, dict[str, Any]]:
    if user.role is Role.coach and not user.coach_id:
        # A coach token without a coach id sees nothing (never "teams with no coach").
        raise NotFound("no such team", type=PROBLEM_BASE + "unknown-team")
    role = user.role if user.role in (Role.team_lead, Role.coach) else None
    return role, {
        "team_id": team_id,
        "organisation_id": user.organisation_id,
        "coach_id": user.coach_id,
    }


async def _team_in_locked_cohort(
    session: AsyncSession, team_id: uuid.UUID, user: Principal
) -> tuple[Team, Cohort]:
    """Lock the team's cohort first (the one lock order everyone follows), then the team.

    The cohort is found through the team and locked in one statement; the team is read (and
    locked) afresh once the cohort lock is held, so it shows what the previous holder did."""
    role, params = _view_params(team_id, user)
    cohort = await session.scalar(_LOCK_COHORT_OF_TEAM[role], params)
    if cohort is None:
        raise NotFound("no such team", type=PROBLEM_BASE + "unknown-team")
    team = await session.scalar(_LOCK_TEAM[role], params)
    if team is None:  # pragma: no cover - the cohort was found through this very team
        raise NotFound("no such team", type=PROBLEM_BASE + "unknown-team")
    return team, cohort


async def accept_team(
    session: AsyncSession, *, team_id: uuid.UUID, user: Principal, now: datetime
) -> Team:
    team, cohort = await _team_in_locked_cohort(session, team_id, user)
    try:
        changes = rules.check_team_action(
            "accept", TeamStatus(team.status), cohort_status(cohort, now)
        )
    except TransitionRefused as exc:
        raise _refused(exc) from exc
    if changes:
        team.status = TeamStatus.ACCEPTED.value
        team.decided_at = now
        team.decline_reason = None
        await session.flush()
        await _note_viability(session, cohort=cohort, now=now)
    return team


async def _note_viability(session: AsyncSession, *, cohort: Cohort, now: datetime) -> None:
    """Record ``enrolment.cohort.viable`` the first time accepted teams reach the minimum."""
    if cohort.viable_at is not None:
        return
    accepted = await _accepted_count(session, cohort.id)
    if accepted < cohort.minimum_teams:
        return
    marked = await session.execute(
        update(Cohort)
        .where(Cohort.id == cohort.id, Cohort.viable_at.is_(None))
        .values(viable_at=now)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount == 1:  # type: ignore[attr-defined]
        cohort.viable_at = now
        await record_event(
            session,
            CohortViable(
                cohort_id=cohort.id, accepted_teams=accepted, minimum_teams=cohort.minimum_teams
            ),
            subject=str(cohort.id),
        )


async def decline_team(
    session: AsyncSession,
    *,
    team_id: uuid.UUID,
    reason: str | None,
    user: Principal,
    now: datetime,
) -> Team:
    team, cohort = await _team_in_locked_cohort(session, team_id, user)
    try:
        changes = rules.check_team_action(
            "decline", TeamStatus(team.status), cohort_status(cohort, now)
        )
    except TransitionRefused as exc:
        raise _refused(exc) from exc
    if changes:
        team.status = TeamStatus.DECLINED.value
        team.decided_at = now
        team.decline_reason = reason
    return team


async def confirm_team(
    session: AsyncSession, *, team_id: uuid.UUID, user: Principal, now: datetime
) -> Team:
    """Confirm a late joiner into a confirmed cohort; confirming twice confirms once."""
    team, cohort = await _team_in_locked_cohort(session, team_id, user)
    try:
        changes = rules.check_team_action(
            "confirm", TeamStatus(team.status), cohort_status(cohort, now)
        )
    except TransitionRefused as exc:
        raise _refused(exc) from exc
    if changes:
        await _confirm_teams(session, cohort=cohort, teams=[team], now=now)
    return team


async def withdraw_team(
    session: AsyncSession,
    *,
    team_id: uuid.UUID,
    data: schemas.WithdrawRequest,
    user: Principal,
    now: datetime,
) -> Team:
    team, cohort = await _team_in_locked_cohort(session, team_id, user)
    try:
        changes = rules.check_team_action(
            "withdraw", TeamStatus(team.status), cohort_status(cohort, now)
        )
    except TransitionRefused as exc:
        raise _refused(exc) from exc
    if not changes:
        return team
    was_confirmed = team.status == TeamStatus.CONFIRMED.value
    withdrawn_on: date = data.withdrawn_on or rules.uk_today(now)
    team.status = TeamStatus.WITHDRAWN.value
    team.withdrawn_on = withdrawn_on
    team.withdrawal_reason = data.reason
    if was_confirmed:
        # Only confirmed teams are known to the other services (billing credits, rosters).
        await record_event(
            session,
            TeamWithdrawn(
                cohort_id=cohort.id,
                team_id=team.id,
                organisation_id=team.organisation_id,
                reason=data.reason,
                withdrawn_on=withdrawn_on,
            ),
            subject=str(team.id),
        )
    return team


# ------------------------------------------------------------------------------ confirmation


_LOADS = (
    select(
        literal(0, Integer),
        Team.coach_id,
        cast(null(), Uuid).label("organisation_id"),
        func.count(),
    )
    .where(Team.status == TeamStatus.CONFIRMED.value, Team.coach_id.is_not(None))
    .group_by(Team.coach_id)
)
_IN_COHORT = (
    Team.cohort_id == bindparam("cohort_id"),
    Team.organisation_id.in_(bindparam("organisation_ids", expanding=True)),
)
# Every coach's load (tag 0); for the organisations being confirmed, their teams per coach in
# the cohort (tag 1) and their confirmed teams in the cohort (tag 2): one statement.
_LOADS_AND_COUNTS = union_all(
    _LOADS,
    select(literal(1, Integer), Team.coach_id, Team.organisation_id, func.count())
    .where(*_IN_COHORT, Team.status == TeamStatus.CONFIRMED.value, Team.coach_id.is_not(None))
    .group_by(Team.coach_id, Team.organisation_id),
    select(literal(2, Integer), cast(null(), Uuid), Team.organisation_id, func.count())
    .where(*_IN_COHORT, Team.confirmed_at.is_not(None))
    .group_by(Team.organisation_id),
)
_LOCK_COACHES = select(Coach).order_by(Coach.id).with_for_update()
# Compare-and-set: a team already confirmed by someone else is never confirmed again.
_CONFIRM_TEAM = (
    update(_team_t)
    .where(
        _team_t.c.id == bindparam("p_team_id"),
        _team_t.c.status.in_([TeamStatus.SUBMITTED.value, TeamStatus.ACCEPTED.value]),
    )
    .values(
        status=TeamStatus.CONFIRMED.value,
        confirmed_at=bindparam("p_now"),
        decided_at=func.coalesce(_team_t.c.decided_at, bindparam("p_now")),
        organisation_team_count=bindparam("p_count"),
        coach_id=bindparam("p_coach_id"),
    )
)


async def _coach_loads(session: AsyncSession) -> dict[uuid.UUID, int]:
    """Confirmed teams per coach, across cohorts (a withdrawn team frees its place)."""
    rows = await session.execute(_LOADS)
    return {coach_id: int(n) for _kind, coach_id, _org, n in rows.all() if coach_id is not None}


@dataclass
class _Counts:
    """What allocation needs, read in one statement once the coach rows are locked."""

    loads: dict[uuid.UUID, int]
    by_coach: dict[uuid.UUID, Counter[uuid.UUID]]  # coach -> organisation -> teams in cohort
    confirmed_before: Counter[uuid.UUID]  # organisation -> teams ever confirmed in cohort


async def _confirmed_counts(
    session: AsyncSession, cohort_id: uuid.UUID, organisation_ids: Collection[uuid.UUID]
) -> _Counts:
    """Every coach's load, plus (for ``organisation_ids`` only) their teams per coach in the
    cohort and their confirmed teams in the cohort: one UNION ALL, rows tagged 0/1/2."""
    if organisation_ids:
        query: Any = _LOADS_AND_COUNTS
        params = {"cohort_id": cohort_id, "organisation_ids": list(organisation_ids)}
    else:
        query, params = _LOADS, {}
    counts = _Counts({}, {}, Counter())
    for kind, coach_id, org_id, n in (await session.execute(query, params)).all():
        if kind == 0:
            counts.loads[coach_id] = int(n)
        elif kind == 1:
            counts.by_coach.setdefault(coach_id, Counter())[org_id] = int(n)
        else:
            counts.confirmed_before[org_id] = int(n)
    return counts


async def _locked_coaches(session: AsyncSession) -> Sequence[Coach]:
    """Every coach, rows locked in id order (no deadlocks): loads are read after this."""
    return (await session.scalars(_LOCK_COACHES)).all()


def _coach_loads_of(coaches: Sequence[Coach], counts: _Counts) -> list[rules.CoachLoad]:
    return [
        rules.CoachLoad(
            coach_id=c.id,
            name=c.name,
            capacity=c.capacity,
            load=counts.loads.get(c.id, 0),
            organisations=counts.by_coach.get(c.id, Counter()),
        )
        for c in coaches
    ]


async def _confirm_teams(
    session: AsyncSession, *, cohort: Cohort, teams: Sequence[Team], now: datetime
) -> None:
    """Confirm ``teams`` (all of one cohort, already locked), allocate coaches and record one
    ``enrolment.team.confirmed`` per team (and ``enrolment.coach.allocated`` per allocation)."""
    if not teams:
        return
    pairs = [(t.id, t.organisation_id) for t in teams]
    coaches = await _locked_coaches(session)
    counts = await _confirmed_counts(session, cohort.id, {org_id for _, org_id in pairs})
    organisation_counts = rules.organisation_team_counts(counts.confirmed_before, pairs)
    allocation = rules.allocate_coaches(pairs, _coach_loads_of(coaches, counts))
    by_id = {c.id: c for c in coaches}
    terms = terms_of(cohort)
    for team in teams:
        allocated = allocation[team.id]
        coach = by_id[allocated] if allocated is not None else None
        moved = await session.execute(
            _CONFIRM_TEAM,
            {
                "p_team_id": team.id,
                "p_now": now,
                "p_count": organisation_counts[team.id],
                "p_coach_id": coach.id if coach else None,
            },
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            continue
        # The row is locked by us: what the UPDATE wrote is known, so no reload.
        for key, value in (
            ("status", TeamStatus.CONFIRMED.value),
            ("confirmed_at", now),
            ("decided_at", team.decided_at or now),
            ("organisation_team_count", organisation_counts[team.id]),
            ("coach_id", coach.id if coach else None),
            ("coach", coach),
        ):
            set_committed_value(team, key, value)
        await record_event(
            session,
            TeamConfirmed(
                cohort_id=cohort.id,
                cohort_name=cohort.name,
                terms=terms,
                organisation=_organisation_ref(team.organisation),
                organisation_team_count=organisation_counts[team.id],
                team_id=team.id,
                team_name=team.name,
                setting=team.setting,
                project_lead=Contact.model_validate(team.project_lead),
                purchase_order=team.purchase_order,
                coach_id=team.coach_id,
                confirmed_at=now,
            ),
            subject=str(team.id),
        )
        if coach is not None:
            await record_event(
                session,
                CoachAllocated(
                    cohort_id=cohort.id, team_id=team.id, coach_id=coach.id, coach_name=coach.name
                ),
                subject=str(team.id),
            )


# ------------------------------------------------------------------------------ coaches


@dataclass(frozen=True)
class CoachWithLoad:
    coach: Coach
    load: int

    @property
    def free(self) -> int:
        return max(self.coach.capacity - self.load, 0)


async def create_coach(session: AsyncSession, *, data: schemas.CoachCreate, now: datetime) -> Coach:
    taken = await session.scalar(select(Coach.id).where(Coach.email == data.email))
    if taken is not None:
        raise Conflict(
            f"a coach with email {data.email} is already registered",
            type=PROBLEM_BASE + "duplicate-coach",
        )
    coach = Coach(name=data.name, email=data.email, capacity=data.capacity, created_at=now)
    session.add(coach)
    await session.flush()
    return coach


async def list_coaches(session: AsyncSession) -> list[CoachWithLoad]:
    loads = await _coach_loads(session)
    coaches = (await session.scalars(select(Coach).order_by(Coach.name, Coach.id))).all()
    return [CoachWithLoad(c, int(loads.get(c.id, 0))) for c in coaches]


async def assign_coach(
    session: AsyncSession, *, team_id: uuid.UUID, coach_id: uuid.UUID, user: Principal
) -> Team:
    """Reassign a confirmed team (or give an awaiting team its coach), never over capacity."""
    team, cohort = await _team_in_locked_cohort(session, team_id, user)
    if team.status != TeamStatus.CONFIRMED.value:
        raise Conflict(
            "only a confirmed team has a coach", type=PROBLEM_BASE + "team-not-confirmed"
        )
    coaches = await _locked_coaches(session)
    counts = await _confirmed_counts(session, cohort.id, ())
    loads = {c.coach_id: c for c in _coach_loads_of(coaches, counts)}
    target = loads.get(coach_id)
    if target is None:
        raise NotFound("no such coach", type=PROBLEM_BASE + "unknown-coach")
    if team.coach_id == coach_id:
        return team
    if target.free <= 0:
        raise Conflict(
            f"{target.name} already has {target.load} of {target.capacity} teams",
            type=PROBLEM_BASE + "coach-full",
        )
    previous = team.coach_id
    team.coach_id = coach_id
    await session.flush()
    await session.refresh(team)
    await record_event(
        session,
        CoachAllocated(
            cohort_id=cohort.id,
            team_id=team.id,
            coach_id=coach_id,
            coach_name=target.name,
            previous_coach_id=previous,
        ),
        subject=str(team.id),
    )
    return team
