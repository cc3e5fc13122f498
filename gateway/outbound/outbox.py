"""The outbox: durable queue of outgoing mail, written in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from email.message import Message

from sqlalchemy.orm import Session

from gateway.core.states import OutboxState
from gateway.db.models import Outbox
from gateway.outbound.compose import Identity, as_bytes


def bounce_address(identity: Identity, outbox_id: int) -> str:
    """VERP envelope sender: a bounce names the message it is about."""
    return f"{identity.from_local}+bounce-{outbox_id}@{identity.domain}"


def enqueue(
    session: Session,
    msg: Message,
    *,
    kind: str,
    rcpt_to: str,
    identity: Identity,
    now: dt.datetime,
    naskah_id: int | None = None,
    disposition_id: int | None = None,
    person_id: int | None = None,
    inbound_id: int | None = None,
) -> Outbox:
    """Queue one message; it leaves only if the surrounding transaction commits."""
    row = Outbox(
        kind=kind,
        mail_from="",
        rcpt_to=rcpt_to,
        message_id=str(msg["Message-ID"]),
        subject=str(msg["Subject"]),
        message=as_bytes(msg),
        state=OutboxState.QUEUED,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        naskah_id=naskah_id,
        disposition_id=disposition_id,
        person_id=person_id,
        inbound_id=inbound_id,
    )
    session.add(row)
    session.flush()
    row.mail_from = bounce_address(identity, row.id)
    return row
