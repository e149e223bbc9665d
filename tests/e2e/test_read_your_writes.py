"""A success is only answered after its commit: against a real uvicorn process, a read sent
right after a create's answer always finds what was created."""

from __future__ import annotations

from pathlib import Path

from shared.auth import Role
from tests.faults.harness import ServiceProcess, auth
from tests.support import NatsServer, create_database


async def test_a_create_is_committed_before_its_answer(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    database_url, drop = await create_database("enrolment")
    enrolment = ServiceProcess(
        "enrolment", database_url=database_url, nats_url=nats_server.url, log_dir=tmp_path
    )
    enrolment.start()
    try:
        await enrolment.wait_ready()
        async with enrolment.client() as client:
            for i in range(30):
                created = await client.post(
                    "/api/enrolment/organisations",
                    json={
                        "name": f"Read Trust {i}",
                        "nation": "wales",
                        "invoicing_address": {"lines": ["1 Road"], "postcode": "CF10 1AA"},
                    },
                    headers=auth(Role.coordinator),
                )
                assert created.status_code == 201, created.text
                read = await client.get(
                    f"/api/enrolment/organisations/{created.json()['id']}",
                    headers=auth(Role.coordinator),
                )
                assert read.status_code == 200, f"attempt {i}: {read.text}"
    finally:
        enrolment.kill()
        await drop()
