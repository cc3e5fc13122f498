"""Disposition and letter states: the letter follows its tree; overdue is derived."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.states import CLOSED, OPEN, DispositionStatus, NaskahStatus
from gateway.db.models import Disposition, Naskah


def is_overdue(disposition: Disposition, now: dt.datetime) -> bool:
    return (
        disposition.kind == "disposisi"
        and disposition.status in OPEN
        and disposition.due_at is not None
        and disposition.due_at < now
    )


def letter_status(dispositions: Iterable[Disposition]) -> str:
    """selesai when every top-level branch is closed (a done top official closes his own);
    ditindaklanjuti once someone answered or finished; dibaca once someone read it."""
    items = [d for d in dispositions if d.kind == "disposisi"]
    if not items:
        return NaskahStatus.TERCATAT
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

    if all(closed(top) for top in children[None]) and any(
        d.status == DispositionStatus.DONE for d in items
    ):
        return NaskahStatus.SELESAI
    if any(d.status in (DispositionStatus.DONE, DispositionStatus.ANSWERED) for d in items):
        return NaskahStatus.DITINDAKLANJUTI
    if any(d.read_at is not None for d in items):
        return NaskahStatus.DIBACA
    return NaskahStatus.DIDISPOSISIKAN


def refresh_letter_status(session: Session, naskah: Naskah) -> str:
    """Recompute and store the letter's status from its disposition tree."""
    session.flush()
    dispositions = session.scalars(select(Disposition).where(Disposition.naskah_id == naskah.id))
    naskah.status = letter_status(dispositions)
    return naskah.status
