"""What a principal may read, said once. Every read for a person or a trust system goes through
the readable statement of teams, the aggregate that series, charts and notes belong to:

- coordinators read every team;
- team leads, and their organisation's trust systems (its API keys), read that organisation's teams;
- coaches read the teams they coach;
- anyone else reads none.

A team the caller may not read answers 404, exactly like a team that does not exist, so others'
team ids are never confirmed.

Small numbers: outside the team itself, a period value built from too few responses is withheld
(``withholds_small_numbers``). The team itself is its organisation's project leads and trust
systems (the organisation that holds its staff's data); coordinators and coaches are outside it.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Boolean, Select, bindparam, or_, select

from services.measurement.models import Team
from shared.auth import Principal, Role

# The rule as one condition on the team table, the principal given as its parameters (see
# ``reader``): one statement for everyone, so the hot chart read keeps one prepared statement.
READABLE_TEAM = or_(
    bindparam("reader_sees_all", type_=Boolean),
    Team.organisation_id == bindparam("reader_organisation"),
    Team.coach_id == bindparam("reader_coach"),
)


def reader(principal: Principal) -> dict[str, Any]:
    """The parameters of ``READABLE_TEAM`` for a principal (None matches no team)."""
    by_organisation = principal.role == Role.team_lead or principal.is_machine
    return {
        "reader_sees_all": principal.role == Role.coordinator,
        "reader_organisation": principal.organisation_id if by_organisation else None,
        "reader_coach": principal.coach_id if principal.role == Role.coach else None,
    }


def readable_teams(*columns: Any) -> Select[Any]:
    """The teams (``columns`` of them, or the rows) that a reader may read: execute it with
    ``reader(principal)`` among its parameters."""
    return select(*(columns or (Team,))).select_from(Team).where(READABLE_TEAM)


def readable_teams_of(principal: Principal, *columns: Any) -> Select[Any]:
    """``readable_teams`` with ``principal`` already given as the reader."""
    return readable_teams(*columns).params(reader(principal))


def withholds_small_numbers(principal: Principal, organisation_id: uuid.UUID) -> bool:
    """Whether the principal is outside the team (of this organisation) whose data it reads."""
    own = principal.role == Role.team_lead or principal.is_machine
    return not (own and principal.organisation_id == organisation_id)
