"""Every message kind reaches the right people, over a real SMTP server: recipients, subject,
body text (and its HTML part), List-Unsubscribe on non-essential kinds only."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from services.notifications.invoices import chase_overdue_invoices
from shared.clock import MovableClock
from shared.events.billing import InvoiceOverdue, InvoicePaid
from shared.events.enrolment import CohortCancelled, CohortConfirmed
from shared.events.improvement import MeetingsLapsed
from shared.events.measurement import SignalDetected
from shared.events.sessions import (
    PlaceConfirmed,
    SessionCancelled,
    SessionRescheduled,
    SessionScheduled,
    TeamDisengaged,
)
from shared.handlers import ServiceContext
from tests.integration.notifications.mailbox import Mailbox, Received
from tests.integration.notifications.world import People, days_ago, soon
from tests.support import RunningService, eventually, publish_event


async def one(mailbox: Mailbox, to: str, kind: str, count: int = 1) -> list[Received]:
    async def arrived() -> list[Received] | None:
        found = [r for r in mailbox.to(to) if mailbox.kind(r) == kind]
        return found if len(found) >= count else None

    found: list[Received] = await eventually(arrived, timeout=20)
    assert len(found) == count, [r.message["Subject"] for r in found]
    return found


def check(received: Received, *, to: str, subject: str, text: list[str]) -> None:
    assert received.rcpt_tos == [to]
    assert received.mail_from == "enjoying-work@example.org"
    assert subject in str(received.message["Subject"])
    for words in text:
        assert words in received.text, (words, received.text)
        assert words.split(":")[0] in received.html or "<" in received.html
    assert received.message["Message-ID"].endswith("@notifications.enjoying-work>")


async def test_an_application_is_acknowledged_decided_and_welcomed(
    notifications: RunningService, mailbox: Mailbox
) -> None:
    nats = notifications.settings.nats_url
    team, other = People(), People()
    await publish_event(nats, team.eoi())
    await publish_event(nats, other.eoi())
    for person in (team.lead, team.sponsor):
        [ack] = await one(mailbox, person, "eoi_received")
        check(
            ack,
            to=person,
            subject=f"Expression of interest received: {team.team_name}",
            text=[f"received the expression of interest of {team.team_name} (Test Trust)"],
        )
        assert ack.message["List-Unsubscribe"] is None  # essential: no unsubscribe
    await publish_event(
        nats,
        CohortConfirmed(
            cohort_id=team.cohort_id,
            name="Enjoying Work 2027",
            terms=team.team_confirmed().terms,
            team_ids=[team.team_id],
        ),
    )
    await publish_event(
        nats,
        CohortCancelled(
            cohort_id=other.cohort_id, reason="Too few teams.", team_ids=[other.team_id]
        ),
    )
    for person in (team.lead, team.sponsor):
        [go] = await one(mailbox, person, "cohort_go")
        check(
            go,
            to=person,
            subject="Enjoying Work 2027 will go ahead",
            text=[f"{team.team_name} is part of it"],
        )
    for person in (other.lead, other.sponsor):
        [no_go] = await one(mailbox, person, "cohort_no_go")
        check(no_go, to=person, subject="will not go ahead", text=["Too few teams.", "released"])
    await publish_event(nats, team.coach_allocated())
    await publish_event(nats, team.team_confirmed())
    for person in (team.lead, team.sponsor):
        [welcome] = await one(mailbox, person, "team_welcome")
        check(
            welcome,
            to=person,
            subject=f"Welcome to Enjoying Work 2027: {team.team_name}",
            text=["Your coach is Cora Coach.", "http://console.test/calendar"],
        )
        assert (
            f"Dear {team.lead_name}" in welcome.text or f"Dear {team.sponsor_name}" in welcome.text
        )


async def confirmed_team(notifications: RunningService, mailbox: Mailbox) -> People:
    team = People()
    nats = notifications.settings.nats_url
    await publish_event(nats, team.coach_allocated())
    await publish_event(nats, team.team_confirmed())
    await one(mailbox, team.lead, "team_welcome")
    return team


async def test_sessions_reach_the_teams_on_the_roster(
    notifications: RunningService, mailbox: Mailbox
) -> None:
    nats = notifications.settings.nats_url
    team = await confirmed_team(notifications, mailbox)
    session_id = uuid.uuid4()
    starts = soon(6.9)
    scheduled = SessionScheduled(
        session_id=session_id,
        cohort_id=team.cohort_id,
        kind="learning_set",
        title="Learning set 3",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        mode="virtual",
        join_url="https://meet.example/ls3",
        sequence=0,
    )
    await publish_event(nats, scheduled)
    [reminder] = await one(mailbox, team.lead, "session_reminder")
    check(
        reminder,
        to=team.lead,
        subject="Reminder: Learning set 3 in 7 days",
        text=["A reminder: Learning set 3 is in 7 days", "Join online: https://meet.example/ls3"],
    )
    unsubscribe = str(reminder.message["List-Unsubscribe"])
    assert unsubscribe.startswith("<http://console.test/api/notifications/unsubscribe?token=")
    assert reminder.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    await one(mailbox, team.sponsor, "session_reminder")

    moved = starts + timedelta(days=7)
    await publish_event(
        nats,
        SessionRescheduled(
            **{
                **scheduled.model_dump(exclude={"drafted"}),
                "starts_at": moved,
                "ends_at": moved + timedelta(hours=2),
            },
            changed=["starts_at", "ends_at"],
            previous_starts_at=starts,
        ),
    )
    [moved_mail] = await one(mailbox, team.lead, "session_moved")
    check(
        moved_mail,
        to=team.lead,
        subject="Moved: Learning set 3",
        text=["Learning set 3 has moved: it is now"],
    )
    await publish_event(
        nats,
        SessionCancelled(
            session_id=session_id,
            cohort_id=team.cohort_id,
            kind="learning_set",
            title="Learning set 3",
            starts_at=moved,
            sequence=2,
            reason="The venue flooded.",
        ),
    )
    [cancelled] = await one(mailbox, team.sponsor, "session_cancelled")
    check(
        cancelled,
        to=team.sponsor,
        subject="Cancelled: Learning set 3",
        text=["is cancelled. The venue flooded."],
    )

    await publish_event(
        nats,
        PlaceConfirmed(
            session_id=uuid.uuid4(),
            cohort_id=team.cohort_id,
            team_id=team.team_id,
            organisation_id=team.organisation_id,
            places=2,
            from_waiting_list=True,
            kind="learning_session",
            title="Learning session 1",
            starts_at=soon(30),
            ends_at=soon(30.2),
            mode="in_person",
            venue="Town Hall, Leeds",
            sequence=0,
        ),
    )
    [place] = await one(mailbox, team.lead, "place_confirmed")
    check(
        place,
        to=team.lead,
        subject="Place confirmed: Learning session 1",
        text=[
            f"{team.team_name} now has 2 confirmed place(s) at Learning session 1",
            "Town Hall, Leeds",
        ],
    )


async def test_coaches_hear_of_disengagement_signals_and_lapses(
    notifications: RunningService, mailbox: Mailbox
) -> None:
    nats = notifications.settings.nats_url
    team = await confirmed_team(notifications, mailbox)
    await publish_event(
        nats,
        TeamDisengaged(
            cohort_id=team.cohort_id,
            team_id=team.team_id,
            coach_id=team.coach_id,
            missed_session_ids=[uuid.uuid4(), uuid.uuid4()],
            last_missed_on=days_ago(3),
        ),
    )
    [to_coach] = await one(mailbox, team.coach, "team_disengaged")
    check(
        to_coach,
        to=team.coach,
        subject=f"{team.team_name} has missed two learning sets",
        text=["missed two learning sets in a row"],
    )

    async def to_coordinators() -> bool:
        return any(
            mailbox.kind(r) == "team_disengaged" and team.team_name in r.text
            for r in mailbox.to("coordinators@example.org")
        )

    await eventually(to_coordinators, timeout=10)
    await publish_event(
        nats,
        SignalDetected(
            team_id=team.team_id,
            measure_key="staff-wellbeing",
            rule="shift",
            signal_class="improvement",
            periods=[days_ago(60), days_ago(30)],
            cohort_id=team.cohort_id,
            detected_at=soon(0),
        ),
    )
    [signal] = await one(mailbox, team.coach, "chart_signal")
    check(
        signal,
        to=team.coach,
        subject=f"A chart signal for {team.team_name}",
        text=["a signal of improvement: shift on measure staff-wellbeing"],
    )
    assert signal.message["List-Unsubscribe"] is not None
    await publish_event(
        nats,
        MeetingsLapsed(
            cohort_id=team.cohort_id,
            team_id=team.team_id,
            team_name=team.team_name,
            coach_id=team.coach_id,
            last_meeting_on=days_ago(25),
            days_without_meeting=25,
            lapsed_at=soon(0),
        ),
    )
    [lapsed] = await one(mailbox, team.coach, "meetings_lapsed")
    check(
        lapsed,
        to=team.coach,
        subject="no project meeting for 25 days",
        text=[f"{team.team_name} has logged no project meeting for 25 days"],
    )


async def test_overdue_invoices_are_chased_until_settled(
    notifications: RunningService, mailbox: Mailbox
) -> None:
    nats = notifications.settings.nats_url
    team = People()
    overdue = InvoiceOverdue(
        invoice_id=uuid.uuid4(),
        number="EWC-2027-00042",
        cohort_id=team.cohort_id,
        organisation_id=team.organisation_id,
        due_on=days_ago(8),
        outstanding=Decimal("5160.00"),
        to_chase=Decimal("5160.00"),
        accounts_payable_email=team.payable,
        accounts_payable_name="Accounts Payable",
    )
    await publish_event(nats, overdue)
    # The first when billing records it overdue, and the follow-up due 7 days after the due date.
    reminders = await one(mailbox, team.payable, "invoice_overdue", count=2)
    for reminder in reminders:
        check(
            reminder,
            to=team.payable,
            subject="Invoice EWC-2027-00042 is overdue",
            text=[
                "£5,160.00 is still outstanding",
                f"was due on {overdue.due_on.strftime('%-d %B %Y').lstrip('0')}",
            ],
        )
    # Settled: the schedule stops. A month on, the unsettled invoice gets its 14- and 28-day
    # reminders; the settled one nothing more.
    unpaid = overdue.model_copy(
        update={
            "invoice_id": uuid.uuid4(),
            "number": "EWC-2027-00044",
            "accounts_payable_email": team.sponsor,
        }
    )
    await publish_event(nats, unpaid)
    await one(mailbox, team.sponsor, "invoice_overdue", count=2)
    await publish_event(
        nats,
        InvoicePaid(
            invoice_id=overdue.invoice_id,
            number=overdue.number,
            cohort_id=team.cohort_id,
            organisation_id=team.organisation_id,
            paid_on=days_ago(0),
            total_paid=Decimal("5160.00"),
        ),
    )
    await eventually(lambda: _handled(notifications, overdue.number), timeout=10)
    async with notifications.app.state.database.transaction() as session:
        await chase_overdue_invoices(
            session,
            context=ServiceContext(
                settings=notifications.settings,  # type: ignore[arg-type]
                clock=MovableClock(soon(30)),
            ),
        )
    # (Made a month ahead, so they are due then: counted in the queue, not yet in the mailbox.)
    assert await _made(notifications, team.sponsor) == 4
    assert await _made(notifications, team.payable) == 2

    # Settled before the overdue event arrived: nothing is sent.
    settled = People()
    invoice_id = uuid.uuid4()
    await publish_event(
        nats,
        InvoicePaid(
            invoice_id=invoice_id,
            number="EWC-2027-00043",
            cohort_id=settled.cohort_id,
            organisation_id=settled.organisation_id,
            paid_on=days_ago(1),
            total_paid=Decimal("5160.00"),
        ),
    )
    await publish_event(
        nats,
        overdue.model_copy(
            update={
                "invoice_id": invoice_id,
                "number": "EWC-2027-00043",
                "accounts_payable_email": settled.payable,
            }
        ),
    )
    # A later event of the same stream (billing's), delivered: the one before it was handled too.
    marker = People()
    await publish_event(
        nats,
        overdue.model_copy(
            update={"invoice_id": uuid.uuid4(), "accounts_payable_email": marker.payable}
        ),
    )
    await one(mailbox, marker.payable, "invoice_overdue", count=2)
    assert await _handled(notifications, "EWC-2027-00043")
    assert mailbox.to(settled.payable) == []


async def _made(notifications: RunningService, recipient: str) -> int:
    from sqlalchemy import func, select

    from services.notifications.models import Message

    async with notifications.app.state.database.transaction() as session:
        count = await session.scalar(
            select(func.count()).where(
                Message.recipient == recipient, Message.kind == "invoice_overdue"
            )
        )
        return int(count or 0)


async def _handled(notifications: RunningService, number: str) -> bool:
    from sqlalchemy import select

    from services.notifications.models import OverdueInvoice

    async with notifications.app.state.database.transaction() as session:
        row = await session.scalar(select(OverdueInvoice).where(OverdueInvoice.number == number))
        return row is not None and row.settled
