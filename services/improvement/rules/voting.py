"""Anonymous multi-voting (Nominal Group Technique): ballots, tallies and ranks.

A voting round hands out one ballot per voter, as a one-time code. A ballot is one voter's whole
vote, cast at once: between 1 and ``votes_per_ballot`` votes over the round's ideas, at most
``max_votes_per_idea`` of them on one idea. Only the tally per idea is kept, never a ballot's
choices, so nothing links a vote to a voter or to another vote.

Ranks are standard competition ranks: ideas with equal votes share a rank and the next rank
skips ("1, 2, 2, 4").
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K")

# No 0/O, 1/I/L: a code is read off a slip of paper and typed in.
BALLOT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
BALLOT_CODE_LENGTH = 8


class BallotRefused(ValueError):
    pass


def count_ballot(
    votes: Sequence[K],
    *,
    candidates: Collection[K],
    votes_per_ballot: int,
    max_votes_per_idea: int,
) -> Counter[K]:
    """The votes of one ballot per idea, or :class:`BallotRefused` saying why not."""
    if not votes:
        raise BallotRefused("a ballot has at least one vote")
    if len(votes) > votes_per_ballot:
        raise BallotRefused(f"a ballot has at most {votes_per_ballot} votes")
    unknown = [v for v in votes if v not in candidates]
    if unknown:
        raise BallotRefused("a vote is for an idea that is not in this round")
    counted = Counter(votes)
    if max(counted.values()) > max_votes_per_idea:
        raise BallotRefused(f"at most {max_votes_per_idea} vote(s) on one idea")
    return counted


@dataclass(frozen=True)
class Ranked(Generic[K]):
    key: K
    votes: int
    rank: int


def rank(tallies: Sequence[tuple[K, int]]) -> list[Ranked[K]]:
    """Most votes first; ties keep the given order and share a rank."""
    ordered = sorted(enumerate(tallies), key=lambda item: (-item[1][1], item[0]))
    ranked: list[Ranked[K]] = []
    for position, (_index, (key, votes)) in enumerate(ordered, 1):
        shared = ranked and ranked[-1].votes == votes
        ranked.append(Ranked(key, votes, ranked[-1].rank if shared else position))
    return ranked


def normalise_code(code: str) -> str:
    """What a voter types (any case, spaces or dashes) as the code printed on the slip."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def ballot_hash(round_key: str, code: str) -> str:
    """Only this is stored: the code itself is shown once, when the round is opened."""
    return hashlib.sha256(f"{round_key}:{normalise_code(code)}".encode()).hexdigest()
