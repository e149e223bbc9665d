"""The RFC 5545 feed: parses, stable UID, SEQUENCE, cancellations, TZID and VTIMEZONE."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

from icalendar import Calendar

from services.sessions.rules.calendar import FeedSession, build_feed, session_uid
from shared.clock import LONDON


def make(**overrides: object) -> FeedSession:
    base = FeedSession(
        id=uuid.UUID("6f1c2f0e-8d7b-4d5e-9a51-0c7f3f6c1a11"),
        kind="learning_set",
        title="Learning set 1",
        starts_at=datetime(2021, 3, 16, 14, tzinfo=UTC),
        ends_at=datetime(2021, 3, 16, 15, 30, tzinfo=UTC),
        mode="virtual",
        status="scheduled",
        sequence=0,
        created_at=datetime(2021, 1, 5, 9, tzinfo=UTC),
        updated_at=datetime(2021, 1, 5, 9, tzinfo=UTC),
        join_url="https://meet.example.org/ls1",
    )
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


def events(feed: bytes) -> list:
    return list(Calendar.from_ical(feed).walk("VEVENT"))


def test_feed_parses_with_london_times_and_a_vtimezone() -> None:
    feed = build_feed(name="Cohort 1", sessions=[make()])
    calendar = Calendar.from_ical(feed)
    assert str(calendar["VERSION"]) == "2.0"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    (event,) = events(feed)
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert b"DTSTART;TZID=Europe/London:20210316T140000" in feed
    assert event.decoded("DTSTART") == datetime(2021, 3, 16, 14, tzinfo=UTC)
    assert str(event["UID"]) == session_uid(make().id)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["URL"]) == "https://meet.example.org/ls1"
    assert "https://meet.example.org/ls1" in str(event["LOCATION"])


def test_summer_session_is_local_time_in_bst() -> None:
    feed = build_feed(
        name="Cohort 1",
        sessions=[make(starts_at=datetime(2021, 4, 20, 13, tzinfo=UTC))],
    )
    assert b"DTSTART;TZID=Europe/London:20210420T140000" in feed
    (event,) = events(feed)
    assert event.decoded("DTSTART").astimezone(LONDON).hour == 14
    assert event.decoded("DTSTART") == datetime(2021, 4, 20, 13, tzinfo=UTC)


def test_moved_session_keeps_uid_with_higher_sequence() -> None:
    before = events(build_feed(name="c", sessions=[make()]))[0]
    moved = make(
        starts_at=datetime(2021, 3, 23, 14, tzinfo=UTC),
        ends_at=datetime(2021, 3, 23, 15, 30, tzinfo=UTC),
        sequence=1,
        updated_at=datetime(2021, 2, 1, tzinfo=UTC),
    )
    after = events(build_feed(name="c", sessions=[moved]))[0]
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTAMP") > before.decoded("DTSTAMP")


def test_cancelled_session_stays_in_the_feed_as_cancelled() -> None:
    feed = build_feed(
        name="c",
        sessions=[make(status="cancelled", sequence=2), make(id=uuid.uuid4(), title="Other")],
    )
    parsed = events(feed)
    assert len(parsed) == 2
    cancelled = next(e for e in parsed if str(e["UID"]) == session_uid(make().id))
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 2


def test_in_person_session_has_its_venue_as_location() -> None:
    feed = build_feed(
        name="c",
        sessions=[make(mode="hybrid", venue="Royal College, 21 Prescot St, London E1 8BB")],
    )
    (event,) = events(feed)
    assert str(event["LOCATION"]).startswith("Royal College")
    assert "Join online: https://meet.example.org/ls1" in str(event["DESCRIPTION"])


def test_empty_feed_is_still_a_calendar() -> None:
    calendar = Calendar.from_ical(build_feed(name="empty", sessions=[]))
    assert list(calendar.walk("VEVENT")) == []
