"""What an operator changes on one naskah for the archive: its KKA code and a legal hold,
each on the naskah's audit trail (who, what before, what after)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.db.models import Klasifikasi, Naskah


class RecordError(ValueError):
    """A change refused: a catalogue key and its fields."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(key)
        self.key, self.fields = key, fields


def set_kka(
    session: Session, naskah: Naskah, code: str, actor: str, now: dt.datetime
) -> str | None:
    """Give the naskah this KKA code (it must be in the table); the old code is returned
    and recorded. Setting the code it already has changes nothing."""
    code = code.strip()
    if session.get(Klasifikasi, code) is None:
        raise RecordError("archive.error.kka_unknown", code=code)
    old = naskah.klasifikasi
    if old == code:
        return old
    naskah.klasifikasi = code
    sources = dict(naskah.field_sources or {})
    sources["klasifikasi"] = {"source": "operator", "by": actor, "at": now.isoformat()}
    naskah.field_sources = sources
    record_event(
        session,
        type="kka_set",
        actor=actor,
        channel="cli",
        now=now,
        naskah_id=naskah.id,
        payload={"field": "klasifikasi", "old": old, "new": code},
    )
    return old


def hold(session: Session, naskah: Naskah, reason: str, actor: str, now: dt.datetime) -> None:
    """Set a legal hold: the naskah is never proposed for transfer or disposal."""
    reason = reason.strip()
    if not reason:
        raise RecordError("archive.error.hold_reason")
    if naskah.legal_hold:
        raise RecordError("archive.error.already_held", reason=naskah.legal_hold_reason)
    naskah.legal_hold = True
    naskah.legal_hold_reason = reason
    naskah.legal_hold_since = now
    record_event(
        session,
        type="legal_hold_set",
        actor=actor,
        channel="cli",
        now=now,
        naskah_id=naskah.id,
        payload={"reason": reason},
    )


def release(session: Session, naskah: Naskah, reason: str, actor: str, now: dt.datetime) -> None:
    """Lift a legal hold; the reason it was set and the reason it ends are recorded (a
    reason is required, as for setting one)."""
    reason = reason.strip()
    if not reason:
        raise RecordError("archive.error.release_reason")
    if not naskah.legal_hold:
        raise RecordError("archive.error.not_held")
    record_event(
        session,
        type="legal_hold_released",
        actor=actor,
        channel="cli",
        now=now,
        naskah_id=naskah.id,
        payload={
            "held_reason": naskah.legal_hold_reason,
            "held_since": naskah.legal_hold_since.isoformat() if naskah.legal_hold_since else None,
            "reason": reason,
        },
    )
    naskah.legal_hold = False
    naskah.legal_hold_reason = None
    naskah.legal_hold_since = None
