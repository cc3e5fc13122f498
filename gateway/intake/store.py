"""The one writer of Inbound rows: raw bytes + envelope in a single transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from gateway.core.states import InboundState
from gateway.db.blobs import sha256_hex
from gateway.db.engine import Database
from gateway.db.models import Blob, Inbound
from gateway.db.upsert import insert_for


@dataclass(frozen=True)
class Envelope:
    """What an intake channel knows about a message besides its bytes."""

    source: str  # smtp | lmtp | imap
    mail_from: str
    rcpt_tos: list[str] = field(default_factory=list)
    peer: str | None = None
    helo: str | None = None
    source_ref: str | None = None


def store_inbound(db: Database, raw: bytes, envelope: Envelope, now: dt.datetime) -> int:
    """Commit the message and its envelope durably; return the Inbound id.

    Callers answer 250 (or move the IMAP message) only after this returned. Any
    exception means nothing was committed and the sender must keep the message.
    """
    with db.write() as session:
        inbound_id = add_inbound(session, raw, envelope, now)
    return inbound_id


_INBOUND = cast(Table, Inbound.__table__)
_BLOB = cast(Table, Blob.__table__)


def add_inbound(session: Session, raw: bytes, envelope: Envelope, now: dt.datetime) -> int:
    """Add the blob and Inbound row inside the caller's transaction (IMAP ledger uses it)."""
    return add_inbounds(session, [(raw, envelope)], now)[0]


def add_inbounds(
    session: Session, messages: list[tuple[bytes, Envelope]], now: dt.datetime
) -> list[int]:
    """Add several messages in the caller's transaction with two multi-row statements;
    their Inbound ids in the order given. Core statements on the tables: the ORM's unit
    of work cost more than the rest of the intake's database work (py-spy)."""
    blobs = {}
    rows = []
    for raw, envelope in messages:
        digest = sha256_hex(raw)
        blobs[digest] = {"sha256": digest, "size": len(raw), "data": raw}
        rows.append(
            {
                "source": envelope.source,
                "source_ref": envelope.source_ref,
                "peer": envelope.peer,
                "helo": envelope.helo,
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "raw_sha256": digest,
                "size": len(raw),
                "received_at": now,
                "state": InboundState.RECEIVED,
                "attempts": 0,
            }
        )
    session.execute(insert_for(session, _BLOB).on_conflict_do_nothing(), list(blobs.values()))
    inserted = session.execute(
        insert(_INBOUND).returning(_INBOUND.c.id, sort_by_parameter_order=True),
        rows,
    )
    return [int(row_id) for row_id in inserted.scalars()]
