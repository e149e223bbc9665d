"""Scenarios 8-10 (issue #21 item 2): enrolment and billing on a real three-node NATS cluster
(nats-server from the wheel, on localhost), every stream and consumer with three replicas.

8. The ENROLMENT stream's leader is killed during 300 confirmations: nothing lost or duplicated.
9. Two of the three servers are killed (no quorum): the outbox keeps every event, and all are
   delivered within 10 s of the quorum returning.
10. All three servers are restarted: the consumers go on where they were; no event handled
    before has a second effect.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from typing import Any

from tests.faults.conftest import ProcessFactory, needs_postgresql
from tests.faults.harness import (
    ServiceProcess,
    confirm,
    gather_limited,
    invoice_counts,
    invoices_by_team,
    metric,
    prepare_programme,
    query,
    record,
    unpublished,
    wait_until,
)
from tests.support import NatsCluster, NatsNode

pytestmark = needs_postgresql

TEAMS = 300
CONFIRMED = "enrolment.team.confirmed"


async def replicated(cluster: NatsCluster, stream: str) -> bool:
    """The stream has a leader and two replicas, both current."""
    try:
        info = await cluster.stream_info(stream)
    except Exception:
        return False
    peers = (info.cluster.replicas or []) if info.cluster else []
    return bool(info.cluster and info.cluster.leader) and (
        len(peers) == 2 and all(p.current and not p.offline for p in peers)
    )


async def invoiced(billing: ServiceProcess, team_ids: list[str]) -> bool:
    by_team = await invoices_by_team(billing)
    return all(t in by_team for t in team_ids)


async def billing_consumer(cluster: NatsCluster) -> Any:
    """The stream's and billing's consumer's info, as the running servers tell them."""
    import nats

    nc = await nats.connect(
        servers=[n.url for n in cluster.nodes if n.running], allow_reconnect=False
    )
    try:
        js = nc.jetstream(timeout=1)
        return await js.stream_info("ENROLMENT"), await js.consumer_info(
            "ENROLMENT", "billing-enrolment"
        )
    finally:
        await nc.close()


async def consumers_settled(cluster: NatsCluster) -> bool:
    """Billing's consumer has handled and acknowledged everything in the stream."""
    try:
        stream, consumer = await billing_consumer(cluster)
    except Exception:
        return False
    return bool(
        stream.state.messages and consumer.num_pending == 0 and consumer.num_ack_pending == 0
    )


async def leaders_elected(cluster: NatsCluster) -> bool:
    """The stream and billing's consumer on it each have a leader: they can work again."""
    try:
        stream, consumer = await billing_consumer(cluster)
    except Exception:
        return False
    return bool(stream.cluster.leader and consumer.cluster.leader)


async def test_stream_leader_killed_during_300_confirmations(
    cluster_services: ProcessFactory, nats_cluster: NatsCluster
) -> None:
    enrolment = await cluster_services("enrolment")
    billing = await cluster_services("billing")
    programme = await prepare_programme(enrolment, teams=TEAMS, organisations=60)
    await wait_until(lambda: replicated(nats_cluster, "ENROLMENT"), timeout=30)
    leader = await nats_cluster.leader("ENROLMENT")
    assert leader is not None
    late_joiners = programme.team_ids[1:]

    answered: list[int] = []

    async def confirm_one(client: Any, team_id: str) -> int:
        status = await confirm(client, team_id)
        answered.append(status)
        return status

    async with enrolment.client() as client:
        confirming = asyncio.create_task(
            gather_limited(6, (confirm_one(client, t) for t in late_joiners))
        )

        async def a_third_confirmed() -> bool:
            return len(answered) >= TEAMS // 3

        await wait_until(a_third_confirmed, timeout=120, interval=0.05)
        leader.stop(kill=True)
        killed_at = time.monotonic()
        # Confirmations go on meanwhile, so the outbox has events to publish: the first one
        # acknowledged after the kill went through the stream's new leader.
        published = await metric(enrolment, "ewc_events_published_total", type=CONFIRMED)

        async def new_leader() -> NatsNode | None:
            elected = await nats_cluster.leader("ENROLMENT")
            return elected if elected is not None and elected is not leader else None

        async def publishing_again() -> bool:
            now = await metric(enrolment, "ewc_events_published_total", type=CONFIRMED)
            return now > published

        elected = await wait_until(new_leader, timeout=30, interval=0.1)
        await wait_until(publishing_again, timeout=30, interval=0.1)
        resumed = time.monotonic() - killed_at
        statuses = await confirming
        flow_ended = time.monotonic()
        # The write path never needed NATS: every confirmation answered 200 (or a clear 503).
        assert all(s in (200, 503) for s in statuses), sorted(set(statuses))
        retried = [t for t, s in zip(late_joiners, statuses, strict=True) if s != 200]
        for team_id in retried:
            assert await confirm(client, team_id) == 200

    await wait_until(lambda: invoiced(billing, programme.team_ids), timeout=60)
    drained = time.monotonic() - flow_ended

    async def outbox_empty() -> bool:
        return await unpublished(enrolment) == 0

    await wait_until(outbox_empty, timeout=30)
    await asyncio.sleep(1.0)  # anything republished after recovery has arrived by now
    by_team = await invoices_by_team(billing)
    lost, duplicated = invoice_counts(by_team, programme.team_ids)
    assert lost == 0 and duplicated == 0

    # The killed server comes back with its disk lost too (an empty store, the same name): it
    # copies the streams from the other two.
    shutil.rmtree(leader.store_dir)
    leader.start()
    back_at = time.monotonic()
    await wait_until(lambda: replicated(nats_cluster, "ENROLMENT"), timeout=60)
    caught_up = time.monotonic() - back_at
    rows = await query(
        enrolment.database_url, "SELECT count(*) AS n FROM outbox WHERE subject = $1", CONFIRMED
    )
    assert (await nats_cluster.stream_info("ENROLMENT")).state.messages >= rows[0]["n"]
    record(
        "8. NATS cluster: stream leader SIGKILLed during 300 confirmations",
        sent=len(programme.team_ids),
        effects=sum(len(v) for v in by_team.values()),
        lost=lost,
        duplicated=duplicated,
        recovery_seconds=round(resumed, 2),
        notes=(
            f"3 servers, 3 replicas; a new ENROLMENT leader in {elected:.1f}s, publishing again "
            f"{resumed:.1f}s after the kill; all invoiced {drained:.1f}s after the last "
            f"confirmation; {len(retried)} answered 503 (retried); the killed server back with "
            f"an empty disk and current in {caught_up:.1f}s"
        ),
    )


async def test_quorum_lost_and_regained_then_all_three_restarted(
    cluster_services: ProcessFactory, nats_cluster: NatsCluster
) -> None:
    enrolment = await cluster_services("enrolment")
    billing = await cluster_services("billing")
    programme = await prepare_programme(enrolment, teams=90, organisations=20)
    before, during, after = (
        programme.team_ids[1:31],
        programme.team_ids[31:61],
        programme.team_ids[61:91],
    )
    await wait_until(lambda: replicated(nats_cluster, "ENROLMENT"), timeout=30)
    async with enrolment.client() as client:
        assert set(await gather_limited(6, (confirm(client, t) for t in before))) == {200}
        await wait_until(lambda: invoiced(billing, programme.team_ids[:31]), timeout=30)

        # Two of three servers gone: no stream can take an event (no quorum).
        leader = await nats_cluster.leader("ENROLMENT")
        assert leader is not None
        survivor = next(n for n in nats_cluster.nodes if n is not leader)
        down = [n for n in nats_cluster.nodes if n is not survivor]
        for node in down:
            node.stop(kill=True)
        assert set(await gather_limited(6, (confirm(client, t) for t in during))) == {200}
        await asyncio.sleep(3.0)  # the relay has tried, and failed, to publish them
        waiting = await query(
            enrolment.database_url,
            "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL AND subject = $1",
            CONFIRMED,
        )
        held = int(waiting[0]["n"])
        assert held == len(during), "every event of the outage waits in the outbox"
        invoiced_meanwhile = await invoices_by_team(billing)
        assert not any(t in invoiced_meanwhile for t in during)
        failures = await metric(enrolment, "ewc_outbox_publish_failures_total")
        assert failures >= 1

        # One server back: a quorum again once the stream and the consumer have elected their
        # leaders (NATS's own Raft timers: seconds). Everything held is delivered within 10 s.
        down[1].start()
        restarted_at = time.monotonic()
        await wait_until(lambda: leaders_elected(nats_cluster), timeout=60, interval=0.1)
        quorum_back = time.monotonic()
        await wait_until(lambda: invoiced(billing, during), timeout=30, interval=0.1)
        delivered = time.monotonic() - quorum_back
        since_restart = time.monotonic() - restarted_at
        assert delivered <= 10.0, f"delivered {delivered:.1f}s after the quorum returned"
        down[0].start()
        await wait_until(lambda: replicated(nats_cluster, "ENROLMENT"), timeout=60)
        await wait_until(lambda: consumers_settled(nats_cluster), timeout=30)
        await asyncio.sleep(1.0)
        by_team = await invoices_by_team(billing)
        lost, duplicated = invoice_counts(by_team, programme.team_ids[:61])
        assert lost == 0 and duplicated == 0
        record(
            "9. NATS cluster: quorum lost (2 of 3 servers SIGKILLed), one back",
            sent=len(during),
            effects=sum(len(by_team[t]) for t in during),
            lost=lost,
            duplicated=duplicated,
            recovery_seconds=round(delivered, 2),
            notes=(
                f"all {held} confirmations of the outage answered 200 and waited in the outbox "
                f"({int(failures)} failed publish attempts); leaders elected "
                f"{quorum_back - restarted_at:.1f}s after the second server was started again, "
                f"all invoiced {delivered:.1f}s after that ({since_restart:.1f}s in all)"
            ),
        )

        # All three restarted: the consumers go on from where they were.
        redelivered = await metric(billing, "ewc_events_redelivered_total")
        duplicates = await metric(
            billing, "ewc_events_consumed_total", type=CONFIRMED, outcome="duplicate"
        )
        nats_cluster.stop()
        restarted_at = time.monotonic()
        nats_cluster.start()
        await nats_cluster.wait_ready()
        assert set(await gather_limited(6, (confirm(client, t) for t in after))) == {200}
        await wait_until(lambda: invoiced(billing, after), timeout=60, interval=0.1)
        resumed = time.monotonic() - restarted_at
    await wait_until(lambda: consumers_settled(nats_cluster), timeout=30)
    await asyncio.sleep(1.0)
    by_team = await invoices_by_team(billing)
    lost, duplicated = invoice_counts(by_team, programme.team_ids)
    assert lost == 0 and duplicated == 0
    again = await metric(billing, "ewc_events_redelivered_total") - redelivered
    no_effect = (
        await metric(billing, "ewc_events_consumed_total", type=CONFIRMED, outcome="duplicate")
        - duplicates
    )
    record(
        "10. NATS cluster: all three servers restarted",
        sent=len(after),
        effects=sum(len(by_team[t]) for t in after),
        lost=lost,
        duplicated=duplicated,
        recovery_seconds=round(resumed, 2),
        notes=(
            f"new confirmations invoiced {resumed:.1f}s after the restart; {int(again)} events "
            f"delivered again, {int(no_effect)} of them recognised by the inbox; all "
            f"{len(programme.team_ids)} teams invoiced once"
        ),
    )
