"""A team's own feed after a withdrawal: later sessions stay in it, cancelled, SEQUENCE up."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from icalendar import Calendar

from services.sessions.rules.calendar import FeedSession, build_feed, for_team, session_uid

CREATED = datetime(2021, 1, 5, 9, tzinfo=UTC)
WITHDRAWN_AT = datetime(2021, 4, 1, 9, tzinfo=UTC)


def session(month: int, sequence: int = 0, status: str = "scheduled") -> FeedSession:
    return FeedSession(
        id=uuid.UUID(int=month),
        kind="learning_set",
        title=f"Learning set {month}",
        starts_at=datetime(2021, month, 16, 14, tzinfo=UTC),
        ends_at=datetime(2021, month, 16, 15, 30, tzinfo=UTC),
        mode="virtual",
        status=status,
        sequence=sequence,
        created_at=CREATED,
        updated_at=CREATED,
        join_url="https://meet.example.org/sets",
    )


def vevents(sessions: list[FeedSession]) -> dict[str, object]:
    feed = build_feed(name="Ward 7", sessions=sessions)
    calendar = Calendar.from_ical(feed)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_sessions_after_the_withdrawal_are_cancelled_with_a_higher_sequence() -> None:
    programme = [session(3), session(4), session(5, sequence=2)]
    before = vevents(
        [for_team(s, revision=0, changed_at=None, withdrawn_on=None) for s in programme]
    )
    after = vevents(
        [
            for_team(s, revision=1, changed_at=WITHDRAWN_AT, withdrawn_on=date(2021, 4, 1))
            for s in programme
        ]
    )
    assert before.keys() == after.keys()  # nothing dropped, same UIDs
    march, april, may = (session_uid(uuid.UUID(int=m)) for m in (3, 4, 5))
    assert str(after[march]["STATUS"]) == "CONFIRMED"  # before the withdrawal: unchanged
    for uid in (april, may):
        assert str(after[uid]["STATUS"]) == "CANCELLED"
        assert int(after[uid]["SEQUENCE"]) > int(before[uid]["SEQUENCE"])
        assert "withdrew from the programme on 1 April 2021" in str(after[uid]["DESCRIPTION"])
        assert after[uid].decoded("DTSTAMP") == WITHDRAWN_AT
    assert int(after[may]["SEQUENCE"]) == 3


def test_returning_raises_the_sequence_again_and_confirms_the_sessions() -> None:
    april = session(4)
    withdrawn = for_team(april, revision=1, changed_at=WITHDRAWN_AT, withdrawn_on=date(2021, 4, 1))
    back = for_team(
        april, revision=2, changed_at=datetime(2021, 4, 2, tzinfo=UTC), withdrawn_on=None
    )
    assert (withdrawn.status, back.status) == ("cancelled", "scheduled")
    assert back.sequence > withdrawn.sequence > april.sequence
