"""What matters, impediments, themes, and anonymous multi-voting."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from services.improvement.ideas import IdeaIn, IdeaUpdate, ThemeIn
from services.improvement.models import Idea, VotingRound
from services.improvement.schemas import Out
from services.improvement.voting import BallotIn, OpenedRound, RoundIn, RoundView

__all__ = ["BallotIn", "IdeaIn", "IdeaUpdate", "RoundIn", "ThemeIn"]


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
    response: str | None
    gathered_on: date


def idea_out(idea: Idea) -> IdeaOut:
    return IdeaOut.model_validate(idea)


class CandidateOut(Out):
    idea_id: uuid.UUID
    kind: str
    text: str
    theme_id: uuid.UUID | None


class RankedIdeaOut(CandidateOut):
    votes: int
    rank: int


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


class RoundOut(RoundSummaryOut):
    candidates: list[CandidateOut]
    results: list[RankedIdeaOut] | None = Field(description="Shown once the round is closed")
    theme_results: list[RankedThemeOut] | None = Field(
        description="Votes of each theme's ideas together, once the round is closed"
    )


def round_summary_out(found: VotingRound) -> RoundSummaryOut:
    return RoundSummaryOut.model_validate(found)


def _candidate(idea: Idea) -> dict[str, object]:
    return {"idea_id": idea.id, "kind": idea.kind, "text": idea.text, "theme_id": idea.theme_id}


def round_out(view: RoundView) -> RoundOut:
    results = view.results()
    themes = view.theme_results()
    return RoundOut(
        **RoundSummaryOut.model_validate(view.round).model_dump(),
        candidates=[CandidateOut.model_validate(_candidate(idea)) for _t, idea in view.candidates],
        results=None
        if results is None
        else [
            RankedIdeaOut.model_validate({**_candidate(r.key), "votes": r.votes, "rank": r.rank})
            for r in results
        ],
        theme_results=None
        if themes is None
        else [RankedThemeOut(theme_id=r.key, votes=r.votes, rank=r.rank) for r in themes],
    )


class OpenedRoundOut(Out):
    round: RoundOut
    ballot_codes: list[str] = Field(
        description="One per voter, each usable once. Shown only in this answer: hand them out."
    )


def opened_round_out(opened: OpenedRound) -> OpenedRoundOut:
    return OpenedRoundOut(round=round_out(opened.view), ballot_codes=opened.codes)
