"""Anonymous multi-voting on a team's ideas (Nominal Group Technique).

The facilitator opens a round for a number of voters: each voter gets a one-time ballot code
(shown once, in the answer that opens the round; only a hash is stored). A ballot is one voter's
complete vote, cast at once with its code: up to ``votes_per_ballot`` votes, at most
``max_votes_per_idea`` on one idea. So each voter has N votes, and no one votes twice, yet
nothing is stored that says who voted or which votes went together: the code's hash is only
marked used (no time), and the votes are added to per-idea tallies. Voters may cast their ballots
over several days (shift patterns); results, with ranks, are shown once the round is closed (by
the facilitator, or when every ballot is in), so that early tallies do not sway later voters.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement import store, teams
from services.improvement.ideas import CLOSED_STATUSES
from services.improvement.inputs import Input, Name
from services.improvement.models import Ballot, Idea, VoteTally, VotingRound
from services.improvement.problems import present, problem
from services.improvement.rules import voting as rules
from services.improvement.store import voice as voice_store
from services.improvement.store.access import readable_row
from shared.auth import Principal
from shared.clock import uk_date
from shared.errors import Conflict, Unprocessable


class RoundIn(Input):
    title: Name
    ballots: int = Field(ge=1, le=200, description="How many voters: one ballot code each")
    votes_per_ballot: int = Field(default=3, ge=1, le=20)
    max_votes_per_idea: int = Field(default=1, ge=1, le=20)
    idea_ids: list[uuid.UUID] | None = Field(
        default=None,
        max_length=100,
        description="The ideas voted on; by default every idea not yet done or set aside",
    )


class BallotIn(Input):
    code: Annotated[str, StringConstraints(min_length=4, max_length=20)] = Field(
        description="The voter's one-time ballot code"
    )
    votes: list[uuid.UUID] = Field(
        min_length=1, max_length=20, description="Idea ids; an id twice is two votes on it"
    )


@dataclass(frozen=True)
class RoundView:
    round: VotingRound
    candidates: Sequence[tuple[VoteTally, Idea]]

    @property
    def closed(self) -> bool:
        return self.round.closed_on is not None

    def results(self) -> list[rules.Ranked[Idea]] | None:
        if not self.closed:
            return None
        return rules.rank([(idea, tally.votes) for tally, idea in self.candidates])

    def theme_results(self) -> list[rules.Ranked[uuid.UUID]] | None:
        if not self.closed:
            return None
        totals: dict[uuid.UUID, int] = {}
        for tally, idea in self.candidates:
            if idea.theme_id is not None:
                totals[idea.theme_id] = totals.get(idea.theme_id, 0) + tally.votes
        return rules.rank(list(totals.items()))


@dataclass(frozen=True)
class OpenedRound:
    view: RoundView
    codes: list[str]


def _new_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(
            "".join(secrets.choice(rules.BALLOT_ALPHABET) for _ in range(rules.BALLOT_CODE_LENGTH))
        )
    return [rules.format_code(c) for c in sorted(codes)]


async def open_round(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID, data: RoundIn, now: datetime
) -> OpenedRound:
    team = await teams.writable_team(session, user, team_id)
    ideas = list(await voice_store.ideas(session, team.id))
    if data.idea_ids is None:
        candidates = [i for i in ideas if i.status not in CLOSED_STATUSES]
    else:
        by_id = {i.id: i for i in ideas}
        if set(data.idea_ids) - set(by_id):
            raise Unprocessable(
                "idea_ids names an idea this team does not have", type=problem("unknown-reference")
            )
        candidates = [by_id[i] for i in dict.fromkeys(data.idea_ids)]
    if len(candidates) < 2:
        raise Conflict("a vote needs at least two ideas", type=problem("too-few-ideas"))
    voting_round = VotingRound(
        team_id=team.id,
        title=data.title,
        votes_per_ballot=data.votes_per_ballot,
        max_votes_per_idea=min(data.max_votes_per_idea, data.votes_per_ballot),
        ballots_issued=data.ballots,
        ballots_cast=0,
        opened_on=uk_date(now),
    )
    await store.save(session, voting_round)
    codes = _new_codes(data.ballots)
    key = str(voting_round.id)
    tallies = [
        VoteTally(round_id=voting_round.id, idea_id=i.id, position=n, votes=0)
        for n, i in enumerate(candidates)
    ]
    ballots = [
        Ballot(round_id=voting_round.id, code_hash=rules.ballot_hash(key, c), used=False)
        for c in codes
    ]
    await store.save_all(session, [*tallies, *ballots])
    return OpenedRound(await _view(session, voting_round), codes)


async def _view(session: AsyncSession, voting_round: VotingRound) -> RoundView:
    return RoundView(voting_round, await voice_store.tallies(session, voting_round.id))


async def list_rounds(
    session: AsyncSession, *, user: Principal, team_id: uuid.UUID
) -> Sequence[VotingRound]:
    team = await teams.readable_team(session, user, team_id)
    return await voice_store.rounds(session, team.id)


async def _readable(session: AsyncSession, user: Principal, round_id: uuid.UUID) -> VotingRound:
    found = await readable_row(session, user, VotingRound, round_id)
    return present(found, "no such voting round", "unknown-round")


async def round_view(session: AsyncSession, *, user: Principal, round_id: uuid.UUID) -> RoundView:
    return await _view(session, await _readable(session, user, round_id))


async def _open_round(session: AsyncSession, user: Principal, round_id: uuid.UUID) -> VotingRound:
    found = await _readable(session, user, round_id)
    await teams.writable_team(session, user, found.team_id)
    locked = await store.locked(session, VotingRound, round_id)
    assert locked is not None
    if locked.closed_on is not None:
        raise Conflict("the voting round is closed", type=problem("round-closed"))
    return locked


async def cast_ballot(
    session: AsyncSession, *, user: Principal, round_id: uuid.UUID, data: BallotIn, now: datetime
) -> RoundView:
    """One voter's whole ballot. A refused ballot leaves its code unused."""
    voting_round = await _open_round(session, user, round_id)
    candidates = {tally.idea_id for tally, _idea in await voice_store.tallies(session, round_id)}
    try:
        counted = rules.count_ballot(
            data.votes,
            candidates=candidates,
            votes_per_ballot=voting_round.votes_per_ballot,
            max_votes_per_idea=voting_round.max_votes_per_idea,
        )
    except rules.BallotRefused as exc:
        raise Unprocessable(str(exc), type=problem("ballot")) from exc
    if not await voice_store.cast(session, round_id, rules.ballot_hash(str(round_id), data.code)):
        raise Conflict(
            "the ballot code is not one of this round's, or was used already",
            type=problem("ballot-code"),
        )
    await voice_store.add_votes(session, round_id, counted)
    voting_round.ballots_cast += 1
    if voting_round.ballots_cast >= voting_round.ballots_issued:
        voting_round.closed_on = uk_date(now)
    await store.save(session, voting_round)
    return await _view(session, voting_round)


async def close_round(
    session: AsyncSession, *, user: Principal, round_id: uuid.UUID, now: datetime
) -> RoundView:
    voting_round = await _open_round(session, user, round_id)
    voting_round.closed_on = uk_date(now)
    await store.save(session, voting_round)
    return await _view(session, voting_round)
