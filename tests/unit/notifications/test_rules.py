"""The notifications service's pure rules: essential kinds, backoff, what an SMTP reply means,
when reminders are due; and its templates and signed unsubscribe links."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.notifications.rendering import (
    SUBJECTS,
    read_unsubscribe_token,
    render,
    unsubscribe_token,
    unsubscribe_url,
)
from services.notifications.rules import (
    OPTIONAL,
    Kind,
    Outcome,
    is_essential,
    outcome_of_reply,
    overdue_reminders_due,
    retry_delay,
    session_reminder_due,
)

SECRET = "a-test-secret-that-is-long-enough-000"


def test_invoices_and_statutory_messages_are_essential_reminders_and_alerts_are_not() -> None:
    assert (
        {k for k in Kind if not is_essential(k)}
        == set(OPTIONAL)
        == {
            Kind.session_reminder,
            Kind.team_disengaged,
            Kind.chart_signal,
            Kind.meetings_lapsed,
        }
    )
    for kind in (Kind.invoice_issued, Kind.credit_note_issued, Kind.invoice_overdue):
        assert is_essential(kind)


def test_backoff_doubles_from_the_first_delay_up_to_the_cap() -> None:
    delays = [retry_delay(n, first=30, most=3600).total_seconds() for n in range(1, 10)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (None, Outcome.retry),
        (421, Outcome.retry),
        (451, Outcome.retry),
        (550, Outcome.dead),
        (554, Outcome.dead),
        (250, Outcome.sent),
    ],
)
def test_what_an_smtp_reply_means(code: int | None, outcome: Outcome) -> None:
    assert outcome_of_reply(code) is outcome


def test_a_session_gets_the_closest_reminder_whose_moment_has_come() -> None:
    starts = datetime(2027, 3, 10, 10, tzinfo=UTC)
    days = [7, 1]
    assert session_reminder_due(starts, starts - timedelta(days=8), days) is None
    assert session_reminder_due(starts, starts - timedelta(days=6), days).days_before == 7  # type: ignore[union-attr]
    assert session_reminder_due(starts, starts - timedelta(hours=20), days).days_before == 1  # type: ignore[union-attr]
    assert session_reminder_due(starts, starts, days) is None  # started


def test_overdue_reminders_follow_the_schedule_after_the_due_date() -> None:
    due = date(2027, 1, 31)
    assert overdue_reminders_due(due, date(2027, 2, 6), [7, 14, 28]) == 0
    assert overdue_reminders_due(due, date(2027, 2, 7), [7, 14, 28]) == 1
    assert overdue_reminders_due(due, date(2027, 3, 31), [7, 14, 28]) == 3


def test_every_kind_has_a_subject_and_both_parts() -> None:
    assert set(SUBJECTS) == set(Kind)


def test_html_is_escaped_and_text_is_not_and_times_are_shown_in_london() -> None:
    rendered = render(
        Kind.session_cancelled,
        {
            "name": "Ada <Admin>",
            "title": "Learning set & clinic",
            "starts_at": datetime(2027, 7, 1, 9, tzinfo=UTC),
            "reason": None,
        },
        unsubscribe_url=None,
    )
    assert rendered.subject == "Cancelled: Learning set & clinic"
    assert "Dear Ada <Admin>," in rendered.text
    assert "Ada &lt;Admin&gt;" in rendered.html and "Learning set &amp; clinic" in rendered.html
    assert "Thursday 1 July 2027, 10:00" in rendered.text  # 09:00 UTC is 10:00 BST


def test_unsubscribe_links_are_signed_and_only_for_non_essential_kinds() -> None:
    token = unsubscribe_token(SECRET, recipient="ada@nhs.example", kind=Kind.chart_signal)
    assert read_unsubscribe_token(SECRET, token) == ("ada@nhs.example", Kind.chart_signal)
    assert read_unsubscribe_token("another-secret-that-is-long-enough-00", token) is None
    assert read_unsubscribe_token(SECRET, token[:-2] + "xx") is None
    assert (
        unsubscribe_url("http://x", SECRET, recipient="a@b.example", kind=Kind.invoice_issued)
        is None
    )
    essential = unsubscribe_token(SECRET, recipient="a@b.example", kind=Kind.invoice_issued)
    assert read_unsubscribe_token(SECRET, essential) is None
