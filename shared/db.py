"""Async engine and sessions per service; the request dependency owns the transaction."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, Dialect, MetaData, TypeDecorator, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, registry

from shared.settings import ServiceSettings

# Explicit constraint names so that migrations are reproducible on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


# Platform tables (outbox, inbox, dead letters, idempotency keys) live in every service's database.
platform_metadata = new_metadata()


class ServiceBase(DeclarativeBase):
    """Subclass once per service (``class Base(ServiceBase): metadata = new_metadata()``).

    Each such base gets a class registry of its own, so two services may both have a ``Team``
    class without their string relationships resolving to each other's models.
    """

    __abstract__ = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if ServiceBase in cls.__bases__:
            metadata = cls.__dict__.get("metadata") or new_metadata()
            own = registry(metadata=metadata)
            cls._sa_registry = own
            cls.registry = own
            cls.metadata = metadata
        super().__init_subclass__(**kwargs)


# SQLSTATE classes meaning "the database is not there right now" (not "your query is wrong").
_UNAVAILABLE_SQLSTATES = ("08", "57P", "53300")


def is_database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) says the database cannot be reached at the moment."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OperationalError | InterfaceError | PoolTimeoutError | OSError):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
            return True
        if "not currently accepting connections" in str(current):
            return True
        if (
            type(current).__module__.startswith("asyncpg")
            and "Connection" in type(current).__name__
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite returns naive values otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def dialect_insert(session: AsyncSession) -> Any:
    """The INSERT of the session's dialect (PostgreSQL's or SQLite's), for ``ON CONFLICT``."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def make_engine(settings: ServiceSettings, *, background: bool = False) -> AsyncEngine:
    url = make_url(settings.database_url)
    # No pre-ping (a round trip per checkout on the hot path): a connection found dead raises a
    # disconnect error, answered 503, and SQLAlchemy then recycles the whole pool.
    kwargs: dict[str, Any] = {"pool_pre_ping": False}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        # The request pool opens connections as they are needed, up to pool size + overflow,
        # and keeps them: an overflow connection closed on its return (SQLAlchemy's way) was
        # opened again by the next request of a burst, a connect (and a thread-pool name lookup)
        # per request under saturation. The bound on connections is the same.
        kwargs.update(
            pool_size=settings.db_background_pool_size
            if background
            else settings.db_pool_size + settings.db_max_overflow,
            max_overflow=2 if background else 0,
            pool_timeout=settings.db_pool_timeout_seconds,
            connect_args={"timeout": 2, "command_timeout": 30},
        )
    engine = create_async_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy emit BEGIN itself (below) instead of pysqlite's implicit transactions.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin_immediate(conn: Any) -> None:
            # Take the write lock at BEGIN: no read-then-upgrade deadlocks between writers.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """A service's engines, session factories and after-commit hooks (e.g. waking the relay).

    On PostgreSQL the outbox relay and the event handlers use a small pool of their own
    (``background_sessions``), so a burst of requests never makes them wait for a connection,
    nor they the requests. SQLite has one writer anyway: one engine serves both.
    """

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.background_engine = (
            self.engine if settings.is_sqlite else make_engine(settings, background=True)
        )
        self.background_sessions = async_sessionmaker(
            self.background_engine, expire_on_commit=False
        )
        self.after_commit: list[Callable[[AsyncSession], None]] = []
        # SQLite allows one writer: serialise writers in-process rather than fail on "locked".
        self.write_lock: asyncio.Lock | None = asyncio.Lock() if settings.is_sqlite else None

    @asynccontextmanager
    async def transaction(self, *, background: bool = False) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success, roll back on error, then run after-commit hooks.

        ``background``: for the relay and the event handlers (their own pool on PostgreSQL).
        """
        if self.write_lock is not None:
            await self.write_lock.acquire()
        try:
            factory = self.background_sessions if background else self.sessions
            async with factory() as session:
                session.info["service"] = self.settings.service_name
                async with session.begin():
                    yield session
                for hook in self.after_commit:
                    hook(session)
        finally:
            if self.write_lock is not None:
                self.write_lock.release()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=2)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.background_engine is not self.engine:
            await self.background_engine.dispose()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request owns the transaction: service functions never commit."""
    database: Database = request.app.state.database
    async with database.transaction() as session:
        yield session


# scope="function": the transaction commits before the response is sent, so a client never sees
# a success whose commit then fails, nor reads before its own write is visible.
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for reads only. On PostgreSQL it runs in autocommit, which spares the BEGIN and
    COMMIT round trips of a transaction nothing is written in; SQLite keeps the ordinary unit of
    work (its single writer lock included)."""
    database: Database = request.app.state.database
    if database.settings.is_sqlite:
        async with database.transaction() as session:
            yield session
        return
    async with database.sessions() as session:
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session


# For endpoints that only read; anything that writes takes ``Session``.
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]
