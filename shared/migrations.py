"""Alembic, one history per service, run at start-up and in tests (never ``create_all``).

Each service's ``migrations/env.py`` calls :func:`run_env`; :func:`upgrade` applies a service's
history programmatically; ``python -m shared.migrations <service> [upgrade|current|...]`` is the
command-line entry for operators.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(service: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "services" / service / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(service: str, url: str, revision: str = "head") -> None:
    """Apply ``service``'s migrations to ``url``. Call from a thread when a loop is running."""
    command.upgrade(alembic_config(service, url), revision)


def run_env(target_metadata: Sequence[MetaData]) -> None:
    """The body of every service's ``env.py``: online migrations over the async engine."""
    from alembic import context

    import shared.inbox
    import shared.outbox  # noqa: F401  (registers the platform tables for autogenerate)

    config = context.config
    url = config.get_main_option("sqlalchemy.url")

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=list(target_metadata),
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = async_engine_from_config(
            {"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool
        )
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=list(target_metadata), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run_async())


def create_platform_tables() -> None:
    """Create the outbox, inbox and dead-letter tables (called from each service's first revision)."""
    from alembic import op

    op.create_table(
        "outbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
        sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
    )
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["seq"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
    )
    op.create_table(
        "dead_letter",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_dead_letter"),
    )


def drop_platform_tables() -> None:
    from alembic import op

    op.drop_table("dead_letter")
    op.drop_table("inbox")
    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    op.drop_table("outbox")


def main(argv: list[str]) -> int:
    """``python -m shared.migrations <service> [upgrade [rev] | downgrade rev | current | history]``."""
    import importlib

    if not argv:
        print(main.__doc__)
        return 2
    service, *rest = argv
    settings_module = importlib.import_module(f"services.{service}.settings")
    settings = settings_module.get_settings()
    config = alembic_config(service, settings.database_url)
    action = rest[0] if rest else "upgrade"
    if action == "upgrade":
        command.upgrade(config, rest[1] if len(rest) > 1 else "head")
    elif action == "downgrade":
        command.downgrade(config, rest[1])
    elif action == "current":
        command.current(config, verbose=True)
    elif action == "history":
        command.history(config)
    else:
        print(main.__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
