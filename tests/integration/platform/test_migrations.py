"""Each service's Alembic history builds exactly the tables its models declare (so no service
ever needs ``create_all``), and downgrades cleanly to nothing."""

from __future__ import annotations

import asyncio
import importlib

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

import shared.inbox
import shared.outbox  # noqa: F401  (registers the platform tables)
from shared.db import platform_metadata
from shared.migrations import alembic_config, upgrade
from tests.support import create_database, service_settings

SERVICES = ["enrolment", "measurement", "sessions", "billing", "improvement", "notifications"]


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_models_and_downgrade(service: str) -> None:
    url, drop = await create_database(service)
    try:
        settings = service_settings(service, database_url=url)
        await asyncio.to_thread(upgrade, settings)
        models = importlib.import_module(f"services.{service}.models")
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:

                def diff(sync_conn: object) -> list[object]:
                    context = MigrationContext.configure(sync_conn, opts={"compare_type": False})  # type: ignore[arg-type]
                    return list(
                        compare_metadata(context, [models.Base.metadata, platform_metadata])
                    )

                differences = await conn.run_sync(diff)
        finally:
            await engine.dispose()
        assert differences == [], f"{service}: models and migrations differ: {differences}"

        await asyncio.to_thread(command.downgrade, alembic_config(settings), "base")
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        finally:
            await engine.dispose()
        assert set(tables) <= {"alembic_version"}
    finally:
        await drop()
