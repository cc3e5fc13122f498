"""The outbox: durable queue of outgoing mail, written in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import functools
from email.message import Message
from typing import Any

from sqlalchemy import String, cast, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gateway.core.states import OutboxState
from gateway.db.models import Outbox
from gateway.outbound.compose import Identity, as_bytes


def bounce_address(identity: Identity, outbox_id: int) -> str:
    """VERP envelope sender: a bounce names the message it is about."""
    before, after = _verp_around_id(identity)
    return f"{before}{outbox_id}{after}"


def _verp_around_id(identity: Identity) -> tuple[str, str]:
    """The VERP address's text before and after the outbox id."""
    return f"{identity.from_local}+bounce-", f"@{identity.domain}"


@functools.lru_cache(maxsize=8)
def _sqlite_verp(identity: Identity) -> tuple[Any, Any]:
    """The next id and the VERP address naming it, as SQL (built once: compiling them
    anew for every mail cost more than the UPDATE they save)."""
    next_id = select(func.coalesce(func.max(Outbox.id), 0) + 1).scalar_subquery()
    before, after = _verp_around_id(identity)
    return next_id, literal(before) + cast(next_id, String) + literal(after)


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
    # The VERP sender names the row's own id, so the id is chosen with the INSERT rather
    # than read back and written again (an UPDATE per mail, two per letter).
    if session.get_bind().dialect.name == "sqlite":
        # SQLite gives a new row the largest id plus one; asking for exactly that in the
        # statement changes nothing (the transaction holds the write lock) but lets the
        # same INSERT write the address.
        next_id, mail_from = _sqlite_verp(identity)
        row.id = next_id
        row.mail_from = mail_from
        session.add(row)
        session.flush()
        # What the statement wrote, without reading it back.
        set_committed_value(row, "mail_from", bounce_address(identity, row.id))
    else:
        # PostgreSQL: the id from the table's own sequence, as a default would take it.
        sequence = func.pg_get_serial_sequence(Outbox.__tablename__, "id")
        row.id = session.execute(select(func.nextval(sequence))).scalar_one()
        row.mail_from = bounce_address(identity, row.id)
        session.add(row)
        session.flush()
    return row
