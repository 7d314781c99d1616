"""The database: declarative base, engine and session factory for SQLite and PostgreSQL.

SQLite runs in WAL mode with its driver's implicit transactions switched off, so that
SQLAlchemy emits ``BEGIN`` itself. A transaction that reads and then writes must begin with
``BEGIN IMMEDIATE``, which waits (up to the busy timeout) for SQLite's write lock up front,
the way PostgreSQL's ``SELECT ... FOR UPDATE`` waits for a row lock: a deferred transaction
that tries to write after reading fails at once with "database is locked" while another
connection writes, whatever the busy timeout. So every transaction begins ``IMMEDIATE``
(the commands, the jobs, :meth:`Database.write_session`, the requests that change
something) except the ones that say they read: :meth:`Database.read_session` and the
sessions of the requests that change nothing, which take the write lock only when they
write after all (:func:`begin_write`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, MetaData, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BEGIN_OPTION = "participe_sqlite_begin"
#: Milliseconds a SQLite connection waits for a lock before it gives up.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime on both databases (SQLite keeps no zone: we store UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """The declarative base of every table, the core's and the plugins'."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # First, so that switching to WAL waits for a writer too.
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def create_engine(
    url: str, *, echo: bool = False, pool_size: int = 10, idle_ping: float | None = None
) -> AsyncEngine:
    """Creates the async engine for ``url`` with the settings each database needs."""
    if is_sqlite(url):
        # One connection per request, released at once: SQLite serialises writers anyway,
        # and a pool would keep file handles of a database that tests delete.
        engine = create_async_engine(
            url,
            echo=echo,
            poolclass=NullPool,
            execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"},
        )
        _configure_sqlite(engine)
        return engine
    engine = create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size * 2)
    _ping_idle_connections(engine, IDLE_PING_SECONDS if idle_ping is None else idle_ping)
    return engine


#: Seconds a pooled connection may sit idle before it is checked again before use.
IDLE_PING_SECONDS = 10.0


def _ping_idle_connections(engine: AsyncEngine, idle: float) -> None:
    """Checks (``SELECT 1``) a pooled connection before use only when it sat idle for
    ``idle`` seconds, and replaces it when it is dead.

    SQLAlchemy's ``pool_pre_ping`` checks every connection at every checkout: one more
    round trip on every request, a tenth of a page that costs four statements. The
    connections that a database restart or a firewall may have cut are the ones that
    waited in the pool; one that breaks while in use fails its request either way, and
    SQLAlchemy then invalidates the pool.
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool throws the connection away and checks out (or opens) another.
            raise DisconnectionError(f"stale pooled connection: {error}") from error


class Database:
    """The engine and the sessions of one app; web workers keep nothing else."""

    def __init__(
        self, url: str, *, echo: bool = False, pool_size: int = 10, idle_ping: float | None = None
    ) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo, pool_size=pool_size, idle_ping=idle_ping)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        #: The same engine, whose SQLite transactions begin deferred: for reads.
        self.reader = (
            self.engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
            if is_sqlite(url)
            else self.engine
        )
        self.read_sessionmaker = async_sessionmaker(self.reader, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction the caller commits; rolled back on error. On
        SQLite it begins ``IMMEDIATE``: it may read, then write."""
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads: on SQLite its transactions begin deferred and hold up no
        writer; one that must write after all calls :func:`begin_write` first."""
        async with self.read_sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def write_session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction takes the write lock at once on SQLite
        (``BEGIN IMMEDIATE``), committed when the block ends without error."""
        async with self.sessionmaker() as session:
            await begin_write(session)
            yield session
            await session.commit()

    async def dispose(self) -> None:
        await self.engine.dispose()


async def begin_write(session: AsyncSession) -> None:
    """Makes ``session``'s transaction one that writes, if it is not one already.

    On SQLite, a transaction begun deferred (which must hold reads only so far) ends and
    one begins with ``BEGIN IMMEDIATE``, which waits for the write lock up front instead of
    failing when a read transaction tries to write; one begun ``IMMEDIATE`` (the requests
    that change something, :meth:`Database.write_session`) holds the lock already and
    goes on. On PostgreSQL, keeps it (or begins one): in READ COMMITTED each statement
    reads what is committed when it starts, so the row locks the caller takes next
    (``SELECT ... FOR UPDATE``) and the reads after them see the latest state, and a vote
    saves a ``COMMIT``, a ``BEGIN`` and a connection checkout."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        await session.connection()
        return
    if session.in_transaction():
        connection = (await session.connection()).sync_connection
        if connection is not None and _begins_immediate(connection.get_execution_options()):
            return
        await session.commit()
    await session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})


def takes_write_lock_first(session: AsyncSession) -> bool:
    """Whether ``session``'s transactions hold SQLite's write lock from their first
    statement: while one is open, another connection of the same task that writes would
    wait for it, so such work goes through ``session`` itself."""
    bind = session.get_bind()
    return bind.dialect.name == "sqlite" and _begins_immediate(bind.get_execution_options())


def _begins_immediate(options: Any) -> bool:
    return bool(options.get(SQLITE_BEGIN_OPTION) == "IMMEDIATE")


@asynccontextmanager
async def writing(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Writes in ``session`` (a request's, say), its transaction made one that writes
    (:func:`begin_write`), committed when the block ends without error. On error only
    what the block did is undone (a savepoint): what the session loaded before stays
    loaded, for the page that says what went wrong."""
    await begin_write(session)
    async with session.begin_nested():
        yield session
    await session.commit()


def upsert(session: AsyncSession, model: Any) -> Any:
    """An ``INSERT`` of ``model`` with ``ON CONFLICT`` in the session's dialect (SQLite
    and PostgreSQL write it the same way)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialects: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
    return dialects[session.get_bind().dialect.name](model)
