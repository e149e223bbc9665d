"""The pull consumer hands an event over as soon as it arrives, on a real NATS server.

A batch fetch (nats-py's ``fetch``) waits, after the first event, for the server to end the pull
request, and the server sometimes ends it only when the next event arrives: a lone event then
waited for the next one (100 ms at 10 events/s). ``shared.bus.Pull`` returns the first event
with whatever else has arrived, and leaves the request open for the next call.
"""

from __future__ import annotations

import asyncio

import nats
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig

from shared.bus import Pull
from tests.support import NatsServer


async def test_a_lone_event_is_handed_over_while_its_pull_request_stays_open(
    nats_server: NatsServer,
) -> None:
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        await js.add_stream(
            StreamConfig(name="PULLS", subjects=["pulls.>"], storage=StorageType.FILE)
        )
        await js.add_consumer(
            "PULLS",
            ConsumerConfig(durable_name="worker", ack_policy=AckPolicy.EXPLICIT, ack_wait=30),
        )
        # A request that would stay open for a minute unless it delivered 50 events.
        pull = Pull(nc, stream="PULLS", durable="worker", batch=50, expires=60)
        await pull.start()
        waiting = asyncio.create_task(pull.next_batch())
        await asyncio.sleep(0.2)  # the request is open and waiting at the server
        assert not waiting.done()

        await js.publish("pulls.one", b"first")
        # Handed over with the request still open: no second event, no end of the request.
        first = await asyncio.wait_for(waiting, timeout=10)
        assert [m.data for m in first] == [b"first"]
        await first[0].ack()

        # The open request delivers the next events too, each taken without a new request.
        await js.publish("pulls.two", b"second")
        await js.publish("pulls.three", b"third")
        taken: list[bytes] = []
        while len(taken) < 2:
            batch = await asyncio.wait_for(pull.next_batch(), timeout=10)
            for msg in batch:
                taken.append(msg.data)
                await msg.ack()
        assert taken == [b"second", b"third"]
        info = await js.consumer_info("PULLS", "worker")
        assert info.num_waiting == 1  # still the one request
        await pull.close()
    finally:
        await nc.close()
