"""The one writer of Inbound rows: raw bytes + envelope in a single transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import insert
from sqlalchemy.orm import Session

from gateway.core.states import InboundState
from gateway.db.blobs import put_blob
from gateway.db.engine import Database
from gateway.db.models import Inbound


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


def add_inbound(session: Session, raw: bytes, envelope: Envelope, now: dt.datetime) -> int:
    """Add the blob and Inbound row inside the caller's transaction (IMAP ledger uses it)."""
    digest = put_blob(session, raw)
    # A Core INSERT .. RETURNING: the ORM's unit of work cost more than the rest of the
    # intake's database work together (py-spy, 20 sessions of 20 KiB letters).
    values = {
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
    return int(session.execute(insert(Inbound).values(values).returning(Inbound.id)).scalar_one())
