"""What a session's mode shows and counts.

A join link is shown for virtual and hybrid sessions, a venue for in-person and hybrid ones, and
only in-person and hybrid sessions have places to count against a capacity (a virtual session
confirms everyone). A mode switch keeps the other mode's details stored, unshown, so switching
back restores them.
"""

from __future__ import annotations

from typing import Protocol

IN_PERSON_MODES = frozenset({"in_person", "hybrid"})
ONLINE_MODES = frozenset({"virtual", "hybrid"})

# Changes of these fields raise the session's SEQUENCE and record sessions.session.rescheduled.
SIGNIFICANT_FIELDS = ("starts_at", "ends_at", "mode", "venue", "join_url")


class HasMode(Protocol):
    @property
    def mode(self) -> str: ...
    @property
    def join_url(self) -> str | None: ...
    @property
    def venue(self) -> str | None: ...
    @property
    def capacity(self) -> int | None: ...


def shown_join_url(session: HasMode) -> str | None:
    return session.join_url if session.mode in ONLINE_MODES else None


def shown_venue(session: HasMode) -> str | None:
    return session.venue if session.mode in IN_PERSON_MODES else None


def counted_capacity(session: HasMode) -> int | None:
    """The capacity places are counted against; ``None``: no limit (virtual sessions)."""
    return session.capacity if session.mode in IN_PERSON_MODES else None


def has_places(session: HasMode) -> bool:
    return session.mode in IN_PERSON_MODES
