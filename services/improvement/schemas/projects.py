"""Teams, project set-up and readiness, meetings, what matters and multi-voting."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from services.improvement.meetings import MeetingView
from services.improvement.models import Aim, Meeting, MeetingAction
from services.improvement.readiness import CohortReadiness, TeamReadiness
from services.improvement.rules.aims import aim_statement
from services.improvement.rules.programme import Phase
from services.improvement.rules.readiness import CHECK_KEYS, CHECK_LABELS, CheckKey
from services.improvement.schemas import Out
from services.improvement.teams import TeamView
from services.improvement.voting import OpenedRound, RoundView

# --- teams, project set-up, readiness -----------------------------------------------------


class ContactOut(Out):
    name: str
    email: str
    job_title: str


class ProgrammeOut(Out):
    start_date: date
    lead_in_months: int
    coaching_months: int
    coaching_starts_on: date
    ends_on: date


class TeamOut(Out):
    id: uuid.UUID
    name: str
    cohort_id: uuid.UUID
    cohort_name: str
    organisation_id: uuid.UUID
    organisation_name: str
    setting: str
    status: str
    withdrawn_on: date | None
    project_lead: ContactOut
    senior_sponsor: ContactOut | None
    coach_id: uuid.UUID | None
    coach_name: str | None
    programme: ProgrammeOut
    phase: Phase
    programme_month: int | None

    @classmethod
    def shaped(cls, v: TeamView) -> dict[str, Any]:
        return cls.attrs(v.team) | cls.attrs(v)


class MemberOut(Out):
    id: uuid.UUID
    team_id: uuid.UUID
    name: str | None
    role: str
    is_service_user: bool
    is_data_champion: bool
    joined_on: date
    left_on: date | None


class AimOut(Out):
    team_id: uuid.UUID
    what: str
    how_much: str
    by_when: date
    for_whom: str | None
    statement: str = Field(description="The aim in one sentence")
    revision: int
    agreed: bool
    agreed_on: date | None
    updated_at: datetime

    @classmethod
    def shaped(cls, v: Aim) -> dict[str, Any]:
        sentence = aim_statement(
            what=v.what, how_much=v.how_much, by_when=v.by_when, for_whom=v.for_whom
        )
        return cls.attrs(v) | {"statement": sentence, "agreed": v.agreed_on is not None}


class CheckOut(Out):
    key: CheckKey
    label: str
    met: bool
    detail: str


class ReadinessOut(Out):
    team_id: uuid.UUID
    team_name: str
    ready: bool
    checks: list[CheckOut]

    @classmethod
    def shaped(cls, v: TeamReadiness) -> dict[str, Any]:
        checks = [{**vars(c), "label": CHECK_LABELS[c.key]} for c in v.readiness.checks]
        return {"team_id": v.team.id, "team_name": v.team.name, "ready": v.readiness.ready} | {
            "checks": checks
        }


class CheckCountOut(Out):
    key: CheckKey
    label: str
    teams_met: int


class CohortReadinessOut(Out):
    cohort_id: uuid.UUID
    cohort_name: str
    coaching_starts_on: date
    teams: int
    teams_ready: int
    checks: list[CheckCountOut]
    readiness: list[ReadinessOut]

    @classmethod
    def shaped(cls, v: CohortReadiness) -> dict[str, Any]:
        counts = [{"key": k, "label": CHECK_LABELS[k], "teams_met": v.met(k)} for k in CHECK_KEYS]
        return {
            "cohort_id": v.cohort.id,
            "cohort_name": v.cohort.name,
            "coaching_starts_on": v.due_on,
            "teams": len(v.teams),
            "teams_ready": v.ready,
            "checks": counts,
            "readiness": v.teams,
        }


class PlanMeasureOut(Out):
    measure_key: str
    name: str
    kind: str
    frequency: str


# --- meetings ------------------------------------------------------------------------------


class ActionOut(Out):
    id: uuid.UUID
    meeting_id: uuid.UUID
    description: str
    owner: str
    due_on: date | None
    done_on: date | None
    open: bool

    @classmethod
    def shaped(cls, v: MeetingAction) -> dict[str, Any]:
        return cls.attrs(v) | {"open": v.done_on is None}


class MeetingSummaryOut(Out):
    id: uuid.UUID
    team_id: uuid.UUID
    held_on: date
    coach_present: bool
    attendees: int = Field(description="Project team members and others present")
    logged_at: datetime

    @classmethod
    def shaped(cls, v: Meeting) -> dict[str, Any]:
        return cls.attrs(v) | {"attendees": len(v.attendee_member_ids) + len(v.other_attendees)}


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
    carried_over: list[ActionOut] = Field(description="Earlier actions still open at the meeting")

    @classmethod
    def shaped(cls, v: MeetingView) -> dict[str, Any]:
        return cls.attrs(v.meeting) | {"actions": v.actions, "carried_over": v.carried_over}


# --- what matters, multi-voting ------------------------------------------------------------


class ThemeOut(Out):
    id: uuid.UUID
    team_id: uuid.UUID
    name: str
    description: str | None


class IdeaOut(Out):
    id: uuid.UUID
    team_id: uuid.UUID
    kind: str
    text: str
    theme_id: uuid.UUID | None
    status: str
    response: str | None = Field(description="What the team did ('you said, we did')")
    gathered_on: date


class RankedIdeaOut(Out):
    idea_id: uuid.UUID
    kind: str
    text: str
    theme_id: uuid.UUID | None
    votes: int | None = Field(default=None, description="Once the round is closed")
    rank: int | None = None


class RankedThemeOut(Out):
    theme_id: uuid.UUID
    votes: int
    rank: int


class RoundSummaryOut(Out):
    id: uuid.UUID
    team_id: uuid.UUID
    title: str
    votes_per_ballot: int
    max_votes_per_idea: int
    ballots_issued: int
    ballots_cast: int
    opened_on: date
    closed_on: date | None


def _ranked(idea: Any, votes: int | None = None, rank: int | None = None) -> dict[str, Any]:
    own = {"idea_id": idea.id, "kind": idea.kind, "text": idea.text, "theme_id": idea.theme_id}
    return own | {"votes": votes, "rank": rank}


class RoundOut(RoundSummaryOut):
    candidates: list[RankedIdeaOut] = Field(description="The ideas voted on, without votes")
    results: list[RankedIdeaOut] | None = Field(description="Most votes first, once closed")
    theme_results: list[RankedThemeOut] | None = Field(
        description="The votes of each theme's ideas together, once closed"
    )

    @classmethod
    def shaped(cls, v: RoundView) -> dict[str, Any]:
        results, themes = v.results(), v.theme_results()
        return RoundSummaryOut.model_validate(v.round).model_dump() | {
            "candidates": [_ranked(idea) for _tally, idea in v.candidates],
            "results": None if results is None else [_ranked(r.key, r.votes, r.rank) for r in results],
            "theme_results": None if themes is None else [
                {"theme_id": r.key, "votes": r.votes, "rank": r.rank} for r in themes
            ],
        }  # fmt: skip


class OpenedRoundOut(Out):
    round: RoundOut
    ballot_codes: list[str] = Field(
        description="One per voter, each usable once. Shown only in this answer: hand them out."
    )

    @classmethod
    def shaped(cls, v: OpenedRound) -> dict[str, Any]:
        return {"round": v.view, "ballot_codes": v.codes}
