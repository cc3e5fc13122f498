"""SQLite copies through the online backup API: consistent while `tnde serve` writes (WAL)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from gateway.backup.errors import BackupError

BUSY_MS = 20_000


def sqlite_path(url: str) -> Path:
    """The file of a `sqlite:///PATH` URL."""
    database = make_url(url).database or ""
    if not database or database == ":memory:":
        raise BackupError("backup.sqlite_memory", url=url)
    return Path(database)


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    if read_only:
        # immutable: the backup file is only read, and no -wal/-shm file appears next to it.
        uri = f"file:{path.absolute()}?mode=ro&immutable=1"
        connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    else:
        connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    return connection


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy the live database at `source` into the new file `target` (0600).

    One step (pages=-1): the copy reads one snapshot under a read transaction, which in
    WAL mode does not stop the gateway's writers; a stepwise copy would start over each
    time a letter is registered meanwhile. The copy is left in rollback-journal mode, so
    reading it later makes no -wal/-shm files in the backup directory."""
    if not source.is_file():
        raise BackupError("backup.sqlite_missing", path=str(source))
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    with (
        contextlib.closing(_connect(source, read_only=False)) as src,
        contextlib.closing(_connect(target, read_only=False)) as dst,
    ):
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")
        check = dst.execute("PRAGMA integrity_check").fetchone()
    if not check or check[0] != "ok":
        raise BackupError("backup.sqlite_integrity", path=str(target), result=str(check))


def is_empty(path: Path) -> bool:
    """True when the file does not exist, is empty, or holds no table."""
    if not path.exists() or path.stat().st_size == 0:
        return True
    with contextlib.closing(_connect(path, read_only=False)) as connection:
        found = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view')"
        ).fetchone()
    return not found or found[0] == 0


def revision_of(path: Path) -> str | None:
    """The Alembic revision stored in a SQLite file (None without one)."""
    with contextlib.closing(_connect(path, read_only=True)) as connection:
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            return None
    return str(row[0]) if row else None


def restore_sqlite(backup: Path, target: Path) -> None:
    """Copy the backup into `target` through the backup API (made 0600 when new).

    The API replaces the whole target in one transaction, so a target that had tables
    (only with --force) ends up exactly as the backup, and the gateway's connections
    switch it to WAL again when they open it. A gateway still running on the old file
    would keep writing into the restored one: the service is stopped first (docs)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        with (
            contextlib.closing(_connect(backup, read_only=True)) as src,
            contextlib.closing(_connect(target, read_only=False)) as dst,
        ):
            src.backup(dst, pages=-1)
            check = dst.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.Error as err:  # for example "database is locked" by a running gateway
        raise BackupError("backup.sqlite_failed", path=str(target), error=err) from err
    if not check or check[0] != "ok":
        raise BackupError("backup.sqlite_integrity", path=str(target), result=str(check))
