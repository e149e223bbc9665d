"""docs/operations.md, "From one NATS server to three, and back": the procedure run for real.
Enrolment and billing keep their databases; NATS is replaced by a fresh three-server cluster and
then by a fresh single server again. Before each move, ``scripts.nats_settled`` confirms that
every event published on the old NATS was handled; after it, the services create their streams
on the new one with the replicas asked for, and a new confirmation is invoiced once."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from scripts.nats_settled import main as settled
from shared.auth import Role
from tests.e2e.test_walking_skeleton import COHORT, ORGANISATION, eoi, invoices_for
from tests.support import (
    NatsCluster,
    NatsServer,
    RunningService,
    create_database,
    eventually,
    run_service,
)


@contextlib.asynccontextmanager
async def the_services(
    databases: dict[str, str], nats_url: str, replicas: int
) -> AsyncIterator[tuple[RunningService, RunningService]]:
    async with (
        run_service(
            "enrolment",
            nats_url=nats_url,
            database_url=databases["enrolment"],
            stream_replicas=replicas,
        ) as enrolment,
        run_service(
            "billing",
            nats_url=nats_url,
            database_url=databases["billing"],
            stream_replicas=replicas,
        ) as billing,
    ):
        yield enrolment, billing


async def a_team_invoiced_once(
    enrolment: RunningService, billing: RunningService, period: int
) -> str:
    """A team of a cohort of this period confirmed (its organisation new too), then invoiced."""
    coordinator = enrolment.auth(Role.coordinator)

    async def post(path: str, body: Any = None) -> Any:
        response = await enrolment.client.post(path, json=body, headers=coordinator)
        assert response.status_code in (200, 201), response.text
        return response.json()

    organisation = {**ORGANISATION, "name": f"Trust {period}", "ods_code": f"RX{period}"}
    organisation_id = (await post("/api/enrolment/organisations", organisation))["id"]
    cohort = await post("/api/enrolment/cohorts", {**COHORT, "name": f"Cohort {period}"})
    team_id: str = (
        await post(f"/api/enrolment/cohorts/{cohort['id']}/eois", eoi(organisation_id))
    )["id"]
    await post(f"/api/enrolment/teams/{team_id}/accept")
    await post(f"/api/enrolment/cohorts/{cohort['id']}/close")
    go = await post(f"/api/enrolment/cohorts/{cohort['id']}/decision", {"decision": "go"})
    assert go["confirmed_team_ids"] == [team_id]
    invoices = await eventually(lambda: invoices_for(billing, team_id), timeout=30)
    assert len(invoices) == 1
    return team_id


async def test_from_one_nats_server_to_three_and_back(tmp_path: Path) -> None:
    databases: dict[str, str] = {}
    drops: list[Callable[[], Awaitable[None]]] = []
    for service in ("enrolment", "billing"):
        databases[service], drop = await create_database(service)
        drops.append(drop)
    teams: list[str] = []
    single = NatsServer(tmp_path / "one")
    cluster = NatsCluster(tmp_path / "three")
    again = NatsServer(tmp_path / "one-again")
    try:
        # 1. One server, one replica per stream.
        single.start()
        async with the_services(databases, single.url, 1) as (enrolment, billing):
            teams.append(await a_team_invoiced_once(enrolment, billing, len(teams) + 1))
            assert settled([single.monitor_url, "--timeout", "30"]) == 0
        assert settled([single.monitor_url, "--once"]) == 0  # nothing came in meanwhile
        single.stop()

        # 2. Three servers: the services create their streams anew, with three replicas.
        cluster.start()
        await cluster.wait_ready()
        async with the_services(databases, cluster.url, 3) as (enrolment, billing):
            teams.append(await a_team_invoiced_once(enrolment, billing, len(teams) + 1))
            for stream in ("ENROLMENT", "BILLING"):
                info: Any = await billing.app.state.bus.js.stream_info(stream)
                assert info.config.num_replicas == 3
                assert len(info.cluster.replicas) == 2
            monitors = [f"http://127.0.0.1:{node.monitor_port}" for node in cluster.nodes]
            assert settled([*monitors, "--timeout", "30"]) == 0
        assert settled([*monitors, "--once"]) == 0
        cluster.stop()

        # 3. Back to one server.
        again.start()
        async with the_services(databases, again.url, 1) as (enrolment, billing):
            teams.append(await a_team_invoiced_once(enrolment, billing, len(teams) + 1))
            info = await billing.app.state.bus.js.stream_info("ENROLMENT")
            assert info.config.num_replicas == 1
            # Every team of the three periods invoiced once, the earlier ones not again.
            for team_id in teams:
                assert len(await invoices_for(billing, team_id)) == 1
    finally:
        for server in (single, again):
            server.stop(kill=True)
        cluster.stop(kill=True)
        for drop in drops:
            await drop()


async def test_the_check_reports_what_is_still_pending(nats_server: NatsServer) -> None:
    """An event published and not yet handled: the check says so, and fails."""
    import nats

    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        await js.add_stream(name="ENROLMENT", subjects=["enrolment.>"])
        await js.add_consumer("ENROLMENT", durable_name="billing-enrolment")
        await js.publish("enrolment.team.confirmed", b"{}")
        assert settled([nats_server.monitor_url, "--once"]) == 1
    finally:
        await nc.close()


async def test_a_stream_moves_to_three_replicas_in_place(tmp_path: Path) -> None:
    """Inside a cluster, without a stop: the producer started with STREAM_REPLICAS=3 moves its
    stream to three servers, and the consumers on it follow."""
    databases: dict[str, str] = {}
    drops: list[Callable[[], Awaitable[None]]] = []
    for service in ("enrolment", "billing"):
        databases[service], drop = await create_database(service)
        drops.append(drop)
    cluster = NatsCluster(tmp_path / "three")
    cluster.start()
    try:
        await cluster.wait_ready()
        async with the_services(databases, cluster.url, 1) as (enrolment, billing):
            await a_team_invoiced_once(enrolment, billing, 1)
            info: Any = await billing.app.state.bus.js.stream_info("ENROLMENT")
            assert info.config.num_replicas == 1
        async with the_services(databases, cluster.url, 3) as (enrolment, billing):
            js = billing.app.state.bus.js
            info = await js.stream_info("ENROLMENT")
            assert info.config.num_replicas == 3

            async def consumer_follows() -> bool:
                consumer = await js.consumer_info("ENROLMENT", "billing-enrolment")
                return len(consumer.cluster.replicas or []) == 2

            await eventually(consumer_follows, timeout=30)
            await a_team_invoiced_once(enrolment, billing, 2)
    finally:
        cluster.stop(kill=True)
        for drop in drops:
            await drop()


async def test_three_replicas_asked_of_a_single_server_are_refused_loudly(
    nats_server: NatsServer,
) -> None:
    """A single server cannot keep three copies: the service says so and is not ready (rather
    than running with one copy while the operator believes there are three)."""
    said = io.StringIO()
    handler = logging.StreamHandler(said)
    logging.getLogger("shared.bus").addHandler(handler)
    try:
        async with run_service(
            "billing", nats_url=nats_server.url, stream_replicas=3, wait_for_nats=False
        ) as billing:

            async def refused() -> Any:
                ready = await billing.client.get("/readyz")
                told = "refuses this service's streams" in said.getvalue()
                return ready.json()["checks"] if ready.status_code == 503 and told else None

            assert await eventually(refused, timeout=15) == {
                "database": "ok",
                "nats": "unavailable",
            }
            assert "replicas" in said.getvalue()
    finally:
        logging.getLogger("shared.bus").removeHandler(handler)
