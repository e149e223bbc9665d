"""RFC 5545 calendar feeds of a cohort's or a team's sessions, built with ``icalendar``.

Pure: takes plain descriptions of sessions and returns the feed's bytes.

* UID is derived from the session id only, so it never changes for the session's whole life.
* SEQUENCE is the session's own sequence number (it rises on every change of time, mode, venue or
  status), so calendar clients replace the old copy when a session moves.
* A cancelled session stays in the feed with STATUS:CANCELLED (clients that already show it then
  remove or strike it); a scheduled one is STATUS:CONFIRMED.
* DTSTART/DTEND carry TZID=Europe/London and the feed has the matching VTIMEZONE, so sessions keep
  their UK wall-clock time across the clocks change.
* LOCATION is the venue (in person, hybrid) or else the join link; URL is the join link; the
  DESCRIPTION names both. Each is what the session shows: its own, else its cohort's default.
* A team's own feed (:func:`for_team`) raises every SEQUENCE by the team's feed revision, which
  rises when the team withdraws and when it returns; after a withdrawal the sessions after the
  withdrawal day stay in the feed as STATUS:CANCELLED, so subscribed calendars remove them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

from services.sessions.rules.schedule import after_withdrawal
from shared.clock import LONDON

PRODID = "-//Enjoying Work collaborative//Sessions//EN"
UID_DOMAIN = "sessions.enjoying-work"

KIND_LABELS = {
    "learning_session": "Learning session",
    "learning_set": "Learning set",
    "clinic": "Clinic",
}
MODE_LABELS = {"virtual": "Virtual", "in_person": "In person", "hybrid": "Hybrid"}


@dataclass(frozen=True)
class FeedSession:
    """What a feed needs to know about one session. Datetimes are aware (stored UTC)."""

    id: uuid.UUID
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    mode: str
    status: str  # "scheduled" or "cancelled"
    sequence: int
    updated_at: datetime
    created_at: datetime
    join_url: str | None = None
    venue: str | None = None
    notes: str | None = None
    categories: tuple[str, ...] = field(default_factory=tuple)


def session_uid(session_id: uuid.UUID) -> str:
    return f"{session_id}@{UID_DOMAIN}"


def uk_day(day: date) -> str:
    """A date as people in the UK write it: 1 April 2021."""
    return f"{day.day} {day:%B %Y}"


def for_team(
    session: FeedSession,
    *,
    revision: int,
    changed_at: datetime | None,
    withdrawn_on: date | None,
) -> FeedSession:
    """A session as the team's own feed shows it.

    SEQUENCE is the session's plus the team's feed revision, so it rises whenever the session
    changes or the team withdraws or returns (both only ever go up). A session after the day the
    team withdrew is cancelled for the team, and stays in the feed so calendars remove it.
    """
    updated = session.updated_at if changed_at is None else max(session.updated_at, changed_at)
    copy = replace(session, sequence=session.sequence + revision, updated_at=updated)
    if not after_withdrawal(session.starts_at, withdrawn_on):
        return copy
    assert withdrawn_on is not None
    note = f"Cancelled for your team: it withdrew from the programme on {uk_day(withdrawn_on)}."
    return replace(copy, status="cancelled", notes="\n".join(n for n in (note, copy.notes) if n))


def _description(session: FeedSession) -> str:
    lines = [f"{KIND_LABELS.get(session.kind, session.kind)} ({MODE_LABELS[session.mode]})"]
    if session.venue:
        lines.append(f"Venue: {session.venue}")
    if session.join_url:
        lines.append(f"Join online: {session.join_url}")
    if session.notes:
        lines.append(session.notes)
    return "\n".join(lines)


def _event(session: FeedSession) -> Event:
    event = Event()
    event.add("uid", session_uid(session.id))
    # In a published feed DTSTAMP is when this information last changed (RFC 5545 3.8.7.2).
    event.add("dtstamp", session.updated_at)
    event.add("created", session.created_at)
    event.add("last-modified", session.updated_at)
    event.add("dtstart", session.starts_at.astimezone(LONDON))
    event.add("dtend", session.ends_at.astimezone(LONDON))
    event.add("sequence", session.sequence)
    cancelled = session.status == "cancelled"
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("summary", f"Cancelled: {session.title}" if cancelled else session.title)
    event.add("description", _description(session))
    location = session.venue or session.join_url
    if location:
        event.add("location", location)
    if session.join_url:
        event.add("url", session.join_url)
    event.add("categories", [KIND_LABELS.get(session.kind, session.kind), *session.categories])
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return event


def build_feed(*, name: str, sessions: Iterable[FeedSession]) -> bytes:
    """The iCalendar feed (``text/calendar``) of the given sessions, cancelled ones included."""
    ordered = sorted(sessions, key=lambda s: (s.starts_at, str(s.id)))
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    for session in ordered:
        calendar.add_component(_event(session))
    if ordered:
        # A VTIMEZONE covering the feed's span (with a year's margin) rather than 1970-2038.
        first = ordered[0].starts_at.date() - timedelta(days=366)
        last = max(s.ends_at for s in ordered).date() + timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    feed: bytes = calendar.to_ical()
    return feed
