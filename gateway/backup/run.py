"""Create, verify and restore a backup directory: database copy, configuration, manifest."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, inspect

import gateway
from gateway.backup import postgres, sqlite
from gateway.backup.contents import config_files
from gateway.backup.errors import BackupError
from gateway.backup.manifest import (
    FORMAT_VERSION,
    FileEntry,
    Manifest,
    Mismatch,
    hash_file,
    read_manifest,
    safe_relative,
    sync_tree,
    verify_files,
    write_manifest,
    write_private,
)
from gateway.backup.schema import known_revisions
from gateway.config import Settings
from gateway.db.engine import make_engine, normalise_url
from gateway.db.migrate import current_revision

DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class Step(Protocol):
    def step(self, count: int = 1) -> None: ...
    def finish(self) -> None: ...


class Reporter(Protocol):
    """Where long work tells the person what it is doing (the CLI prints it)."""

    def note(self, key: str, /, **fields: object) -> None: ...
    def progress(self, total: int, key: str) -> Step: ...


def database_kind(url: str) -> str:
    scheme = normalise_url(url).partition("://")[0].partition("+")[0].lower()
    if scheme not in DATABASE_FILES:
        raise BackupError("backup.database_kind", url=_without_password(url))
    return scheme


def create_backup(
    settings: Settings, engine: Engine, directory: Path, report: Reporter
) -> Manifest:
    """Copy the database and configuration into `directory` (new or empty) with a manifest.

    A failure part-way removes what this run wrote, so no half backup is left to trust."""
    url = settings.database.url
    kind = database_kind(url)
    revision = current_revision(engine)
    if revision is None:
        raise BackupError("backup.not_initialised", url=_without_password(url))
    made = not directory.exists()
    _private_directory(directory)
    try:
        return _fill(settings, directory, kind, revision, report)
    except BaseException:
        for child in directory.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        if made:
            directory.rmdir()
        raise


def _fill(
    settings: Settings, directory: Path, kind: str, revision: str, report: Reporter
) -> Manifest:
    url = settings.database.url
    database_file = directory / DATABASE_FILES[kind]
    report.note("backup.copying_database", kind=kind)
    if kind == "sqlite":
        sqlite.backup_sqlite(sqlite.sqlite_path(url), database_file)
    else:
        postgres.dump(url, database_file)
    copied = config_files(settings)
    for item in copied:
        _storable(item.stored, item.source)
    for item in copied:
        target = directory.joinpath(*item.stored.parts)
        _private_parents(directory, target)
        write_private(target, item.source.read_bytes())
    report.note("backup.copied_config", count=len(copied))
    paths = [(database_file, DATABASE_FILES[kind], "database", "")]
    paths += [
        (directory.joinpath(*c.stored.parts), str(c.stored), c.role, str(c.source.absolute()))
        for c in copied
    ]
    entries = []
    total = sum(path.stat().st_size for path, *_ in paths)
    with _bytes_progress(report, total, "backup.hashing") as on_bytes:
        for path, stored, role, original in paths:
            digest, size = hash_file(path, on_bytes)
            entries.append(FileEntry(stored, digest, size, role, original))
    zone = ZoneInfo(settings.mail.timezone)
    manifest = Manifest(
        format=FORMAT_VERSION,
        created_at=dt.datetime.now(zone).isoformat(timespec="seconds"),
        gateway_version=gateway.__version__,
        alembic_revision=revision,
        database_kind=kind,
        files=tuple(entries),
    )
    write_manifest(directory, manifest)
    sync_tree(directory)
    # Read back as restore will read it: what create wrote, restore must accept.
    read_manifest(directory)
    return manifest


def _storable(stored: PurePosixPath, source: Path) -> None:
    """A name restore would refuse (a backslash is legal in a Linux file name, but not
    in a manifest path) fails the backup now, naming the file, not at restore time."""
    try:
        safe_relative(str(stored))
    except BackupError as err:
        raise BackupError("backup.config_name_invalid", path=str(source)) from err


def _private_directory(directory: Path) -> None:
    """The backup directory: made 0700, or an existing empty one set to 0700."""
    if directory.exists():
        if not directory.is_dir() or any(directory.iterdir()):
            raise BackupError("backup.directory_not_empty", path=str(directory))
    else:
        directory.parent.mkdir(parents=True, exist_ok=True)
        directory.mkdir(mode=0o700)
    os.chmod(directory, 0o700)


def _private_parents(root: Path, target: Path) -> None:
    for parent in reversed(target.relative_to(root).parents):
        folder = root / parent
        if not folder.exists():
            folder.mkdir(mode=0o700)
            os.chmod(folder, 0o700)


@contextmanager
def _bytes_progress(report: Reporter, total: int, key: str) -> Iterator[_OnBytes]:
    """Progress in MiB while files are read."""
    mib = 1024 * 1024
    units = max(1, -(-total // mib))
    bar = report.progress(units, key)
    counter = _OnBytes(bar, mib)
    yield counter
    if counter.done < units:  # the last, partial MiB
        bar.step(units - counter.done)
    bar.finish()


class _OnBytes:
    def __init__(self, bar: Step, unit: int) -> None:
        self.bar, self.unit, self.pending, self.done = bar, unit, 0, 0

    def __call__(self, count: int) -> None:
        self.pending += count
        whole, self.pending = divmod(self.pending, self.unit)
        if whole:
            self.done += whole
            self.bar.step(whole)


def verify_backup(directory: Path, report: Reporter) -> tuple[Manifest, list[Mismatch]]:
    """The manifest and every file that is not what it says."""
    manifest = read_manifest(directory)
    total = sum(entry.size for entry in manifest.files)
    with _bytes_progress(report, total, "backup.checking") as on:
        problems = verify_files(directory, manifest, on)
    return manifest, problems


@dataclass(frozen=True)
class Restored:
    """What a restore did: the manifest, the revision the database is at, the head."""

    manifest: Manifest
    revision: str
    head: str


def restore_backup(
    settings: Settings, directory: Path, report: Reporter, *, force: bool = False
) -> Restored:
    """Check the backup completely, then copy its database into `[database] url`.

    Refused before anything is written, the quick checks first: a backup of the other
    database kind, a schema newer than this code, a target that already has tables
    (unless `force`), then any file that does not match the manifest."""
    manifest = read_manifest(directory)
    url = settings.database.url
    kind = database_kind(url)
    if kind != manifest.database_kind:
        raise BackupError("backup.kind_differs", backup=manifest.database_kind, target=kind)
    known, head = known_revisions()
    if manifest.alembic_revision not in known:
        raise BackupError("backup.schema_newer", revision=manifest.alembic_revision, head=head)
    target = str(sqlite.sqlite_path(url)) if kind == "sqlite" else _without_password(url)
    if not force and not _target_is_empty(settings):
        raise BackupError("backup.target_not_empty", target=target)
    if force and service_active():
        raise BackupError("backup.service_running")
    _, problems = verify_backup(directory, report)
    if problems:
        first = problems[0]
        raise BackupError(f"backup.mismatch.{first.problem}", path=first.path, count=len(problems))
    source = directory.joinpath(*safe_relative(manifest.database().path).parts)
    if kind == "sqlite":
        stored = sqlite.revision_of(source)
        if stored != manifest.alembic_revision:
            raise BackupError(
                "backup.revision_in_file",
                found=stored or "-",
                expected=manifest.alembic_revision,
            )
    report.note("backup.restoring", kind=kind)
    if kind == "sqlite":
        sqlite.restore_sqlite(source, sqlite.sqlite_path(url))
    else:
        postgres.restore(url, source, clean=force)
    engine = make_engine(settings.database)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    if revision != manifest.alembic_revision:
        raise BackupError(
            "backup.revision_after", found=revision, expected=manifest.alembic_revision
        )
    return Restored(manifest, revision, head)


SERVICE = "tnde.service"


def service_active() -> bool:
    """True when systemd says `tnde.service` runs on this machine (False without systemd):
    --force must not replace the database under a running gateway."""
    systemctl = shutil.which("systemctl")
    if not systemctl or not Path("/run/systemd/system").is_dir():
        return False
    try:
        done = subprocess.run([systemctl, "is-active", "--quiet", SERVICE], check=False, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _target_is_empty(settings: Settings) -> bool:
    """No table in the target database (SQLite: also a file that does not exist yet)."""
    url = settings.database.url
    if database_kind(url) == "sqlite":
        return sqlite.is_empty(sqlite.sqlite_path(url))
    engine = make_engine(settings.database)
    try:
        with engine.connect() as connection:
            return not inspect(connection).get_table_names()
    except Exception as err:
        raise BackupError("backup.target_unreachable", error=err) from err
    finally:
        engine.dispose()


def _without_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


ConfigPlan = list[tuple[FileEntry, Path]]


def plan_config(manifest: Manifest, target: Path) -> ConfigPlan:
    """Where each configuration file of the backup goes under `target` (the backup's layout
    below config/); refused when any of those files exists, before anything is restored.

    `target` is made here (0700) and a file is written into it and removed, so a folder
    this user may not write to (for example /etc/tnde under the sudo wrapper, which runs
    as tnde) refuses before the database is touched."""
    try:
        if not target.exists():
            target.mkdir(parents=True, mode=0o700)
        probe = target / f".tnde-restore-{os.getpid()}"
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as err:
        raise BackupError("backup.config_to_unwritable", path=str(target), error=err) from err
    planned = []
    for entry in manifest.config_files():
        relative = safe_relative(entry.path)
        parts = relative.parts[1:] if relative.parts[0] == "config" else relative.parts
        planned.append((entry, target.joinpath(*parts)))
    clash = next((path for _, path in planned if path.exists()), None)
    if clash is not None:
        raise BackupError("backup.config_exists", path=str(clash))
    return planned


def restore_config(directory: Path, target: Path, plan: ConfigPlan) -> list[tuple[str, Path]]:
    """Write the planned files (0600, new folders 0700); never over an existing file."""
    written = []
    for entry, path in plan:
        _private_parents(target, path)
        source = directory.joinpath(*safe_relative(entry.path).parts)
        write_private(path, source.read_bytes())
        written.append((entry.original, path))
    return written
