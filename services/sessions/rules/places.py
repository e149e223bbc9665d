"""Places at in-person and hybrid sessions: a capacity in people and a waiting list in order.

Pure rules. A team registers a number of places (attendees) for a session. Registrations are
served strictly in the order they were made: a registration is confirmed only if it fits whole in
the places left and no earlier registration is waiting; otherwise it waits. When places free up
(a release, a smaller registration, a larger capacity) the waiting list is promoted from its head,
again in order, so nobody is overtaken by a later, smaller registration. A session with no
capacity (virtual) confirms everyone.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

PlaceStatus = Literal["confirmed", "waitlisted"]


@dataclass(frozen=True)
class PlaceRequest:
    """An active registration, given in the order it was made."""

    id: uuid.UUID
    places: int


def allocate(capacity: int | None, queue: Sequence[PlaceRequest]) -> dict[uuid.UUID, PlaceStatus]:
    """The status every active registration should have, given the session's capacity."""
    statuses: dict[uuid.UUID, PlaceStatus] = {}
    taken = 0
    waiting = False
    for request in queue:
        if request.places < 1:
            raise ValueError("a registration is for at least one place")
        if not waiting and (capacity is None or taken + request.places <= capacity):
            statuses[request.id] = "confirmed"
            taken += request.places
        else:
            waiting = True
            statuses[request.id] = "waitlisted"
    return statuses


def places_taken(queue: Sequence[PlaceRequest], statuses: dict[uuid.UUID, PlaceStatus]) -> int:
    return sum(r.places for r in queue if statuses.get(r.id) == "confirmed")
