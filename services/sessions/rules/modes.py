"""What a session's mode shows and counts, and what it shows of its cohort's joining details.

A join link is shown for virtual and hybrid sessions, a venue for in-person and hybrid ones, and
only in-person and hybrid sessions have places to count against a capacity (a virtual session
confirms everyone). A session's own join link or venue wins; without one it shows its cohort's
default (one link for all the cohort's virtual sessions, one usual venue). A mode switch keeps
the other mode's details stored, unshown, so switching back restores them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

IN_PERSON_MODES = frozenset({"in_person", "hybrid"})
ONLINE_MODES = frozenset({"virtual", "hybrid"})

# Changes of these (as shown) raise the session's SEQUENCE and record sessions.session.rescheduled.
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


class HasTimes(HasMode, Protocol):
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...


class HasDefaults(Protocol):
    @property
    def default_join_url(self) -> str | None: ...
    @property
    def default_venue(self) -> str | None: ...


@dataclass(frozen=True)
class Defaults:
    """A cohort's joining details (or none)."""

    default_join_url: str | None = None
    default_venue: str | None = None


NO_DEFAULTS = Defaults()


def shown_join_url(session: HasMode, cohort: HasDefaults = NO_DEFAULTS) -> str | None:
    if session.mode not in ONLINE_MODES:
        return None
    return session.join_url or cohort.default_join_url


def shown_venue(session: HasMode, cohort: HasDefaults = NO_DEFAULTS) -> str | None:
    if session.mode not in IN_PERSON_MODES:
        return None
    return session.venue or cohort.default_venue


def shown(session: HasTimes, cohort: HasDefaults = NO_DEFAULTS) -> dict[str, object]:
    """The significant fields as the session shows them (what calendars and teams see)."""
    return {
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "mode": session.mode,
        "venue": shown_venue(session, cohort),
        "join_url": shown_join_url(session, cohort),
    }


def changed_fields(before: dict[str, object], after: dict[str, object]) -> list[str]:
    """The significant fields that differ, in their usual order."""
    return [name for name in SIGNIFICANT_FIELDS if before.get(name) != after.get(name)]


def counted_capacity(session: HasMode) -> int | None:
    """The capacity places are counted against; ``None``: no limit (virtual sessions)."""
    return session.capacity if session.mode in IN_PERSON_MODES else None


def has_places(session: HasMode) -> bool:
    return session.mode in IN_PERSON_MODES


def needs_venue(session: HasMode, cohort: HasDefaults = NO_DEFAULTS) -> bool:
    """An in-person or hybrid session with no venue of its own nor a cohort default."""
    return has_places(session) and shown_venue(session, cohort) is None
