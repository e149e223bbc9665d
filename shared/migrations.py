"""Alembic, one history per service, run at start-up and in tests (never ``create_all``).

Each service's ``migrations/env.py`` calls :func:`run_env`; :func:`upgrade` applies a service's
history programmatically; ``python -m services.<name> migrate [upgrade|current|...]`` is the
command-line entry for operators (:func:`command`). A service's history lives in the
``migrations/`` folder beside its settings module, and its URL comes from its settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from shared.settings import ServiceSettings


def alembic_config(settings: ServiceSettings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_location))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(settings: ServiceSettings, revision: str = "head") -> None:
    """Apply the service's migrations to its database. Call from a thread when a loop runs."""
    command.upgrade(alembic_config(settings), revision)


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


MIGRATE_USAGE = "migrate [upgrade [rev] | downgrade rev | current | history]"


def migrate(settings: ServiceSettings, argv: Sequence[str]) -> int:
    """``python -m services.<name> migrate [upgrade [rev] | downgrade rev | current | history]``."""
    config = alembic_config(settings)
    action = argv[0] if argv else "upgrade"
    if action == "upgrade":
        command.upgrade(config, argv[1] if len(argv) > 1 else "head")
    elif action == "downgrade" and len(argv) > 1:
        command.downgrade(config, argv[1])
    elif action == "current":
        command.current(config, verbose=True)
    elif action == "history":
        command.history(config)
    else:
        print(MIGRATE_USAGE)
        return 2
    return 0
