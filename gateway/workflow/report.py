"""STATUS: a letter's current state and timeline as plain text (no content if secret)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.states import STATUS_LABEL
from gateway.db.models import Disposition, Event, Naskah, Position
from gateway.outbound.clip import clip_body
from gateway.services import Services
from gateway.timefmt import waktu
from gateway.workflow.status import is_overdue, whereabouts

EVENT_LABEL = {
    "registered": "dicatat",
    "disposed": "didisposisikan",
    "read": "dibaca",
    "done": "diselesaikan",
    "answered": "ditanggapi",
    "rejected": "dikembalikan",
    "cancelled": "dibatalkan",
    "comment": "komentar",
    "reminded": "pengingat dikirim",
    "escalated": "dilaporkan ke atasan",
}


def status_text(session: Session, naskah: Naskah, ctx: Services, now: dt.datetime) -> str:
    zone = ctx.settings.mail.timezone
    secret = naskah.is_secret
    lines = [
        f"Nomor agenda : {naskah.agenda_number}",
        f"Perihal      : {'(dirahasiakan)' if secret else clip_body(naskah.perihal)}",
        f"Status surat : {whereabouts(session, naskah, now, zone).label}",
        "",
        "Disposisi:",
    ]
    titles = dict(session.execute(select(Position.id, Position.title)).all())
    for item in session.scalars(
        select(Disposition).where(Disposition.naskah_id == naskah.id).order_by(Disposition.id)
    ):
        state = STATUS_LABEL.get(item.status, item.status)
        if is_overdue(item, now):
            state += ", TERLAMBAT"
        due = f", batas {waktu(item.due_at, zone)}" if item.due_at else ""
        source = titles.get(item.from_position_id, "aturan") if item.from_position_id else "aturan"
        lines.append(
            f"  - {source} -> {titles.get(item.to_position_id)} ({item.kind}): {state}{due}"
        )
    lines += ["", "Riwayat:"]
    events = session.scalars(
        select(Event)
        .where(Event.naskah_id == naskah.id, Event.type.in_(EVENT_LABEL))
        .order_by(Event.id)
    )
    for event in events:
        lines.append(
            f"  {waktu(event.created_at, zone)}  {EVENT_LABEL[event.type]}  ({event.actor})"
        )
    return "\n".join(lines)
