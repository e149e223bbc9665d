"""Pure rules of the notifications service: the kinds of message and which are essential, the
retry policy, what an SMTP refusal means, and when a scheduled reminder is due. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum


class Kind(StrEnum):
    eoi_received = "eoi_received"
    cohort_go = "cohort_go"
    cohort_no_go = "cohort_no_go"
    team_welcome = "team_welcome"
    invoice_issued = "invoice_issued"
    proforma_issued = "proforma_issued"
    credit_note_issued = "credit_note_issued"
    invoice_overdue = "invoice_overdue"
    session_reminder = "session_reminder"
    session_moved = "session_moved"
    session_cancelled = "session_cancelled"
    place_confirmed = "place_confirmed"
    team_disengaged = "team_disengaged"
    chart_signal = "chart_signal"
    meetings_lapsed = "meetings_lapsed"


# What a person may turn off: reminders and alerts. Everything else is essential: an
# application's answers, invoices and their reminders (statutory), changes to sessions people
# are expected at.
OPTIONAL: frozenset[Kind] = frozenset(
    {Kind.session_reminder, Kind.team_disengaged, Kind.chart_signal, Kind.meetings_lapsed}
)


def is_essential(kind: Kind | str) -> bool:
    return Kind(kind) not in OPTIONAL


def retry_delay(attempts: int, *, first: float, most: float) -> timedelta:
    """Exponential backoff: ``first`` after the first failed attempt, doubling, at most ``most``."""
    return timedelta(seconds=min(most, first * 2 ** max(0, attempts - 1)))


class Outcome(StrEnum):
    sent = "sent"
    retry = "retry"  # the server is away or refused for now (4xx)
    dead = "dead"  # refused for good (5xx)


def outcome_of_reply(code: int | None) -> Outcome:
    """What an SMTP reply code means for the message (no code: the connection failed)."""
    if code is None or 400 <= code < 500:
        return Outcome.retry
    if code >= 500:
        return Outcome.dead
    return Outcome.sent


@dataclass(frozen=True)
class ReminderDue:
    days_before: int


def session_reminder_due(starts_at: datetime, now: datetime, days: list[int]) -> ReminderDue | None:
    """The reminder due now for a session starting at ``starts_at``: the closest of ``days``
    whose moment has come (a session scheduled 3 days ahead gets only its 1-day reminder when
    that comes, not a late 7-day one); None once it has started."""
    if now >= starts_at:
        return None
    passed = [d for d in days if now >= starts_at - timedelta(days=d)]
    return ReminderDue(min(passed)) if passed else None


def overdue_reminders_due(due_on: date, today: date, days: list[int]) -> int:
    """How many follow-up reminders of an overdue invoice are due by ``today`` (the first
    message, when billing records it overdue, is not counted)."""
    return sum(1 for d in days if today >= due_on + timedelta(days=d))
