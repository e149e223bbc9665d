"""Capacity and the waiting list, in order."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.sessions.rules.places import PlaceRequest, allocate, places_taken


def reqs(*sizes: int) -> list[PlaceRequest]:
    return [PlaceRequest(id=uuid.UUID(int=i + 1), places=n) for i, n in enumerate(sizes)]


def test_31st_place_for_a_30_place_venue_waits_and_is_promoted_on_release() -> None:
    queue = reqs(*([1] * 31))
    statuses = allocate(30, queue)
    assert [statuses[r.id] for r in queue] == ["confirmed"] * 30 + ["waitlisted"]
    released = queue[:4] + queue[5:]  # the fifth team releases its place
    statuses = allocate(30, released)
    assert set(statuses.values()) == {"confirmed"}
    assert places_taken(released, statuses) == 30


def test_waiting_list_is_served_in_order() -> None:
    queue = reqs(25, 4, 2)  # 25 + 4 fit; the 2 would make 31
    assert list(allocate(30, queue).values()) == ["confirmed", "confirmed", "waitlisted"]
    queue = reqs(28, 4, 1)
    # The 1-place request does not overtake the waiting 4-place request.
    assert list(allocate(30, queue).values()) == ["confirmed", "waitlisted", "waitlisted"]
    assert list(allocate(30, queue[1:]).values()) == ["confirmed", "confirmed"]


def test_no_capacity_confirms_everyone() -> None:
    assert set(allocate(None, reqs(100, 200)).values()) == {"confirmed"}


def test_a_registration_is_for_at_least_one_place() -> None:
    with pytest.raises(ValueError):
        allocate(10, reqs(0))


@given(
    capacity=st.integers(min_value=1, max_value=60),
    sizes=st.lists(st.integers(min_value=1, max_value=12), max_size=20),
)
def test_never_over_capacity_and_waiting_is_a_suffix(capacity: int, sizes: list[int]) -> None:
    queue = reqs(*sizes)
    statuses = allocate(capacity, queue)
    assert places_taken(queue, statuses) <= capacity
    order = [statuses[r.id] for r in queue]
    if "waitlisted" in order:
        first = order.index("waitlisted")
        assert all(s == "waitlisted" for s in order[first:])
        # The head of the waiting list really did not fit.
        assert places_taken(queue, statuses) + queue[first].places > capacity
