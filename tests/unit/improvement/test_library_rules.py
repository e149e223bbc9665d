"""The idea library: tested ideas grouped by origin, teams counted by their latest decision."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from services.improvement.rules.library import LibraryCycle, library

CARDS, WALKS = uuid.uuid4(), uuid.uuid4()
A, B, C = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def cycle(
    origin: uuid.UUID,
    team: uuid.UUID,
    step: int,
    decision: str | None,
    completed: date | None = None,
    shared: str | None = None,
    name: str = "Thank-you cards",
    created: int = 1,
) -> LibraryCycle:
    return LibraryCycle(
        origin_id=origin,
        idea_name=name,
        idea_description=None,
        idea_created_at=datetime(2021, 1, created, tzinfo=UTC),
        driver_name="Recognition and rewards",
        team_id=team,
        team_name=f"Team {str(team)[:4]}",
        organisation_name="Trust",
        cycle_id=uuid.uuid4(),
        ramp_step=step,
        decision=decision,
        completed_on=completed,
        objective="o",
        shared_summary=shared,
    )


def test_teams_are_counted_once_by_their_latest_decision() -> None:
    entries = library(
        [
            cycle(CARDS, A, 1, "adapt", date(2021, 3, 1)),
            cycle(CARDS, A, 2, "adopt", date(2021, 4, 1), shared="It worked"),
            cycle(CARDS, B, 1, "abandon", date(2021, 3, 20), name="Cards (our copy)", created=5),
            cycle(CARDS, C, 1, None),  # still testing
            cycle(WALKS, A, 1, "adapt", date(2021, 3, 1), name="Walking meetings"),
        ]
    )
    assert [e.name for e in entries] == ["Thank-you cards", "Walking meetings"]  # most tested first
    cards = entries[0]
    assert (
        cards.teams_tested,
        cards.teams_adopted,
        cards.teams_adapted,
        cards.teams_abandoned,
    ) == (3, 1, 0, 1)
    assert cards.cycles == 4
    assert [(s.ramp_step, s.decision, s.summary) for s in cards.shared_summaries] == [
        (2, "adopt", "It worked")
    ]


def test_only_completed_cycles_with_a_summary_are_shared() -> None:
    (entry,) = library(
        [cycle(CARDS, A, 1, None, shared="draft"), cycle(CARDS, A, 2, "adapt", date(2021, 3, 1))]
    )
    assert entry.shared_summaries == []
    assert library([]) == []
