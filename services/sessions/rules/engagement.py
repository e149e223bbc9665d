"""Engagement of a team: attendance so far and the "two consecutive missed learning sets" rule.

Pure rules over a team's attendance outcomes.

* Sessions held so far: sessions that are not cancelled and have started by ``now``.
  Attended: those with attendance recorded as attended. The rate is attended / held.
* The monthly series is the learning sets and clinics (the programme calls them
  "learning sets/clinics"), in time order, cancelled ones left out. A miss is a held set whose
  attendance was recorded as not attended; a set with no attendance recorded yet neither counts
  as a miss nor breaks a run. A run of misses ends at the next set the team attended.
* A run that reaches two misses is a disengagement. Each run is identified by its first missed
  set, so it is recorded once however many more sets the run goes on to miss; a new run after an
  attended set is recorded again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

MONTHLY_KINDS = frozenset({"learning_set", "clinic"})
MISSES_TO_DISENGAGE = 2


@dataclass(frozen=True)
class Outcome:
    """One session on the team's cohort programme, with the team's attendance if recorded."""

    session_id: uuid.UUID
    kind: str
    starts_at: datetime
    cancelled: bool
    attended: bool | None  # None: not recorded


@dataclass(frozen=True)
class MissRun:
    """Consecutive missed learning sets; ``key`` (its first missed set) identifies the run."""

    key: uuid.UUID
    session_ids: tuple[uuid.UUID, ...]
    last_missed_at: datetime


@dataclass(frozen=True)
class Engagement:
    held: int
    attended: int
    missed_learning_sets_in_a_row: int
    disengaged: bool  # the latest run of misses has reached two

    @property
    def rate(self) -> float | None:
        return None if self.held == 0 else round(self.attended / self.held, 3)


def _held(outcomes: Sequence[Outcome], now: datetime) -> list[Outcome]:
    return sorted(
        (o for o in outcomes if not o.cancelled and o.starts_at <= now),
        key=lambda o: (o.starts_at, str(o.session_id)),
    )


def miss_runs(outcomes: Sequence[Outcome], now: datetime) -> list[MissRun]:
    """Every run of at least two consecutive missed learning sets, oldest first."""
    runs: list[MissRun] = []
    current: list[Outcome] = []

    def close() -> None:
        if len(current) >= MISSES_TO_DISENGAGE:
            runs.append(
                MissRun(
                    key=current[0].session_id,
                    session_ids=tuple(o.session_id for o in current),
                    last_missed_at=current[-1].starts_at,
                )
            )
        current.clear()

    for outcome in _held(outcomes, now):
        if outcome.kind not in MONTHLY_KINDS or outcome.attended is None:
            continue
        if outcome.attended:
            close()
        else:
            current.append(outcome)
    close()
    return runs


def engagement(outcomes: Sequence[Outcome], now: datetime) -> Engagement:
    held = _held(outcomes, now)
    streak = 0
    for outcome in held:
        if outcome.kind not in MONTHLY_KINDS or outcome.attended is None:
            continue
        streak = 0 if outcome.attended else streak + 1
    return Engagement(
        held=len(held),
        attended=sum(1 for o in held if o.attended),
        missed_learning_sets_in_a_row=streak,
        disengaged=streak >= MISSES_TO_DISENGAGE,
    )
