"""The runbook's restore of one service database, done for real on PostgreSQL: pg_dump, events
after the backup, pg_restore, the documented removal of the service's durable consumers, and a
restart. Events consumed after the backup are handled again; those before it are not repeated;
what the service had published after the backup is published anew (as docs/operations.md says).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import asyncpg
import nats
import pytest
from sqlalchemy.engine import make_url

from tests.support import (
    ROOT,
    NatsServer,
    create_database,
    envelope_for,
    eventually,
    run_service,
    team_confirmed_event,
)

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"
)


def _documented_consumer_removal() -> str:
    """The Python that docs/operations.md runs (in a one-off billing container, whose
    environment names billing's NATS servers and user) to remove billing's durable consumers."""
    text = (ROOT / "docs" / "operations.md").read_text()
    match = re.search(r'billing python -c "\n(?P<code>.*?)"\n', text, re.S)
    assert match, "the consumer removal snippet is missing from docs/operations.md"
    code = textwrap.dedent(match["code"])
    assert "os.environ['BILLING_NATS_URL']" in code
    return code


async def _run(*command: str, env: dict[str, str] | None = None) -> str:
    result = await asyncio.to_thread(
        subprocess.run,
        list(command),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, f"{command[0]}: {result.stderr}"
    return result.stdout


async def _invoices(dsn: str) -> dict[str, str]:
    """Invoice number by team."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT team_id, number FROM invoice")
    finally:
        await conn.close()
    return {str(r["team_id"]): r["number"] for r in rows}


async def _invoice_events(nats_url: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().stream_info("BILLING", subjects_filter="billing.invoice.issued")
        return sum((info.state.subjects or {}).values())
    finally:
        await nc.close()


async def test_restore_with_the_runbook_rehandles_events_consumed_after_the_backup(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    database_url, drop = await create_database("billing")
    url = make_url(database_url)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    server_dsn = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    before, after = team_confirmed_event(), team_confirmed_event()
    backup = tmp_path / "billing.dump"
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()

    async def publish(event: object) -> None:
        envelope = envelope_for(event)
        await js.publish(
            envelope.type, envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": envelope.id}
        )

    try:
        async with run_service("billing", nats_url=nats_server.url, database_url=database_url):
            await publish(before)
            await eventually(lambda: _invoices(dsn), timeout=30)
            await _run("pg_dump", "-Fc", "-f", str(backup), dsn)
            await publish(after)

            async def both() -> dict[str, str]:
                invoices = await _invoices(dsn)
                return invoices if len(invoices) == 2 else {}

            numbers_before_restore = await eventually(both, timeout=30)

            async def both_published() -> bool:
                return await _invoice_events(nats_server.url) == 2

            await eventually(both_published, timeout=30)

        # The runbook: drop, create and restore the database, remove the consumers, start again.
        name = url.database or ""
        conn = await asyncpg.connect(server_dsn)
        try:
            await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        await _run("pg_restore", "--no-owner", "-d", dsn, str(backup))
        restored = await _invoices(dsn)
        assert list(restored) == [str(before.team_id)]  # as at the backup
        removal = await _run(
            sys.executable,
            "-c",
            _documented_consumer_removal(),
            env={"BILLING_NATS_URL": nats_server.url},
        )
        assert "removed billing-enrolment" in removal

        async with run_service("billing", nats_url=nats_server.url, database_url=database_url):
            # The event consumed after the backup is handled again; the one before is not
            # (one invoice per team, the earlier one unchanged).
            invoices = await eventually(both, timeout=30)
            assert set(invoices) == {str(before.team_id), str(after.team_id)}
            assert invoices[str(before.team_id)] == restored[str(before.team_id)]
            # The numbering was restored too: the later team's invoice gets its number again.
            assert invoices == numbers_before_restore

            # The invoice for the later team is issued anew: a new billing.invoice.issued (with
            # a new id) beside the one published before the restore.
            async def three() -> bool:
                return await _invoice_events(nats_server.url) == 3

            await eventually(three, timeout=30)
    finally:
        await nc.close()
        await drop()
