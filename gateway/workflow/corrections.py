"""Corrections of a registered letter's fields by the TU desk: validated, applied in one
transaction, the old and new values kept in the audit trail, the field's source marked."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.db.models import Naskah
from rules.model import KECEPATAN

# The fields a person may correct, in the order the form shows them.
CORRECTABLE = (
    "perihal",
    "nomor_surat",
    "tanggal_surat",
    "sender_agency",
    "jenis",
    "klasifikasi",
    "kecepatan",
)
_LIMITS = {"perihal": 1000, "nomor_surat": 255, "sender_agency": 255, "jenis": 64}
_KKA = re.compile(r"[0-9]{3}(\.[0-9]{1,3}){0,4}")
_EARLIEST = dt.date(1945, 8, 17)  # no naskah dinas of the Republic is older


class CorrectionError(ValueError):
    """A correction refused; the message names the field and the correct form (Indonesian)."""


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


def correct_naskah(
    session: Session,
    naskah: Naskah,
    wanted: dict[str, str],
    actor: str,
    reason: str,
    now: dt.datetime,
) -> list[Change]:
    """Apply the fields that differ from what is stored; one audit event lists them all.
    Nothing is written when any value is invalid or nothing changes."""
    if not reason:
        raise CorrectionError("sebutkan alasan koreksi (misalnya: perihal salah dibaca)")
    changes = []
    for name in CORRECTABLE:
        if name not in wanted:
            continue
        new = _valid(name, wanted[name], now)
        old = getattr(naskah, name)
        if (old or None) != (new or None):
            changes.append(Change(name, old, new))
    if not changes:
        return []
    sources = dict(naskah.field_sources or {})
    for change in changes:
        setattr(naskah, change.field, change.new if change.new is not None else _empty(change))
        sources[change.field] = {"source": "koreksi", "by": actor, "at": now.isoformat()}
    naskah.field_sources = sources
    record_event(
        session,
        type="naskah_corrected",
        actor=actor,
        channel="web",
        now=now,
        naskah_id=naskah.id,
        payload={
            "reason": reason,
            "changes": [
                {"field": c.field, "old": _plain(c.old), "new": _plain(c.new)} for c in changes
            ],
        },
    )
    return changes


def _valid(name: str, value: str, now: dt.datetime) -> Any:
    value = value.strip()
    if name == "tanggal_surat":
        if not value:
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise CorrectionError("tanggal surat ditulis TTTT-BB-HH, misalnya 2026-11-27") from None
        if not _EARLIEST <= day <= now.date() + dt.timedelta(days=1):
            raise CorrectionError("tanggal surat tidak mungkin: di masa depan atau terlalu lama")
        return day
    if name == "kecepatan":
        speed = value.upper().replace(" ", "_")
        if speed not in KECEPATAN:
            raise CorrectionError(f"kecepatan salah satu dari {', '.join(KECEPATAN)}")
        return speed
    if name == "klasifikasi":
        if value and not _KKA.fullmatch(value):
            raise CorrectionError("kode klasifikasi ditulis seperti 000.1.2 (Permendagri 83/2022)")
        return value or None
    if name == "jenis":
        return value.lower().replace(" ", "_")[: _LIMITS[name]] or None
    if name == "perihal" and not value:
        raise CorrectionError("perihal tidak boleh kosong")
    return value[: _LIMITS[name]] or None


def _empty(change: Change) -> Any:
    """The stored empty value of a field that is not nullable."""
    return "" if change.field in ("perihal", "sender_agency") else None


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
