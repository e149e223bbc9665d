"""Project set-up in the lead-in: the project team (members by role or grade, service users,
the data champion; the project lead and senior sponsor come from enrolment) and the aim
statement (what will improve, by how much, by when, for whom), agreed with the coach."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement import store, teams
from services.improvement.inputs import Input, Name, Text, Words, apply_changes
from services.improvement.models import Aim, ProjectMember
from services.improvement.problems import present, problem
from services.improvement.store import project as project_store
from shared.auth import Principal
from shared.clock import uk_date
from shared.errors import Conflict, NotFound


class MemberIn(Input):
    role: Name = Field(description="Role or grade, e.g. 'Band 5 staff nurse', 'Service user'")
    name: Name | None = Field(
        default=None, description="As the member wishes to be shown (optional)"
    )
    is_service_user: bool = False
    is_data_champion: bool = Field(
        default=False, description="The team's one data champion (moves from anyone else)"
    )


class MemberUpdate(Input):
    role: Name | None = None
    name: Name | None = None
    is_service_user: bool | None = None
    is_data_champion: bool | None = None


class AimIn(Input):
    what: Words = Field(description="What will improve, e.g. 'Increase the staff who ...'")
    how_much: Words = Field(description="By how much, e.g. 'from 40% to 60%'")
    by_when: date
    for_whom: Text | None = None


async def list_members(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, include_former: bool
) -> Sequence[ProjectMember]:
    team = await teams.readable_team(session, user, team_id)
    return await project_store.members(session, team.id, current_only=not include_former)


async def _champion(session: AsyncSession, member: ProjectMember) -> None:
    """One data champion per team: naming one relieves any other."""
    for other in await project_store.members(session, member.team_id, current_only=True):
        if other.id != member.id and other.is_data_champion:
            other.is_data_champion = False
            await store.save(session, other)


async def add_member(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, data: MemberIn, now: datetime
) -> ProjectMember:
    team = await teams.writable_team(session, user, team_id)
    member = ProjectMember(team_id=team.id, **data.model_dump(), joined_on=uk_date(now))
    await store.save(session, member)
    if member.is_data_champion:
        await _champion(session, member)
    return member


async def _current_member(
    session: AsyncSession, user: Principal, team_id: uuid.UUID, member_id: uuid.UUID
) -> ProjectMember:
    team = await teams.writable_team(session, user, team_id)
    member = await project_store.member(session, member_id)
    if member is None or member.team_id != team.id or member.left_on is not None:
        raise NotFound("no such member of the project team", type=problem("unknown-member"))
    return member


async def update_member(
    session: AsyncSession,
    *,
    user: Principal,
    team_id: uuid.UUID,
    member_id: uuid.UUID,
    data: MemberUpdate,
) -> ProjectMember:
    member = await _current_member(session, user, team_id, member_id)
    apply_changes(member, data, clearable=("name",))
    await store.save(session, member)
    if member.is_data_champion:
        await _champion(session, member)
    return member


async def remove_member(
    session: AsyncSession,
    *,
    user: Principal,
    team_id: uuid.UUID,
    member_id: uuid.UUID,
    now: datetime,
) -> None:
    """The member leaves the project team (kept, with the day, for the meetings they attended)."""
    member = await _current_member(session, user, team_id, member_id)
    member.left_on = uk_date(now)
    member.is_data_champion = False
    await store.save(session, member)


async def aim(session: AsyncSession, *, user: Principal, team_id: uuid.UUID) -> Aim:
    team = await teams.readable_team(session, user, team_id)
    return present(await project_store.aim(session, team.id), "the team has no aim yet", "no-aim")


async def set_aim(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, data: AimIn, now: datetime
) -> Aim:
    """Write or rewrite the aim; a changed aim needs agreeing again."""
    team = await teams.writable_team(session, user, team_id)
    found = await project_store.aim(session, team.id) or Aim(team_id=team.id, revision=0)
    changed = (found.what, found.how_much, found.by_when, found.for_whom) != (
        data.what,
        data.how_much,
        data.by_when,
        data.for_whom,
    )
    if changed:
        found.what, found.how_much = data.what, data.how_much
        found.by_when, found.for_whom = data.by_when, data.for_whom
        found.revision += 1
        found.agreed_on = None
        found.updated_at = now
        await store.save(session, found)
    return found


async def agree_aim(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, now: datetime
) -> Aim:
    """The team, its coach and sponsor agreed the aim as it stands."""
    team = await teams.writable_team(session, user, team_id)
    found = await project_store.aim(session, team.id)
    if found is None:
        raise Conflict("write the aim statement first", type=problem("aim-not-written"))
    if found.agreed_on is None:
        found.agreed_on = uk_date(now)
        await store.save(session, found)
    return found
