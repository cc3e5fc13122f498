"""The KKA table in the database: seeding, importing (upsert or replace), reading."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from importlib import resources

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gateway.archive.kkafile import KkaEntry, parse_kka_file
from gateway.archive.retention import TableEntry
from gateway.audit import record_event
from gateway.db.models import AppSetting, Klasifikasi, Naskah

SHIPPED = "kka.yaml"
# Set when an administrator replaced the whole table: the shipped codes are then never
# added back by `tnde init` (the administrator's Lampiran is the table).
REPLACED_KEY = "kka_replaced_at"
# The most codes one kka_imported event lists by name (the totals are always there).
MAX_LOGGED = 200


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    kept_in_use: list[str] = field(default_factory=list)  # --replace: still on a naskah
    without_retention: int = 0  # codes of the file that have no retention after the import


def shipped_entries() -> list[KkaEntry]:
    """The codes shipped with the gateway (gateway/data/kka.yaml)."""
    data = resources.files("gateway").joinpath("data", SHIPPED).read_bytes()
    entries, errors = parse_kka_file(SHIPPED, data)
    if errors:  # a broken shipped file is a release bug, not an administrator's mistake
        raise ValueError(f"{SHIPPED}: {errors[0]}")
    return entries


def seed_kka(session: Session) -> int:
    """Add the shipped codes that are missing, never overwriting an administrator's row;
    nothing once the table was replaced by an import."""
    if session.get(AppSetting, REPLACED_KEY) is not None:
        return 0
    known = set(session.scalars(select(Klasifikasi.code)))
    added = 0
    for entry in shipped_entries():
        if entry.kode not in known:
            session.add(_row(entry))
            added += 1
    return added


def import_entries(
    session: Session,
    entries: list[KkaEntry],
    *,
    replace: bool,
    actor: str,
    now: dt.datetime,
    source: str,
    data: bytes,
    clear_retention: bool = False,
) -> ImportResult:
    """Upsert the entries; with `replace`, remove every other code except those a naskah
    still carries (they are kept and reported). A row whose retention cells are empty
    keeps the retention a code already has (a Lampiran without retention loaded after
    the JRA must not wipe it) unless `clear_retention`. One audit event records it, with
    the old and new values of each changed code."""
    result = ImportResult()
    changes: list[dict[str, object]] = []
    existing = {row.code: row for row in session.scalars(select(Klasifikasi))}
    for entry in entries:
        row = existing.get(entry.kode)
        if row is None:
            session.add(_row(entry))
            result.added.append(entry.kode)
            result.without_retention += not entry.has_retention
            continue
        before = _values(row)
        _update(row, entry, keep_retention=not clear_retention and not entry.has_retention)
        after = _values(row)
        result.without_retention += row.retensi_aktif is None
        if before == after:
            result.unchanged += 1
            continue
        result.updated.append(entry.kode)
        diff = [(n, o, v) for n, o, v in zip(_FIELDS, before, after, strict=True) if o != v]
        changes.append(
            {
                "kode": entry.kode,
                "old": {name: old for name, old, _ in diff},
                "new": {name: new for name, _, new in diff},
            }
        )
    if replace:
        wanted = {e.kode for e in entries}
        used = set(
            session.scalars(select(Naskah.klasifikasi).where(Naskah.klasifikasi.is_not(None)))
        )
        for code in sorted(set(existing) - wanted):
            if code in used:
                result.kept_in_use.append(code)
            else:
                result.removed.append(code)
        if result.removed:
            session.execute(delete(Klasifikasi).where(Klasifikasi.code.in_(result.removed)))
        session.merge(AppSetting(key=REPLACED_KEY, value=now.isoformat()))
    record_event(
        session,
        type="kka_imported",
        actor=actor,
        channel="cli",
        now=now,
        payload={
            "file": source,
            "sha256": hashlib.sha256(data).hexdigest(),
            "replace": replace,
            "clear_retention": clear_retention,
            "added": len(result.added),
            "updated": len(result.updated),
            "unchanged": result.unchanged,
            "changes": changes[:MAX_LOGGED],
            "changes_not_logged": max(0, len(changes) - MAX_LOGGED),
            "removed": len(result.removed),
            "removed_codes": result.removed[:MAX_LOGGED],
            "kept_in_use": result.kept_in_use[:MAX_LOGGED],
        },
    )
    return result


def table_entries(session: Session) -> dict[str, TableEntry]:
    """The whole table for retention lookups, by code."""
    return {
        row.code: TableEntry(
            row.code, row.name, row.retensi_aktif, row.retensi_inaktif, row.nasib_akhir
        )
        for row in session.scalars(select(Klasifikasi))
    }


def list_codes(session: Session, prefix: str | None = None) -> list[Klasifikasi]:
    """The table in code order (000, 000.1, 000.1.2, 000.1.10 …), optionally one branch."""
    query = select(Klasifikasi)
    if prefix:
        query = query.where(
            (Klasifikasi.code == prefix) | Klasifikasi.code.startswith(prefix + ".")
        )
    rows = list(session.scalars(query))
    return sorted(rows, key=lambda r: [int(p) for p in r.code.split(".")])


def usage_counts(session: Session) -> dict[str, int]:
    """How many naskah carry each code."""
    rows = session.execute(
        select(Naskah.klasifikasi, func.count())
        .where(Naskah.klasifikasi.is_not(None))
        .group_by(Naskah.klasifikasi)
    )
    return {str(code): int(n) for code, n in rows.all()}


def _row(entry: KkaEntry) -> Klasifikasi:
    row = Klasifikasi(code=entry.kode)
    _update(row, entry)
    return row


def _update(row: Klasifikasi, entry: KkaEntry, keep_retention: bool = False) -> None:
    row.name = entry.nama
    row.parent_code = entry.parent
    if not keep_retention:
        row.retensi_aktif = entry.retensi_aktif
        row.retensi_inaktif = entry.retensi_inaktif
        row.nasib_akhir = entry.nasib_akhir
    row.keterangan = entry.keterangan
    row.sumber = entry.sumber


# The stored values of a code, in the order _values gives them (the audit's field names).
_FIELDS = (
    "nama",
    "induk",
    "retensi_aktif",
    "retensi_inaktif",
    "nasib_akhir",
    "keterangan",
    "sumber",
)


def _values(row: Klasifikasi) -> tuple[object, ...]:
    return (
        row.name,
        row.parent_code,
        row.retensi_aktif,
        row.retensi_inaktif,
        row.nasib_akhir,
        row.keterangan,
        row.sumber,
    )
