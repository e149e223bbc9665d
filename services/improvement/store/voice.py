"""What matters and the pebbles in the shoe: themes, ideas, voting rounds, ballots, tallies.

Ballots are cast with one UPDATE that succeeds only on an uncast ballot, and tallies grow with
``votes = votes + n``: two ballots cast at once neither both use one code nor lose a vote."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement.models import Ballot, Idea, Theme, VoteTally, VotingRound
from services.improvement.store import every


async def themes(session: AsyncSession, team_id: uuid.UUID) -> Sequence[Theme]:
    return await every(session, select(Theme).where(Theme.team_id == team_id).order_by(Theme.name))


async def theme(session: AsyncSession, theme_id: uuid.UUID) -> Theme | None:
    return await session.get(Theme, theme_id)


async def ideas(
    session: AsyncSession, team_id: uuid.UUID, *, kind: str | None = None
) -> Sequence[Idea]:
    query = select(Idea).where(Idea.team_id == team_id)
    if kind is not None:
        query = query.where(Idea.kind == kind)
    return await every(session, query.order_by(Idea.gathered_on, Idea.text))


async def rounds(session: AsyncSession, team_id: uuid.UUID) -> Sequence[VotingRound]:
    query = select(VotingRound).where(VotingRound.team_id == team_id)
    return await every(session, query.order_by(VotingRound.opened_on.desc(), VotingRound.title))


async def tallies(session: AsyncSession, round_id: uuid.UUID) -> Sequence[tuple[VoteTally, Idea]]:
    rows = await session.execute(
        select(VoteTally, Idea)
        .join(Idea, Idea.id == VoteTally.idea_id)
        .where(VoteTally.round_id == round_id)
        .order_by(VoteTally.position)
        .execution_options(populate_existing=True)
    )
    return [(tally, idea) for tally, idea in rows]


async def cast(session: AsyncSession, round_id: uuid.UUID, code_hash: str) -> bool:
    """Use the ballot with this code hash, if it exists and was not cast; True if it was used."""
    result: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
        update(Ballot)
        .where(Ballot.round_id == round_id, Ballot.code_hash == code_hash, Ballot.used.is_(False))
        .values(used=True)
    )
    return result.rowcount == 1


async def add_votes(
    session: AsyncSession, round_id: uuid.UUID, votes: Mapping[uuid.UUID, int]
) -> None:
    for idea_id, count in votes.items():
        await session.execute(
            update(VoteTally)
            .where(VoteTally.round_id == round_id, VoteTally.idea_id == idea_id)
            .values(votes=VoteTally.votes + count)
        )
