"""The backup manifest (manifest.json): what a backup holds, each file with its SHA-256."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from gateway.backup.errors import BackupError

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileEntry:
    """One file of the backup: its place in the backup directory and what it is."""

    path: str  # relative to the backup directory, "/"-separated
    sha256: str
    size: int
    # "database", "config" (the configuration file) or the setting that names the file
    # ("dkim.private_key", "smtp.tls_cert", "tte.trust_roots", "templates.directory" ...).
    role: str
    # Where the file was on the machine the backup was made on ("" for the database).
    original: str = ""


@dataclass(frozen=True)
class Manifest:
    """What `tnde backup create` wrote; read back before anything is restored."""

    format: int
    created_at: str  # ISO 8601 with the offset of [mail] timezone (WIB)
    gateway_version: str
    alembic_revision: str
    database_kind: str  # sqlite | postgresql
    files: tuple[FileEntry, ...]

    def database(self) -> FileEntry:
        return next(entry for entry in self.files if entry.role == "database")

    def config_files(self) -> list[FileEntry]:
        return [entry for entry in self.files if entry.role != "database"]


def hash_file(path: Path, on_bytes: Callable[[int], None] = lambda _: None) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            on_bytes(len(chunk))
    return digest.hexdigest(), size


def safe_relative(path: str) -> PurePosixPath:
    """A manifest path that stays inside the backup directory (no "..", not absolute)."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or "\\" in path:
        raise BackupError("backup.manifest_path", path=path)
    return pure


def write_private(path: Path, data: bytes) -> None:
    """Write a new file readable by its owner only (0600); refuse to replace one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def sync_tree(directory: Path) -> None:
    """fsync every folder of the backup, deepest first, so the names of the files
    written (and fsynced) in them survive a power cut too."""
    folders = sorted((p for p in directory.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts))
    for folder in [*folders, directory]:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_manifest(directory: Path, manifest: Manifest) -> Path:
    """manifest.json in the backup directory (0600)."""
    document = asdict(manifest)
    document["files"] = [asdict(entry) for entry in manifest.files]
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    target = directory / MANIFEST
    write_private(target, text.encode("utf-8"))
    return target


def read_manifest(directory: Path) -> Manifest:
    """The manifest of a backup directory; a missing, malformed or future one is refused."""
    path = directory / MANIFEST
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise BackupError("backup.no_manifest", path=str(path)) from err
    except json.JSONDecodeError as err:
        raise BackupError("backup.manifest_not_json", line=err.lineno, column=err.colno) from err
    except UnicodeDecodeError as err:
        raise BackupError("backup.manifest_not_utf8", offset=err.start) from err
    except OSError as err:
        raise BackupError("backup.manifest_unreadable", path=str(path), error=err) from err
    if not isinstance(document, dict):
        raise BackupError("backup.manifest_not_object")
    version = document.get("format")
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise BackupError("backup.format_newer", found=version, known=FORMAT_VERSION)
    field = "files"
    try:
        files = tuple(_entry(item) for item in document[field])
        values: dict[str, str] = {}
        for field in ("created_at", "gateway_version", "alembic_revision", "database_kind"):
            values[field] = str(document[field])
        field = "format"
        manifest = Manifest(format=int(document[field]), files=files, **values)
    except (KeyError, TypeError, ValueError) as err:
        raise BackupError("backup.manifest_field", field=field) from err
    databases = [entry.role for entry in files].count("database")
    if databases != 1:
        raise BackupError("backup.manifest_databases", count=databases)
    seen: set[str] = set()
    for entry in files:
        if entry.path in seen:
            raise BackupError("backup.manifest_twice", path=entry.path)
        seen.add(entry.path)
    return manifest


def _entry(item: Any) -> FileEntry:
    entry = FileEntry(
        path=str(item["path"]),
        sha256=str(item["sha256"]),
        size=int(item["size"]),
        role=str(item["role"]),
        original=str(item.get("original", "")),
    )
    safe_relative(entry.path)
    return entry


@dataclass(frozen=True)
class Mismatch:
    """A file of the backup that is not what the manifest says."""

    path: str
    problem: str  # missing | size | sha256


def verify_files(
    directory: Path, manifest: Manifest, on_bytes: Callable[[int], None] = lambda _: None
) -> list[Mismatch]:
    """Recompute every file's SHA-256 against the manifest."""
    problems = []
    for entry in manifest.files:
        path = directory.joinpath(*safe_relative(entry.path).parts)
        if not path.is_file():
            problems.append(Mismatch(entry.path, "missing"))
            continue
        digest, size = hash_file(path, on_bytes)
        if size != entry.size:
            problems.append(Mismatch(entry.path, "size"))
        elif digest != entry.sha256:
            problems.append(Mismatch(entry.path, "sha256"))
    return problems
