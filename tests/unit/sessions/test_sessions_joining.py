"""What a session shows of its cohort's joining details (rules/modes.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from services.sessions.rules.modes import (
    Defaults,
    changed_fields,
    needs_venue,
    shown,
    shown_join_url,
    shown_venue,
)

COHORT = Defaults(default_join_url="https://meet.example.org/cohort", default_venue="RCPsych")


@dataclass
class Session:
    mode: str
    join_url: str | None = None
    venue: str | None = None
    capacity: int | None = None
    starts_at: datetime = datetime(2021, 3, 16, 14, tzinfo=UTC)
    ends_at: datetime = datetime(2021, 3, 16, 15, 30, tzinfo=UTC)


def test_a_virtual_session_without_a_link_shows_the_cohorts_and_its_own_overrides_it() -> None:
    assert shown_join_url(Session("virtual"), COHORT) == "https://meet.example.org/cohort"
    own = Session("virtual", join_url="https://meet.example.org/own")
    assert shown_join_url(own, COHORT) == "https://meet.example.org/own"
    assert shown_venue(Session("virtual", venue="Hidden"), COHORT) is None
    assert shown_join_url(Session("virtual")) is None  # no cohort default: nothing to show


def test_in_person_shows_a_venue_only_and_hybrid_shows_both() -> None:
    in_person = Session("in_person", join_url="https://meet.example.org/own")
    assert (shown_join_url(in_person, COHORT), shown_venue(in_person, COHORT)) == (
        None,
        "RCPsych",
    )
    hybrid = Session("hybrid", venue="Leeds")
    assert (shown_join_url(hybrid, COHORT), shown_venue(hybrid, COHORT)) == (
        "https://meet.example.org/cohort",
        "Leeds",
    )


def test_a_venue_is_needed_only_where_none_is_shown() -> None:
    assert needs_venue(Session("in_person"))
    assert not needs_venue(Session("in_person"), COHORT)
    assert not needs_venue(Session("virtual"))


def test_a_new_cohort_default_changes_what_sessions_without_their_own_show() -> None:
    before = shown(Session("virtual"), Defaults())
    after = shown(Session("virtual"), COHORT)
    assert changed_fields(before, after) == ["join_url"]
    own = Session("virtual", join_url="https://meet.example.org/own")
    assert changed_fields(shown(own, Defaults()), shown(own, COHORT)) == []
