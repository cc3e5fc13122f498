"""Checking an archive package against its SHA256SUMS: every file named there present
and unchanged, nothing added, every member readable."""

from __future__ import annotations

import hashlib
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from gateway.archive.package import SUMS

_LINE = re.compile(r"(?P<digest>[0-9a-f]{64}) [ *](?P<path>.+)")
_CHUNK = 1 << 16
# SHA256SUMS is read whole, so its size is bounded: a few MB, plus room for one line per
# member (a line of ours is under 512 bytes). A larger one is not a package of ours.
SUMS_BASE = 4 << 20
SUMS_PER_MEMBER = 512
# What reading a member may raise besides a CRC error: broken deflate data, a truncated
# file, an encrypted member (RuntimeError), a compression zipfile cannot read
# (NotImplementedError).
_UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
    ValueError,
)


class PackageError(ValueError):
    """The file is not a package at all: a catalogue key (`archive.verify.*`)."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(key)
        self.key, self.fields = key, fields


@dataclass
class VerifyResult:
    checked: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)  # unreadable (CRC, broken data)
    malformed: list[int] = field(default_factory=list)  # lines of SHA256SUMS
    sums_sha256: str = ""

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.extra or self.damaged or self.malformed)


def verify_package(path: Path) -> VerifyResult:
    """Recompute every member's SHA-256 (streaming) and compare with SHA256SUMS."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise PackageError("archive.verify.not_found", path=path) from None
    except (zipfile.BadZipFile, OSError) as err:
        raise PackageError("archive.verify.not_zip", path=path, error=err) from None
    result = VerifyResult()
    with archive:
        members = [i.filename for i in archive.infolist() if not i.is_dir()]
        if SUMS not in members:
            raise PackageError("archive.verify.no_sums", path=path)
        most = SUMS_BASE + SUMS_PER_MEMBER * len(members)
        if archive.getinfo(SUMS).file_size > most:
            raise PackageError("archive.verify.sums_too_large", path=path, most=most)
        try:
            with archive.open(SUMS) as member:
                sums = member.read(most + 1)  # the stated size may lie
        except _UNREADABLE as err:
            raise PackageError("archive.verify.sums_damaged", path=path, error=err) from None
        if len(sums) > most:
            raise PackageError("archive.verify.sums_too_large", path=path, most=most)
        result.sums_sha256 = hashlib.sha256(sums).hexdigest()
        expected: dict[str, str] = {}
        for number, line in enumerate(sums.decode("utf-8", "replace").splitlines(), start=1):
            match = _LINE.fullmatch(line)
            if match is None:
                result.malformed.append(number)
                continue
            expected[match.group("path")] = match.group("digest")
        present = set(members)
        for name, digest in expected.items():
            if name not in present:
                result.missing.append(name)
                continue
            result.checked += 1
            actual = _digest(archive, name)
            if actual is None:
                result.damaged.append(name)
            elif actual != digest:
                result.changed.append(name)
        result.extra = sorted(present - set(expected) - {SUMS})
        # A second member under a name already there: the reader would see only one of them.
        result.extra += sorted(n for n, times in Counter(members).items() if times > 1)
    return result


def _digest(archive: zipfile.ZipFile, name: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with archive.open(name) as member:
            for chunk in iter(lambda: member.read(_CHUNK), b""):
                digest.update(chunk)
    except _UNREADABLE:
        return None
    return digest.hexdigest()
