"""Nothing is lost while the SMTP server is down, and nothing is sent twice: a burst of 200
events while the server is stopped for 10 s mid-run; once it is back every message is delivered
exactly once (one copy per recipient, distinct Message-IDs)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import nats
from sqlalchemy import func, select

from services.notifications.models import Delivery
from tests.integration.notifications.mailbox import Mailbox
from tests.integration.notifications.world import People
from tests.support import RunningService, envelope_for, eventually

BURST = 200
OUTAGE_SECONDS = 10.0


async def test_smtp_down_for_ten_seconds_during_a_burst_loses_and_repeats_nothing(
    notifications: RunningService, mailbox: Mailbox
) -> None:
    teams = [People() for _ in range(BURST)]
    events = [team.eoi().model_copy(update={"senior_sponsor": None}) for team in teams]
    connection = await nats.connect(notifications.settings.nats_url)
    js = connection.jetstream()

    async def publish(batch: list) -> None:  # type: ignore[type-arg]
        for event in batch:
            envelope = envelope_for(event)
            await js.publish(event.subject, envelope.model_dump_json().encode())

    try:
        await publish(events[:20])
        await eventually(lambda: _received(mailbox, teams[:20]), timeout=20)
        mailbox.stop()  # mid-run
        stopped = time.monotonic()
        await publish(events[20:])
        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
        during = len(mailbox.received)
        mailbox.start()
        back = time.monotonic()
        await eventually(lambda: _received(mailbox, teams), timeout=30, interval=0.1)
        recovered = time.monotonic() - back
    finally:
        await connection.close()
    assert during == 20  # nothing got through while it was down
    await asyncio.sleep(1.0)  # a few more worker rounds: nothing else arrives
    addresses = Counter(a for r in mailbox.received for a in r.rcpt_tos)
    assert all(addresses[team.lead] == 1 for team in teams), [
        a for a, n in addresses.items() if n > 1
    ]
    assert len(mailbox.received) == BURST
    assert len({r.message["Message-ID"] for r in mailbox.received}) == BURST
    async with notifications.app.state.database.transaction() as session:
        statuses = dict(
            (
                await session.execute(
                    select(Delivery.status, func.count()).group_by(Delivery.status)
                )
            ).all()
        )
        retried = await session.scalar(select(func.count()).where(Delivery.attempts > 1))
    assert statuses == {"sent": BURST}
    assert (retried or 0) > 0  # the outage was felt: messages were retried, not lost
    print(
        f"\nall {BURST} delivered {recovered:.1f} s after the SMTP server returned; {retried} retried"
    )


async def _received(mailbox: Mailbox, teams: list[People]) -> bool:
    got = {a for r in mailbox.received for a in r.rcpt_tos}
    return all(team.lead in got for team in teams)
