"""Pure rules of QI coach allocation and of the organisation team counts that confirmation
records (the multi-team discount's basis). No database, no clock."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(slots=True)
class CoachLoad:
    """A coach's capacity, current load and the organisations whose teams they coach."""

    coach_id: uuid.UUID
    name: str
    capacity: int
    load: int = 0
    organisations: Counter[uuid.UUID] = field(default_factory=Counter)

    @property
    def free(self) -> int:
        return max(self.capacity - self.load, 0)


def choose_coach(organisation_id: uuid.UUID, coaches: Sequence[CoachLoad]) -> CoachLoad | None:
    """The coach for one more team of ``organisation_id``, or None when everyone is full.

    Keep an organisation's teams with one coach where capacity allows (the coach already holding
    most of its teams), otherwise the coach with most free capacity. Ties go by name, then id, so
    the choice is the same every time.
    """
    free = [c for c in coaches if c.free > 0]
    if not free:
        return None
    same_org = [c for c in free if c.organisations[organisation_id] > 0]
    if same_org:
        return min(
            same_org,
            key=lambda c: (-c.organisations[organisation_id], -c.free, c.name, str(c.coach_id)),
        )
    return min(free, key=lambda c: (-c.free, c.name, str(c.coach_id)))


def allocate_coaches(
    teams: Sequence[tuple[uuid.UUID, uuid.UUID]], coaches: Sequence[CoachLoad]
) -> dict[uuid.UUID, uuid.UUID | None]:
    """Allocate many (team id, organisation id) at once, e.g. on go.

    Organisations with most teams go first (then in the order given), so large groups find a
    coach who can hold them all before capacity fragments. ``coaches`` are updated in place
    with the new load.
    """
    by_org: dict[uuid.UUID, list[uuid.UUID]] = {}
    for team_id, org_id in teams:
        by_org.setdefault(org_id, []).append(team_id)
    # Stable sort: organisations with equal numbers of teams keep the order they came in.
    order = sorted(by_org.items(), key=lambda item: -len(item[1]))
    result: dict[uuid.UUID, uuid.UUID | None] = {}
    for org_id, team_ids in order:
        for team_id in team_ids:
            coach = choose_coach(org_id, coaches)
            if coach is None:
                result[team_id] = None
                continue
            coach.load += 1
            coach.organisations[org_id] += 1
            result[team_id] = coach.coach_id
    return result


def organisation_team_counts(
    confirmed_before: Counter[uuid.UUID], newly_confirmed: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> dict[uuid.UUID, int]:
    """For each newly confirmed (team id, organisation id): the organisation's confirmed teams in
    the cohort once this confirmation is done, this team included.

    Teams confirmed together (the go decision) are confirmed at the same moment, so each carries
    the same final count: two teams of one trust confirmed on go both say 2, and billing prices
    both at the multi-team rate. ``confirmed_before`` counts every team ever confirmed (a later
    withdrawal does not take back the discount).
    """
    totals = Counter(confirmed_before)
    for _team_id, org_id in newly_confirmed:
        totals[org_id] += 1
    return {team_id: totals[org_id] for team_id, org_id in newly_confirmed}
