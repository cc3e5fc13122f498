"""Disposition and letter states: the letter follows its tree; overdue is derived."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.states import (
    ACTIONABLE_KINDS,
    CLOSED,
    LATE_LABEL,
    NASKAH_LABEL,
    OPEN,
    STATUS_LABEL,
    DispositionStatus,
    NaskahStatus,
)
from gateway.db.models import Disposition, Naskah, Position
from gateway.org.holders import holders
from gateway.timefmt import local


def is_overdue(disposition: Disposition, now: dt.datetime) -> bool:
    return (
        disposition.kind in ACTIONABLE_KINDS
        and disposition.status in OPEN
        and disposition.due_at is not None
        and disposition.due_at < now
    )


def letter_status(dispositions: Iterable[Disposition]) -> str:
    """Where the letter is (docs/status.md): selesai when every top-level branch is closed
    and one was done; ditolak when every branch was rejected or cancelled; dalam proses
    once anyone read, forwarded or answered; didisposisikan before that; baru without any
    disposition."""
    items = [d for d in dispositions if d.kind == "disposisi"]
    if not items:
        return NaskahStatus.BARU
    children: dict[int | None, list[Disposition]] = defaultdict(list)
    for item in items:
        children[item.parent_id].append(item)

    def closed(node: Disposition) -> bool:
        if node.status in CLOSED:
            return True
        kids = children.get(node.id, [])
        return (
            node.status == DispositionStatus.FORWARDED
            and bool(kids)
            and all(closed(k) for k in kids)
        )

    if all(closed(top) for top in children[None]):
        if any(d.status == DispositionStatus.DONE for d in items):
            return NaskahStatus.SELESAI
        return NaskahStatus.DITOLAK
    acted = (DispositionStatus.SENT,)
    if any(d.read_at is not None or d.status not in acted for d in items):
        return NaskahStatus.DALAM_PROSES
    return NaskahStatus.DIDISPOSISIKAN


def is_late(dispositions: Iterable[Disposition], now: dt.datetime) -> bool:
    """Any open disposition past its due time (terlambat, shown next to the status)."""
    return any(is_overdue(d, now) for d in dispositions)


def refresh_letter_status(session: Session, naskah: Naskah, now: dt.datetime) -> str:
    """Recompute and store the letter's status from its disposition tree; closed_at is set
    when it becomes selesai or ditolak and cleared if it opens again (BATAL, a new branch).
    A konsep's status follows its route instead (workflow/konsep.py)."""
    if naskah.kind == "konsep":
        return naskah.status
    session.flush()
    dispositions = session.scalars(select(Disposition).where(Disposition.naskah_id == naskah.id))
    status = letter_status(dispositions)
    closed = status in (NaskahStatus.SELESAI, NaskahStatus.DITOLAK)
    if closed and (naskah.closed_at is None or status != naskah.status):
        naskah.closed_at = now
    elif not closed:
        naskah.closed_at = None
    naskah.status = status
    return status


@dataclass(frozen=True)
class Whereabouts:
    """Where a letter is, as a person asks it: status, late or not, and who holds it."""

    status: str
    label: str  # "dalam proses, terlambat"
    late: bool
    held_by: list[dict[str, Any]]


def whereabouts(
    session: Session, naskah: Naskah, now: dt.datetime, zone: str = "Asia/Jakarta"
) -> Whereabouts:
    """The open dispositions that are not handed on, with today's holders of each."""
    items = list(
        session.scalars(
            select(Disposition).where(
                Disposition.naskah_id == naskah.id, Disposition.kind == "disposisi"
            )
        )
    )
    late = is_late(items, now)
    label = NASKAH_LABEL.get(naskah.status, naskah.status) + (f", {LATE_LABEL}" if late else "")
    day = local(now, zone).date()
    held = []
    for item in items:
        if item.status not in OPEN or item.status == DispositionStatus.FORWARDED:
            continue
        position = session.get_one(Position, item.to_position_id)
        held.append(
            {
                "position": position.title,
                "handle": position.handle,
                "holders": [h.name for h in holders(session, position, day)],
                "status": STATUS_LABEL.get(item.status, item.status),
                "due_at": item.due_at,
                "late": is_overdue(item, now),
            }
        )
    return Whereabouts(naskah.status, label, late, held)
