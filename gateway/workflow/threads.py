"""Replies to our surat keluar: an incoming letter that answers a sent letter (by its
Message-ID in In-Reply-To/References, or its number in the subject) is linked to it and,
unless an administrator's rule routed it, goes to the position that drafted it."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.prepared import Prepared
from gateway.db.models import Konsep, Naskah, Outbox, Position
from gateway.services import Services
from rules.model import Decision, Dispose

# Built-in rules (rules/builtin.py) are named "bawaan: …"; only they may be overridden.
BUILTIN_PREFIX = "bawaan:"
THREAD_RULE = "bawaan: balasan surat keluar"
# A letter number in a subject: a run of non-space characters with at least one "/".
_NUMBER = re.compile(r"[^\s\[\]()]+/[^\s\[\]()]+")


def answered_letter(
    session: Session, prepared: Prepared, unit_id: int
) -> tuple[Naskah, str] | None:
    """The sent surat keluar this mail answers, and how it was found ("message_id", or
    "subject" by its number, which anyone can write)."""
    parsed = prepared.parsed
    ids = [f"<{m}>" for m in [*parsed.in_reply_to, *reversed(parsed.references)]]
    if ids:
        found = session.scalar(
            select(Outbox.naskah_id)
            .where(Outbox.message_id.in_(ids[:20]), Outbox.kind == "surat_keluar")
            .limit(1)
        )
        letter = session.get(Naskah, found) if found is not None else None
        if letter is not None:
            return letter, "message_id"
    numbers = _NUMBER.findall(parsed.subject)[:5]
    if not numbers:
        return None
    letter = session.scalars(
        select(Naskah)
        .where(
            Naskah.kind == "surat_keluar",
            Naskah.unit_id == unit_id,
            Naskah.agenda_number.in_(numbers),
        )
        .order_by(Naskah.id.desc())
    ).first()
    return (letter, "subject") if letter is not None else None


def thread_reply(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    prepared: Prepared,
    decision: Decision,
    now: dt.datetime,
) -> Naskah | None:
    """Link a registered letter to the surat keluar it answers; route it to the drafter
    when it quotes the letter's Message-ID and only the built-in rules decided where it
    goes. A number in the subject only links it, and only within the sending unit: anyone
    can write a number, and it must not pull another unit's letter to our drafter."""
    found = answered_letter(session, prepared, naskah.unit_id)
    if found is None or found[0].id == naskah.id:
        return None
    sent, how = found
    naskah.thread_parent_id = sent.id
    ctx.system_event(
        session,
        "reply_to_letter",
        now,
        naskah_id=naskah.id,
        payload={"balasan_atas": sent.agenda_number, "naskah_id": sent.id, "by": how},
    )
    konsep = session.scalars(select(Konsep).where(Konsep.letter_id == sent.id)).first()
    builtin_only = all(str(hit.get("rule", "")).startswith(BUILTIN_PREFIX) for hit in decision.hits)
    if how != "message_id" or konsep is None or not builtin_only:
        return sent
    if decision.quarantine or decision.ignore:
        return sent
    drafter = session.get_one(Position, konsep.drafter_position_id)
    decision.dispositions = [
        Dispose((drafter.handle,), (), f"Balasan atas surat {sent.agenda_number}", "")
    ]
    decision.copies = []
    decision.hits.append(
        {"rule": THREAD_RULE, "reason": f"balasan atas {sent.agenda_number}", "actions": []}
    )
    naskah.decision = decision.to_dict()
    return sent
