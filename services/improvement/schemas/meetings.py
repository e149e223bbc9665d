"""Project meetings and their actions."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from services.improvement.meetings import ActionIn, ActionUpdate, MeetingIn, MeetingView
from services.improvement.models import Meeting, MeetingAction
from services.improvement.schemas import Out

__all__ = ["ActionIn", "ActionUpdate", "MeetingIn"]


class ActionOut(Out):
    id: uuid.UUID
    meeting_id: uuid.UUID
    description: str
    owner: str
    due_on: date | None
    done_on: date | None
    open: bool


def action_out(action: MeetingAction) -> ActionOut:
    return ActionOut(
        id=action.id,
        meeting_id=action.meeting_id,
        description=action.description,
        owner=action.owner,
        due_on=action.due_on,
        done_on=action.done_on,
        open=action.done_on is None,
    )


class MeetingSummaryOut(Out):
    id: uuid.UUID
    team_id: uuid.UUID
    held_on: date
    coach_present: bool
    attendees: int
    logged_at: datetime


def meeting_summary_out(meeting: Meeting) -> MeetingSummaryOut:
    return MeetingSummaryOut(
        id=meeting.id,
        team_id=meeting.team_id,
        held_on=meeting.held_on,
        coach_present=meeting.coach_present,
        attendees=len(meeting.attendee_member_ids) + len(meeting.other_attendees),
        logged_at=meeting.logged_at,
    )


class MeetingOut(Out):
    id: uuid.UUID
    team_id: uuid.UUID
    held_on: date
    coach_present: bool
    attendee_member_ids: list[uuid.UUID]
    other_attendees: list[str]
    notes: str | None
    logged_at: datetime
    actions: list[ActionOut]
    carried_over: list[ActionOut]


def meeting_out(view: MeetingView) -> MeetingOut:
    m = view.meeting
    return MeetingOut(
        id=m.id,
        team_id=m.team_id,
        held_on=m.held_on,
        coach_present=m.coach_present,
        attendee_member_ids=[uuid.UUID(i) for i in m.attendee_member_ids],
        other_attendees=list(m.other_attendees),
        notes=m.notes,
        logged_at=m.logged_at,
        actions=[action_out(a) for a in view.actions],
        carried_over=[action_out(a) for a in view.carried_over],
    )
