"""Engagement of a team: attendance so far and the "two consecutive missed learning sets" rule.

Pure rules over a team's attendance outcomes.

* Sessions held so far: sessions that are not cancelled and have started by ``now``. The
  learning sessions and learning sets are the programme every team is expected at: they make
  ``held``, ``attended`` and the rate (attended / held). Clinics are drop-ins (a project lead comes
  when they need a coach), so they are counted apart (``clinics_held``, ``clinics_attended``) and
  never as a miss.
* The monthly series is the learning sets, in time order, cancelled ones left out. A miss is a
  held set whose attendance was recorded as not attended (by a coach or coordinator, or by the
  closing of its register, which counts every team not marked as absent); a set with no
  attendance recorded yet neither counts as a miss nor breaks a run. A run of misses ends at the
  next set the team attended.
* A run that reaches two misses is a disengagement. Each run is identified by its first missed
  set, so it is recorded once however many more sets the run goes on to miss; a new run after an
  attended set is recorded again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

EXPECTED_KINDS = frozenset({"learning_session", "learning_set"})
MONTHLY_KINDS = frozenset({"learning_set"})
DROP_IN_KINDS = frozenset({"clinic"})
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
    clinics_held: int = 0
    clinics_attended: int = 0

    @property
    def rate(self) -> float | None:
        return attendance_rate(self.attended, self.held)


def attendance_rate(attended: int, held: int) -> float | None:
    """Attended over held, to three places; ``None`` before anything was held."""
    return None if held == 0 else round(attended / held, 3)


def held(outcomes: Sequence[Outcome], now: datetime) -> list[Outcome]:
    """The sessions held by ``now`` (started, not cancelled), in time order."""
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

    for outcome in held(outcomes, now):
        if outcome.kind not in MONTHLY_KINDS or outcome.attended is None:
            continue
        if outcome.attended:
            close()
        else:
            current.append(outcome)
    close()
    return runs


def engagement(outcomes: Sequence[Outcome], now: datetime) -> Engagement:
    so_far = held(outcomes, now)
    expected = [o for o in so_far if o.kind in EXPECTED_KINDS]
    drop_ins = [o for o in so_far if o.kind in DROP_IN_KINDS]
    streak = 0
    for outcome in so_far:
        if outcome.kind not in MONTHLY_KINDS or outcome.attended is None:
            continue
        streak = 0 if outcome.attended else streak + 1
    return Engagement(
        held=len(expected),
        attended=sum(1 for o in expected if o.attended),
        missed_learning_sets_in_a_row=streak,
        disengaged=streak >= MISSES_TO_DISENGAGE,
        clinics_held=len(drop_ins),
        clinics_attended=sum(1 for o in drop_ins if o.attended),
    )
