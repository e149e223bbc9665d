"""What a principal may read, said once, and the reads and locks of one team that go through it.

- A **team lead** reads their own organisation and its teams.
- A **coach** reads the teams they coach (confirmed: a withdrawn team is no longer theirs); a
  coach token without a coach id reads no team (never "the teams with no coach").
- An **applicant** reads the expressions of interest they submitted, and no organisation.
- Everyone else a route lets in (coordinators, finance) reads everything.

Another organisation's team or organisation answers 404, as if it did not exist: every read of a
team or an organisation for a person starts from :func:`readable_teams` or
:func:`readable_organisations`, or from a prepared statement built from the same rule.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, RowMapping, Select, Table, bindparam, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment.models import Coach, Cohort, Organisation, Team
from services.enrolment.problems import unknown_team
from services.enrolment.rules import TeamStatus
from shared.auth import Principal, Role

_team: Table = Team.__table__  # type: ignore[assignment]
_organisation: Table = Organisation.__table__  # type: ignore[assignment]
_coach: Table = Coach.__table__  # type: ignore[assignment]


class TeamScope(Enum):
    """Which teams a principal reads."""

    EVERY_TEAM = "every team"
    OWN_ORGANISATION = "their organisation's teams"
    COACHED = "the teams they coach"
    OWN_APPLICATIONS = "the expressions of interest they submitted"
    NONE = "no team"


def team_scope(principal: Principal) -> TeamScope:
    if principal.role is Role.team_lead:
        return TeamScope.OWN_ORGANISATION
    if principal.role is Role.coach:
        return TeamScope.COACHED if principal.coach_id else TeamScope.NONE
    if principal.role is Role.applicant:
        return TeamScope.OWN_APPLICATIONS
    return TeamScope.EVERY_TEAM


def _team_rule(scope: TeamScope) -> ColumnElement[bool] | None:
    """The rule of ``scope`` on the team table, the principal's ids as bound parameters (so that
    statements built with it are built once); ``None``: every team."""
    if scope is TeamScope.OWN_ORGANISATION:
        return _team.c.organisation_id == bindparam("organisation_id")
    if scope is TeamScope.COACHED:
        return (_team.c.coach_id == bindparam("coach_id")) & (
            _team.c.status == TeamStatus.CONFIRMED.value
        )
    if scope is TeamScope.OWN_APPLICATIONS:
        return _team.c.submitted_by == bindparam("subject")
    if scope is TeamScope.NONE:
        return false()
    return None


def _params(principal: Principal) -> dict[str, Any]:
    return {
        "organisation_id": principal.organisation_id,
        "coach_id": principal.coach_id,
        "subject": principal.subject,
    }


_S = TypeVar("_S", bound=Select[Any])


def _within(scope: TeamScope, query: _S) -> _S:
    rule = _team_rule(scope)
    return query if rule is None else query.where(rule)


def readable_teams(principal: Principal) -> Select[tuple[Team]]:
    """Every team ``principal`` may read."""
    scope = team_scope(principal)
    query = _within(scope, select(Team))
    return query if scope is TeamScope.EVERY_TEAM else query.params(_params(principal))


def readable_organisations(principal: Principal) -> Select[tuple[Organisation]]:
    """Every organisation ``principal`` may read: a team lead their own, an applicant none (they
    name theirs by its ODS code), other readers all."""
    query = select(Organisation)
    if principal.role is Role.team_lead:
        query = query.where(Organisation.id == principal.organisation_id)
    elif principal.role is Role.applicant:
        query = query.where(false())
    return query


# --- one team, on the hot paths: statements built once per scope (building and cache-keying
# them costs more CPU than running them), run with the principal's ids as parameters.

_ONE_TEAM = _team.c.id == bindparam("team_id")
_LOCK_COHORT_OF_TEAM = {
    scope: _within(scope, select(Cohort).join(_team, _team.c.cohort_id == Cohort.id))
    .where(_ONE_TEAM)
    .with_for_update(of=Cohort)
    .execution_options(populate_existing=True)
    for scope in TeamScope
}
_LOCK_TEAM = {
    scope: _within(scope, select(Team))
    .where(_ONE_TEAM)
    .with_for_update(of=Team)
    .execution_options(populate_existing=True)
    for scope in TeamScope
}
# The team read as plain columns (no ORM entities: the hot read builds its answer from a row):
# every column of the team table, with its organisation's name, verification and nation and its
# coach's name.
_TEAM_VIEW = {
    scope: _within(
        scope,
        select(
            *(c for c in _team.c if c.key != "name"),
            _team.c.name.label("team_name"),
            _organisation.c.name.label("organisation_name"),
            _organisation.c.verified.label("organisation_verified"),
            _organisation.c.nation,
            _coach.c.name.label("coach_name"),
        ).select_from(
            _team.join(_organisation, _organisation.c.id == _team.c.organisation_id).outerjoin(
                _coach, _coach.c.id == _team.c.coach_id
            )
        ),
    ).where(_ONE_TEAM)
    for scope in TeamScope
}


def _one_team(team_id: uuid.UUID, principal: Principal) -> tuple[TeamScope, dict[str, Any]]:
    return team_scope(principal), {"team_id": team_id, **_params(principal)}


async def team_view(session: AsyncSession, team_id: uuid.UUID, principal: Principal) -> RowMapping:
    """One team with its organisation's name and nation and its coach's name, in one query."""
    scope, params = _one_team(team_id, principal)
    row = (await session.execute(_TEAM_VIEW[scope], params)).mappings().one_or_none()
    if row is None:
        raise unknown_team()
    return row


async def lock_team_in_cohort(
    session: AsyncSession, team_id: uuid.UUID, principal: Principal
) -> tuple[Team, Cohort]:
    """Lock the team's cohort first (the one lock order everyone follows), then the team.

    The cohort is found through the team and locked in one statement; the team is read (and
    locked) afresh once the cohort lock is held, so it shows what the previous holder did."""
    scope, params = _one_team(team_id, principal)
    cohort = await session.scalar(_LOCK_COHORT_OF_TEAM[scope], params)
    if cohort is None:
        raise unknown_team()
    team = await session.scalar(_LOCK_TEAM[scope], params)
    if team is None:  # pragma: no cover - the cohort was found through this very team
        raise unknown_team()
    return team, cohort
