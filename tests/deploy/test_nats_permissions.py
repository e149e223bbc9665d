"""Issue #16 item 14: anyone who could reach NATS could publish any event (a forged
`enrolment.team.withdrawn` would make billing issue a credit note). In compose and production
each service connects as its own NATS user that may publish only its own events and consume only
what its handlers registry consumes. deploy/nats.conf is generated from the event catalogue and
the services' handlers (`python -m scripts.nats_config`); these tests run nats-server with it."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.errors import Error as NatsError

from scripts.nats_config import consumed_subjects, render
from shared.auth import Role
from shared.bus import inbox_prefix, nats_permissions, own_stream, server_urls
from shared.events import STREAMS
from shared.events.enrolment import TeamWithdrawn
from tests.deploy.support import DEPLOY, FILLED_IN, code_services
from tests.support import (
    ROOT,
    NatsCluster,
    NatsNode,
    envelope_for,
    eventually,
    free_port,
    run_service,
    team_confirmed_event,
)

SERVICES = code_services()
PASSWORDS = {s: FILLED_IN[f"{s.upper()}_NATS_PASSWORD"] for s in SERVICES}


def test_the_committed_config_is_what_the_generator_prints() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "scripts.nats_config"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    ).stdout
    assert (DEPLOY / "nats.conf").read_text() == printed, (
        "deploy/nats.conf is stale: run `python -m scripts.nats_config > deploy/nats.conf`"
    )


def test_every_service_in_the_code_has_a_user_with_a_password_in_compose() -> None:
    assert set(consumed_subjects()) == set(SERVICES)
    text = (DEPLOY / "nats.conf").read_text()
    for service in SERVICES:
        assert f"user: {service}\n" in text
        assert f"password: ${service.upper()}_NATS_PASSWORD\n" in text


def test_the_permissions_follow_the_catalogue_and_the_handlers() -> None:
    """Data-driven: a service publishes to its own stream only (none if it has no stream, as a
    notifications service would), and gets a durable consumer on exactly the streams of the
    subjects it handles."""
    for service, consumed in consumed_subjects().items():
        allowed = nats_permissions(service, consumed)
        own = own_stream(service)
        patterns = [p for p in allowed["publish"] if not p.startswith("$JS")]
        assert patterns == ([STREAMS[own]] if own else []), service
        consumers = {p.split(".")[5] for p in allowed["publish"] if ".CONSUMER.MSG.NEXT." in p}
        expected = {s.split(".")[0].upper() for s in consumed}
        assert consumers == expected, service
        assert allowed["subscribe"] == [f"{inbox_prefix(service)}.>"]
    newcomer = nats_permissions("notifications", ["enrolment.team.confirmed"])
    assert not [p for p in newcomer["publish"] if not p.startswith("$JS")]
    assert "$JS.ACK.ENROLMENT.notifications-enrolment.>" in newcomer["publish"]
    generated = render({"improvement": [], "notifications": ["billing.invoice.issued"]})
    assert '"improvement.>"' in generated and "user: notifications" in generated


@pytest.fixture
async def secured_nats(tmp_path: Path) -> AsyncIterator[NatsCluster]:
    """The committed deploy/nats.conf on three servers routed into one cluster, as compose runs
    it (local ports and storage in place of the containers'), with the passwords compose gives
    the servers."""
    env = {f"{s.upper()}_NATS_PASSWORD": p for s, p in PASSWORDS.items()}
    env["NATS_CLUSTER_PASSWORD"] = FILLED_IN["NATS_CLUSTER_PASSWORD"]
    cluster = NatsCluster(tmp_path / "nats", config=DEPLOY / "nats.conf", env=env)
    cluster.start()
    try:
        await cluster.wait_ready()
        yield cluster
    finally:
        cluster.stop(kill=True)


def _url(service: str, cluster: NatsCluster) -> str:
    """A service's NATS_URL: every member, its own user."""
    return ",".join(
        f"nats://{service}:{PASSWORDS[service]}@127.0.0.1:{node.port}" for node in cluster.nodes
    )


@contextlib.asynccontextmanager
async def _connect(service: str, cluster: NatsCluster, errors: list[str]) -> AsyncIterator[Any]:
    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    servers, user, password = server_urls(_url(service, cluster))
    nc = await nats.connect(
        servers=servers,
        user=user,
        password=password,
        inbox_prefix=inbox_prefix(service),
        error_cb=on_error,
        allow_reconnect=False,
    )
    try:
        yield nc
    finally:
        await nc.close()


def _withdrawal() -> bytes:
    event = TeamWithdrawn(
        cohort_id=uuid.uuid4(),
        team_id=uuid.uuid4(),
        organisation_id=uuid.uuid4(),
        reason="forged",
        withdrawn_on=date(2026, 1, 5),
    )
    return envelope_for(event).model_dump_json().encode()


async def test_a_forged_event_from_another_services_user_is_refused(
    secured_nats: NatsCluster,
) -> None:
    errors: list[str] = []
    async with _connect("enrolment", secured_nats, errors) as enrolment:
        js = enrolment.jetstream(timeout=5)
        await js.add_stream(name="ENROLMENT", subjects=["enrolment.>"], num_replicas=3)
        await js.publish(TeamWithdrawn.subject, _withdrawal())  # its own event: accepted
        async with _connect("billing", secured_nats, errors) as billing:
            forged = billing.jetstream(timeout=1)
            with pytest.raises((NatsError, asyncio.TimeoutError)):
                await forged.publish(TeamWithdrawn.subject, _withdrawal())
            await billing.publish(TeamWithdrawn.subject, _withdrawal())  # core NATS too
            await billing.flush()
            # Nor may it touch another stream, nor listen to another service's replies.
            with pytest.raises((NatsError, asyncio.TimeoutError)):
                await forged.delete_stream("ENROLMENT")
            await billing.subscribe(f"{inbox_prefix('enrolment')}.>")
            await billing.flush()
            await asyncio.sleep(0.3)
        info = await js.stream_info("ENROLMENT")
        assert info.state.messages == 1  # the forged ones never reached the stream
    violations = [e.lower() for e in errors if "permissions violation" in e.lower()]
    assert any("publish to" in v and TeamWithdrawn.subject in v for v in violations), errors
    assert any("subscription to" in v for v in violations), errors


async def test_the_services_run_with_their_own_users(secured_nats: NatsCluster) -> None:
    """Billing consumes a confirmation published by enrolment's user and publishes its own
    invoice event: the permissions are enough for the real services, and no more, and billing
    keeps its stream on all three servers."""
    nats_url = _url("billing", secured_nats)
    async with run_service("billing", nats_url=nats_url, stream_replicas=3) as billing:
        event = team_confirmed_event()
        errors: list[str] = []
        async with _connect("enrolment", secured_nats, errors) as enrolment:
            js = enrolment.jetstream(timeout=5)
            await js.publish(event.subject, envelope_for(event).model_dump_json().encode())

            async def invoiced() -> Any:
                answer = await billing.client.get(
                    "/api/billing/invoices",
                    params={"organisation_id": str(event.organisation.id)},
                    headers=billing.auth(Role.finance),
                )
                return answer.json() if answer.status_code == 200 else None

            assert await eventually(invoiced)
            # billing.invoice.issued, published by billing's own user to its own stream.
            assert await eventually(lambda: _stream_messages(billing.app.state.bus.js, "BILLING"))
        assert (await billing.client.get("/readyz")).status_code == 200
        assert errors == []
        info = await billing.app.state.bus.js.stream_info("BILLING")
        assert info.config.num_replicas == 3
        assert {info.cluster.leader, *(r.name for r in info.cluster.replicas)} == {"n1", "n2", "n3"}


async def test_a_server_without_the_cluster_password_cannot_join(
    secured_nats: NatsCluster, tmp_path: Path
) -> None:
    """A route sees every message, whatever the users' permissions: the members accept routes
    with the cluster's password only."""
    first = secured_nats.nodes[0]
    rogue = NatsNode(
        tmp_path / "rogue",
        name="rogue",
        routes=[f"nats://127.0.0.1:{first.cluster_port}"],
        cluster_port=free_port(),
    )
    rogue.start()
    try:
        await asyncio.sleep(3.0)  # it has tried, again and again
        routes = await asyncio.to_thread(secured_nats.monitor, first, "/routez")
        assert {route["remote_name"] for route in routes["routes"]} == {"n2", "n3"}
        meta = (await asyncio.to_thread(secured_nats.monitor, first, "/jsz"))["meta_cluster"]
        assert meta["cluster_size"] == 3
    finally:
        rogue.stop(kill=True)


async def _stream_messages(js: Any, stream: str) -> int:
    with contextlib.suppress(Exception):
        return int((await js.stream_info(stream)).state.messages)
    return 0
