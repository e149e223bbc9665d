"""When have a team's project meetings lapsed?

The programme expects the project team to meet weekly or fortnightly. During the coaching months,
a team whose last logged meeting (or, without one, the first coaching day) is ``lapse_days`` or
more days ago has lapsed. A lapse is named by the day it counts from (``since``): it is recorded
once; a later check finds the same ``since`` already recorded and records nothing, until a meeting
is logged (a new, later ``since``) and that one lapses in turn.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Lapse:
    since: date
    days: int


def meeting_lapse(
    *,
    today: date,
    coaching_starts_on: date,
    programme_ends_on: date,
    last_meeting_on: date | None,
    lapse_days: int,
    recorded_since: Collection[date] = (),
) -> Lapse | None:
    """The lapse to record today, if any."""
    if not coaching_starts_on <= today <= programme_ends_on:
        return None
    since = coaching_starts_on
    if last_meeting_on is not None and last_meeting_on > since:
        since = last_meeting_on
    days = (today - since).days
    if days < lapse_days or since in recorded_since:
        return None
    return Lapse(since=since, days=days)
