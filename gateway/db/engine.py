"""Engine and session factory: durable SQLite (WAL, synchronous=FULL) or PostgreSQL."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import DatabaseSettings


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs (the driver we install)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(settings: DatabaseSettings) -> Engine:
    """Create the engine; for SQLite also create the directory and set durable pragmas."""
    url = make_url(normalise_url(settings.url))
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url.database or "", settings)
    return create_engine(
        url,
        echo=settings.echo,
        # Statement parameters hold letters' perihal and text (SR/R too): never in an
        # error message, a quarantine reason or a log line.
        hide_parameters=True,
        pool_size=settings.pool_size,
        pool_pre_ping=True,
        # Fail fast when the server is gone, so SMTP can answer 451 instead of hanging.
        connect_args={"connect_timeout": 5},
    )


def _sqlite_engine(database: str, settings: DatabaseSettings) -> Engine:
    """SQLite with WAL + synchronous=FULL and BEGIN IMMEDIATE for every write transaction."""
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{database}",
        echo=settings.echo,
        hide_parameters=True,  # as above: no letter content in errors or logs
        connect_args={"timeout": settings.busy_timeout, "check_same_thread": False},
    )
    busy_ms = int(settings.busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling is off, so SQLAlchemy's begin hook decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit that returned survives power loss, which 250 promises.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: no deadlock-prone lock upgrades later.
        # Read-only work (the panel, the CLI) asks for a deferred BEGIN to run alongside.
        if connection.get_execution_options().get("sqlite_deferred"):
            connection.exec_driver_sql("BEGIN")
        else:
            _begin_immediate(connection.connection.driver_connection, settings.busy_timeout)

    return engine


# How long a writer waiting for SQLite's write lock sleeps between tries.
POLL_SECONDS = 0.001


def _begin_immediate(driver: Any, busy_timeout: float) -> None:
    """BEGIN IMMEDIATE, polling every millisecond for the write lock while it is held.

    SQLite's own busy handler sleeps longer and longer (up to 100 ms a try) while it
    waits; the worker, which registers letter after letter, takes the lock again the
    moment it lets go, so SMTP intake waiting in that handler got the lock only by luck.
    Polling at a fixed short interval gives every waiter the next free moment.

    This runs in SQLAlchemy's begin hook, outside its error translation: a failure is
    raised as SQLAlchemy's own error (OperationalError for a lock timeout), as a
    statement's would be, so the worker leaves the letter for a later pass and intake
    answers 451 instead of treating it as a bug."""
    deadline = time.monotonic() + busy_timeout
    try:
        driver.execute("PRAGMA busy_timeout=0")
        try:
            while True:
                try:
                    driver.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as err:
                    if not _busy(err) or time.monotonic() >= deadline:
                        raise
                    time.sleep(POLL_SECONDS)
        finally:
            driver.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    except sqlite3.Error as err:
        if driver.in_transaction:  # begun, but the pragma could not be restored
            with contextlib.suppress(sqlite3.Error):
                driver.execute("ROLLBACK")
        raise exc.DBAPIError.instance("BEGIN IMMEDIATE", None, err, sqlite3.Error) from err


def _busy(err: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED (any extended code): someone else holds the lock."""
    code = getattr(err, "sqlite_errorcode", 0) & 0xFF
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class Database:
    """The engine plus session factories for write and read-only transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_engine = engine.execution_options(sqlite_deferred=True)
        self.read_sessions = sessionmaker(self._read_engine, expire_on_commit=False)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: commit on success, roll back and re-raise on error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read-only transaction that does not take SQLite's write lock."""
        with self.read_sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
