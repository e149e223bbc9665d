"""Anonymous multi-voting: what a ballot may hold, tallies, competition ranks, ballot codes."""

from __future__ import annotations

from collections import Counter

import pytest

from services.improvement.rules.voting import (
    BALLOT_ALPHABET,
    BallotRefused,
    ballot_hash,
    count_ballot,
    format_code,
    normalise_code,
    rank,
)

IDEAS = ("a", "b", "c", "d")


def test_a_ballot_holds_one_to_n_votes_within_the_per_idea_limit() -> None:
    assert count_ballot(
        ["a", "b", "c"], candidates=IDEAS, votes_per_ballot=3, max_votes_per_idea=1
    ) == Counter({"a": 1, "b": 1, "c": 1})
    assert count_ballot(
        ["a", "a", "b"], candidates=IDEAS, votes_per_ballot=3, max_votes_per_idea=2
    ) == Counter({"a": 2, "b": 1})
    for votes, why in (
        ([], "at least one"),
        (["a", "b", "c", "d"], "at most 3 votes"),
        (["a", "a"], "at most 1 vote"),
        (["z"], "not in this round"),
    ):
        with pytest.raises(BallotRefused, match=why):
            count_ballot(votes, candidates=IDEAS, votes_per_ballot=3, max_votes_per_idea=1)


def test_ranks_are_competition_ranks_and_ties_keep_the_given_order() -> None:
    ranked = rank([("a", 2), ("b", 5), ("c", 2), ("d", 0), ("e", 5)])
    assert [(r.key, r.votes, r.rank) for r in ranked] == [
        ("b", 5, 1),
        ("e", 5, 1),
        ("a", 2, 3),
        ("c", 2, 3),
        ("d", 0, 5),
    ]
    assert rank([]) == []


def test_a_code_is_typed_as_printed_in_any_case_and_only_its_hash_is_kept() -> None:
    assert normalise_code(" k7qp-m3xw ") == "K7QPM3XW"
    assert format_code("K7QPM3XW") == "K7QP-M3XW"
    assert ballot_hash("round", "k7qp m3xw") == ballot_hash("round", "K7QP-M3XW")
    assert ballot_hash("round", "K7QP-M3XW") != ballot_hash("other round", "K7QP-M3XW")
    assert "K7QP" not in ballot_hash("round", "K7QP-M3XW")
    assert not set("01ILO") & set(BALLOT_ALPHABET)  # nothing misread off a slip of paper
