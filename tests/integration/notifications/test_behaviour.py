"""How the service behaves: exactly once per (event, recipient, kind) under redelivery and
replay; preferences and unsubscribe links respected while essential messages still go; the feed
answers only the signed-in person's messages; refusals retried (4xx) or dead-lettered (5xx) and
shown to operators; erasure leaves the person nowhere in the database; retention blanks bodies."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from urllib.parse import unquote

from sqlalchemy import select

from services.notifications.invoices import accounts_payable
from services.notifications.messages import Recipient, notify
from services.notifications.models import Base, Delivery, Message
from services.notifications.retention import remove_old_bodies
from services.notifications.rules import Kind
from shared.clock import MovableClock
from shared.erasure import email_digest
from shared.events.enrolment import PersonErased
from shared.events.measurement import SignalDetected
from shared.events.sessions import TeamDisengaged
from shared.handlers import ServiceContext
from tests.integration.notifications.mailbox import Mailbox
from tests.integration.notifications.test_messages import confirmed_team, one
from tests.integration.notifications.world import People, days_ago, soon
from tests.support import RunningService, eventually, publish_event


def person(notifications: RunningService, email: str, role: str = "coach") -> dict[str, str]:
    claims: dict[str, str] = {"email": email, "subject": f"sub-{email}"}
    if role == "coach":
        claims["coach_id"] = str(uuid.uuid4())
    if role == "team_lead":
        claims["organisation_id"] = str(uuid.uuid4())
    return notifications.auth(role, **claims)


async def deliveries(notifications: RunningService, recipient: str) -> list[tuple[str, str, int]]:
    async with notifications.app.state.database.transaction() as session:
        rows = await session.execute(
            select(Message.kind, Delivery.status, Delivery.attempts)
            .join(Delivery, Delivery.message_id == Message.id)
            .where(Message.recipient == recipient)
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def test_redelivered_and_replayed_events_send_nothing_twice(
    notifications: RunningService, mailbox: Mailbox
) -> None:
    nats = notifications.settings.nats_url
    team = People()
    event = team.eoi()
    envelope = await publish_event(nats, event)
    await one(mailbox, team.lead, "eoi_received")
    # The same event again (a redelivery past the stream's de-duplication, or a replay).
    await publish_event(nats, event, event_id=envelope.id, msg_id=str(uuid.uuid4()))
    # And the handler's work done again as if the inbox had forgotten it: the message's unique
    # key refuses a second one.
    async with notifications.app.state.database.transaction() as session:
        again = await notify(
            session,
            settings=notifications.settings,  # type: ignore[arg-type]
            event_key=envelope.id,
            kind=Kind.eoi_received,
            recipients=[Recipient(team.lead.upper(), "Lee"), Recipient(team.sponsor)],
            values={"team_name": "x", "organisation_name": None, "cohort_name": None},
            now=soon(0),
        )
    assert again == 0
    later = People()
    await publish_event(nats, later.eoi())
    await one(mailbox, later.lead, "eoi_received")  # the stream moved on past the repeat
    await asyncio.sleep(0.5)  # a worker round or more after the repeat was handled
    assert len(mailbox.to(team.lead)) == 1
    assert len(mailbox.to(team.sponsor)) == 1


async def test_preferences_and_unsubscribe_links_leave_essential_messages_alone(
    notifications: RunningService, mailbox: Mailbox
) -> None:
    nats = notifications.settings.nats_url
    client = notifications.client
    team = await confirmed_team(notifications, mailbox)
    coach = person(notifications, team.coach)

    refused = await client.put(
        "/api/notifications/me/preferences",
        json={"kinds": {"invoice_issued": False, "chart_signal": False}},
        headers=coach,
    )
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("/notifications/essential-kind")
    changed = await client.put(
        "/api/notifications/me/preferences", json={"kinds": {"chart_signal": False}}, headers=coach
    )
    assert changed.status_code == 200
    assert changed.json()["kinds"] == {
        "chart_signal": False,
        "meetings_lapsed": True,
        "session_reminder": True,
        "team_disengaged": True,
    }
    signal = SignalDetected(
        team_id=team.team_id,
        measure_key="joy",
        rule="trend",
        signal_class="concern",
        periods=[days_ago(30)],
        detected_at=soon(0),
    )
    await publish_event(nats, signal)
    disengaged = TeamDisengaged(
        cohort_id=team.cohort_id,
        team_id=team.team_id,
        coach_id=team.coach_id,
        missed_session_ids=[uuid.uuid4()],
        last_missed_on=days_ago(1),
    )
    await publish_event(nats, disengaged)
    [alert] = await one(mailbox, team.coach, "team_disengaged")

    async def suppressed() -> bool:  # (the signal comes on another stream)
        return ("chart_signal", "suppressed", 0) in await deliveries(notifications, team.coach)

    await eventually(suppressed, timeout=10)
    assert [m for m in mailbox.to(team.coach) if mailbox.kind(m) == "chart_signal"] == []
    feed = (await client.get("/api/notifications/me", headers=coach)).json()
    assert {item["kind"] for item in feed["items"]} == {"chart_signal", "team_disengaged"}

    # The link in the header works without signing in: GET asks, POST unsubscribes.
    link = str(alert.message["List-Unsubscribe"]).strip("<>")
    path = link.removeprefix("http://console.test")
    page = await client.get(path)
    assert page.status_code == 200 and "team_disengaged" in page.text
    done = await client.post(path, content="List-Unsubscribe=One-Click")
    assert done.status_code == 200 and done.json() == {
        "kind": "team_disengaged",
        "unsubscribed": True,
    }
    forged = await client.post(path[:-3] + "abc")
    assert forged.status_code == 404
    token = unquote(path.split("token=")[1])
    assert token  # signed, not the address in clear
    assert team.coach not in token

    await publish_event(nats, disengaged.model_copy(update={"last_missed_on": days_ago(0)}))
    coordinators = "coordinators@example.org"
    await eventually(
        lambda: _count(mailbox, coordinators, team.team_name, "team_disengaged", 2), timeout=15
    )
    assert len([m for m in mailbox.to(team.coach) if mailbox.kind(m) == "team_disengaged"]) == 1
    # Essential messages still reach the person who turned everything else off.
    again = People()
    again.lead = team.coach
    await publish_event(nats, again.eoi())
    await one(mailbox, team.coach, "eoi_received")


async def _count(mailbox: Mailbox, to: str, words: str, kind: str, count: int) -> bool:
    return len([m for m in mailbox.to(to) if mailbox.kind(m) == kind and words in m.text]) >= count


async def test_the_feed_answers_only_the_signed_in_persons_messages(
    notifications: RunningService, mailbox: Mailbox
) -> None:
    client = notifications.client
    team, other = People(), People()
    await publish_event(notifications.settings.nats_url, team.eoi())
    await publish_event(notifications.settings.nats_url, other.eoi())
    await one(mailbox, team.lead, "eoi_received")
    await one(mailbox, other.lead, "eoi_received")
    mine = person(notifications, team.lead.upper(), role="applicant")  # case does not matter
    feed = (await client.get("/api/notifications/me", headers=mine)).json()
    assert feed["unread"] == 1
    [item] = feed["items"]
    assert item["kind"] == "eoi_received" and team.team_name in item["subject"]
    assert other.team_name not in str(feed)
    theirs = (
        await client.get(
            "/api/notifications/me", headers=person(notifications, other.lead, "applicant")
        )
    ).json()["items"][0]
    # Another person's message is not found, as if it did not exist.
    assert (
        await client.post(f"/api/notifications/me/{theirs['id']}/read", headers=mine)
    ).status_code == 404
    read = await client.post(f"/api/notifications/me/{item['id']}/read", headers=mine)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert (await client.get("/api/notifications/me", headers=mine)).json()["unread"] == 0
    marked = await client.post(
        "/api/notifications/me/read", headers=person(notifications, other.lead, "applicant")
    )
    assert marked.json() == {"marked": 1}
    # A sign-in without an address has no messages here, and no preferences to change.
    coordinator = notifications.auth("coordinator")
    assert (await client.get("/api/notifications/me", headers=coordinator)).json() == {
        "unread": 0,
        "items": [],
    }
    assert (
        await client.get(f"/api/notifications/me/{item['id']}", headers=coordinator)
    ).status_code == 404
    no_email = await client.put(
        "/api/notifications/me/preferences",
        json={"kinds": {"chart_signal": False}},
        headers=coordinator,
    )
    assert no_email.status_code == 403
    assert no_email.json()["type"].endswith("/notifications/no-email")
    assert (await client.get("/api/notifications/me")).status_code == 401


async def test_temporary_refusals_are_retried_and_permanent_ones_dead_lettered(
    notifications: RunningService, mailbox: Mailbox
) -> None:
    nats = notifications.settings.nats_url
    team = People()
    mailbox.refuse[team.lead] = "451 4.3.0 try again later"
    mailbox.refuse[team.sponsor] = "550 5.1.1 no such mailbox"
    await publish_event(nats, team.eoi())

    async def retried() -> bool:
        found = await deliveries(notifications, team.lead)
        return bool(found) and found[0][2] >= 2

    await eventually(retried, timeout=15)
    del mailbox.refuse[team.lead]
    await one(mailbox, team.lead, "eoi_received")
    [(_kind, status, _attempts)] = await deliveries(notifications, team.sponsor)
    assert status == "dead"
    assert mailbox.to(team.sponsor) == []
    operators = await notifications.client.get(
        "/api/notifications/undeliverable", headers=notifications.auth("operator")
    )
    assert operators.status_code == 200
    [dead] = [d for d in operators.json() if d["recipient"] == team.sponsor]
    assert dead["kind"] == "eoi_received" and dead["last_error"].startswith("550")
    refused = await notifications.client.get(
        "/api/notifications/undeliverable", headers=notifications.auth("coordinator")
    )
    assert refused.status_code == 403


async def everything(notifications: RunningService) -> str:
    """Every row of every table of the service's database, as text."""
    from shared.db import platform_metadata

    text = []
    async with notifications.app.state.database.transaction() as session:
        for metadata in (Base.metadata, platform_metadata):
            for table in metadata.sorted_tables:
                rows = await session.execute(select(table))
                text += [repr(tuple(row)) for row in rows.all()]
    return "\n".join(text).lower()


async def test_erasure_removes_the_person_from_every_table(
    notifications: RunningService, mailbox: Mailbox
) -> None:
    nats = notifications.settings.nats_url
    team = await confirmed_team(notifications, mailbox)
    coach = person(notifications, team.lead, "team_lead")
    await notifications.client.put(
        "/api/notifications/me/preferences",
        json={"kinds": {"session_reminder": False}},
        headers=coach,
    )
    await one(mailbox, team.sponsor, "team_welcome")
    assert team.lead in await everything(notifications)
    assert team.lead_name.lower() in await everything(notifications)
    erased = await notifications.client.post(
        "/api/notifications/erasures",
        json={"email": team.lead},
        headers=notifications.auth("coordinator"),
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["messages_deleted"] == 1
    assert (
        await notifications.client.post(
            "/api/notifications/erasures",
            json={"email": team.lead},
            headers=notifications.auth("coach", coach_id=str(uuid.uuid4())),
        )
    ).status_code == 403
    stored = await everything(notifications)
    assert team.lead not in stored
    # The sponsor's welcome named nobody else; the lead's name is gone from the team's copy.
    assert team.lead_name.lower() not in stored
    assert team.sponsor in stored  # others stay

    # The same through enrolment's event, for the sponsor.
    await publish_event(
        nats,
        PersonErased(
            erasure_id=uuid.uuid4(), email_digest=email_digest(team.sponsor), erased_at=soon(0)
        ),
    )

    async def gone() -> bool:
        return team.sponsor not in await everything(notifications)

    await eventually(gone, timeout=15)
    assert team.sponsor_name.lower() not in await everything(notifications)
    # An erased contact is never written to again.
    async with notifications.app.state.database.transaction() as session:
        recipient, _name = await accounts_payable(session, team.organisation_id, None, None)
    assert recipient.email == team.payable


async def test_retention_blanks_the_bodies_of_old_sent_messages(
    notifications: RunningService, mailbox: Mailbox
) -> None:
    team = People()
    await publish_event(notifications.settings.nats_url, team.eoi())
    await one(mailbox, team.lead, "eoi_received")

    async def sent() -> bool:  # the worker marks it sent when its round commits
        return await deliveries(notifications, team.lead) == [("eoi_received", "sent", 1)]

    await eventually(sent, timeout=10)
    later = MovableClock(soon(0) + timedelta(days=notifications.settings.retention_days + 1))  # type: ignore[attr-defined]
    async with notifications.app.state.database.transaction() as session:
        await remove_old_bodies(
            session,
            context=ServiceContext(settings=notifications.settings, clock=later),  # type: ignore[arg-type]
        )
    async with notifications.app.state.database.transaction() as session:
        message = await session.scalar(select(Message).where(Message.recipient == team.lead))
        assert message is not None
        assert message.body_text == "" and message.body_html == ""
        assert message.bodies_removed_at is not None
        assert team.team_name in message.subject  # the fact stays


async def test_an_smtp_outage_however_long_never_dead_letters_a_message(
    notifications: RunningService,
) -> None:
    """Attempts are used up by refusals only: a server that cannot be reached makes messages
    wait, even past the last attempt (here: one)."""
    from services.notifications.delivery import deliver_messages
    from tests.support import free_port

    team = People()
    later = MovableClock(soon(400))  # due then: the running worker leaves it alone
    async with notifications.app.state.database.transaction() as session:
        await notify(
            session,
            settings=notifications.settings,  # type: ignore[arg-type]
            event_key=str(uuid.uuid4()),
            kind=Kind.eoi_received,
            recipients=[Recipient(team.lead)],
            values={"team_name": "x", "organisation_name": None, "cohort_name": None},
            now=later.now(),
        )
    away = notifications.settings.model_copy(update={"smtp_port": free_port(), "max_attempts": 1})
    for _ in range(3):
        later.advance(timedelta(hours=2))
        async with notifications.app.state.database.transaction() as session:
            await deliver_messages(session, context=ServiceContext(settings=away, clock=later))  # type: ignore[arg-type]
    assert await deliveries(notifications, team.lead) == [("eoi_received", "pending", 3)]
