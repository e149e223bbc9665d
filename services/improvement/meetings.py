"""Project meetings: the team meets weekly or fortnightly with its coach. A log of meetings (day,
who attended by role, whether the coach was there, notes) and their actions (owner, due day),
carried over from meeting to meeting until done. Lapses: ``lapses.py``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement import store, teams
from services.improvement.inputs import Input, LongText, Name, Words, apply_changes
from services.improvement.models import Meeting, MeetingAction
from services.improvement.problems import present, problem
from services.improvement.store import meetings as meeting_store
from services.improvement.store import project as project_store
from services.improvement.store.access import readable_row
from shared.auth import Principal
from shared.clock import uk_date
from shared.errors import Unprocessable


class ActionIn(Input):
    description: Words
    owner: Name = Field(description="Who will do it (a member's role or name)")
    due_on: date | None = None


class MeetingIn(Input):
    held_on: date = Field(description="UK date of the meeting (today or earlier)")
    coach_present: bool
    attendee_member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    other_attendees: list[Name] = Field(
        default_factory=list, max_length=50, description="Others present, by role"
    )
    notes: LongText | None = None
    actions: list[ActionIn] = Field(default_factory=list, max_length=50)
    completed_action_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=100, description="Open actions done by this meeting"
    )


class ActionUpdate(Input):
    description: Words | None = None
    owner: Name | None = None
    due_on: date | None = None
    done_on: date | None = Field(default=None, description="The day it was done; null reopens it")


@dataclass(frozen=True)
class MeetingView:
    meeting: Meeting
    actions: Sequence[MeetingAction]
    carried_over: Sequence[MeetingAction]


def _not_after_today(day: date, now: datetime, what: str) -> None:
    if day > uk_date(now):
        raise Unprocessable(f"{what} is in the future", type=problem("future-date"))


async def _view(session: AsyncSession, meeting: Meeting) -> MeetingView:
    return MeetingView(
        meeting,
        await meeting_store.actions_raised(session, meeting.id),
        await meeting_store.actions_carried_over(session, meeting.team_id, meeting.held_on),
    )


async def log_meeting(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, data: MeetingIn, now: datetime
) -> MeetingView:
    team = await teams.writable_team(session, user, team_id)
    _not_after_today(data.held_on, now, "held_on")
    members = {m.id for m in await project_store.members(session, team.id, current_only=False)}
    if set(data.attendee_member_ids) - members:
        raise Unprocessable(
            "attendee_member_ids names someone not on the project team",
            type=problem("unknown-reference"),
        )
    done = await meeting_store.open_actions(session, team.id, data.completed_action_ids)
    if len(done) != len(set(data.completed_action_ids)):
        raise Unprocessable(
            "completed_action_ids names an action that is not open for this team",
            type=problem("unknown-reference"),
        )
    meeting = Meeting(
        team_id=team.id,
        held_on=data.held_on,
        coach_present=data.coach_present,
        attendee_member_ids=[str(m) for m in dict.fromkeys(data.attendee_member_ids)],
        other_attendees=list(data.other_attendees),
        notes=data.notes,
        logged_at=now,
    )
    await store.save(session, meeting)
    for item in done:
        item.done_on = data.held_on
    raised = [
        MeetingAction(team_id=team.id, meeting_id=meeting.id, **a.model_dump())
        for a in data.actions
    ]
    await store.save_all(session, [*done, *raised])
    return await _view(session, meeting)


async def list_meetings(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID
) -> Sequence[Meeting]:
    team = await teams.readable_team(session, user, team_id)
    return await meeting_store.meetings(session, team.id)


async def meeting(session: AsyncSession, *, user: Principal, meeting_id: uuid.UUID) -> MeetingView:
    found = await readable_row(session, user, Meeting, meeting_id)
    return await _view(session, present(found, "no such meeting", "unknown-meeting"))


async def list_actions(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, open_only: bool
) -> Sequence[MeetingAction]:
    team = await teams.readable_team(session, user, team_id)
    return await meeting_store.actions(session, team.id, open_only=open_only)


async def update_action(
    session: AsyncSession,
    *,
    user: Principal,
    action_id: uuid.UUID,
    data: ActionUpdate,
    now: datetime,
) -> MeetingAction:
    found = await readable_row(session, user, MeetingAction, action_id)
    found = present(found, "no such action", "unknown-action")
    await teams.writable_team(session, user, found.team_id)
    item = await store.locked(session, MeetingAction, action_id)
    assert item is not None
    if data.done_on is not None:
        _not_after_today(data.done_on, now, "done_on")
    apply_changes(item, data, clearable=("due_on", "done_on"))
    return await store.save(session, item)
