"""The IMAP ledger: (account, folder, UIDVALIDITY, UID) -> state, for exactly-once intake.

States: claimed (seen, not yet stored) -> stored (its Inbound row committed) or duplicate
(same bytes already stored from this account) -> moved | flagged (mailbox updated);
too_big (never downloaded); vanished (deleted from the mailbox before we fetched it).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.db.blobs import sha256_hex
from gateway.db.engine import Database
from gateway.db.models import ImapAccountState, ImapLedger
from gateway.db.upsert import insert_for
from gateway.intake.store import Envelope, add_inbound

NEEDS_MAILBOX_ACTION = ("stored", "duplicate")
DONE = ("stored", "duplicate", "moved", "flagged")
UNFINISHED = ("claimed", *NEEDS_MAILBOX_ACTION)


def progress(
    session: Session, account: str, folder: str, uidvalidity: int
) -> tuple[int | None, dict[int, str]]:
    """The highest UID recorded under this UIDVALIDITY, and the rows still needing work.

    Finished rows (moved, flagged, too_big, vanished) are never loaded: they only grow.
    """
    where = (
        ImapLedger.account == account,
        ImapLedger.folder == folder,
        ImapLedger.uidvalidity == uidvalidity,
    )
    highest = session.scalar(select(func.max(ImapLedger.uid)).where(*where))
    rows = session.execute(
        select(ImapLedger.uid, ImapLedger.state).where(*where, ImapLedger.state.in_(UNFINISHED))
    )
    return (None if highest is None else int(highest)), {int(uid): state for uid, state in rows}


def has_history(session: Session, account: str, folder: str) -> bool:
    """Whether this folder was read before (under any UIDVALIDITY)."""
    return (
        session.execute(
            select(func.count())
            .select_from(ImapLedger)
            .where(ImapLedger.account == account, ImapLedger.folder == folder)
        ).scalar_one()
        > 0
    )


def claim(
    session: Session,
    account: str,
    folder: str,
    uidvalidity: int,
    uid: int,
    size: int,
    state: str,
    now: dt.datetime,
) -> bool:
    """Record that we saw a message; False when it was already in the ledger."""
    inserted = session.execute(
        insert_for(session, ImapLedger)
        .values(
            account=account,
            folder=folder,
            uidvalidity=uidvalidity,
            uid=uid,
            size=size,
            state=state,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing()
        .returning(ImapLedger.id)
    ).scalar_one_or_none()
    return inserted is not None


def store(
    db: Database,
    account: str,
    folder: str,
    uidvalidity: int,
    uid: int,
    raw: bytes,
    envelope: Envelope,
    now: dt.datetime,
) -> int | None:
    """One transaction: the Inbound row (or a duplicate link) and the ledger update.

    Returns the new Inbound id, or None when nothing new was stored (already stored, or
    the same bytes came in before from this account, e.g. after a UIDVALIDITY change).
    """
    digest = sha256_hex(raw)
    with db.write() as session:
        row = session.scalars(
            select(ImapLedger)
            .where(
                ImapLedger.account == account,
                ImapLedger.folder == folder,
                ImapLedger.uidvalidity == uidvalidity,
                ImapLedger.uid == uid,
            )
            .with_for_update()
        ).one()
        if row.state != "claimed":
            return None  # another pass (or node) stored it already
        earlier = session.scalars(
            select(ImapLedger).where(
                ImapLedger.account == account,
                ImapLedger.raw_sha256 == digest,
                ImapLedger.state.in_(DONE),
                ImapLedger.inbound_id.is_not(None),
            )
        ).first()
        row.raw_sha256, row.updated_at = digest, now
        if earlier is not None:
            row.state, row.inbound_id = "duplicate", earlier.inbound_id
            return None
        row.inbound_id = add_inbound(session, raw, envelope, now)
        row.state = "stored"
        return row.inbound_id


def mark(
    db: Database,
    account: str,
    folder: str,
    uidvalidity: int,
    uids: list[int],
    state: str,
    now: dt.datetime,
    error: str | None = None,
) -> None:
    with db.write() as session:
        rows = session.scalars(
            select(ImapLedger).where(
                ImapLedger.account == account,
                ImapLedger.folder == folder,
                ImapLedger.uidvalidity == uidvalidity,
                ImapLedger.uid.in_(uids),
            )
        )
        for row in rows:
            row.state, row.updated_at = state, now
            if error:
                row.error = error


def record_health(
    db: Database, account: str, now: dt.datetime, error: str | None, capabilities: str | None = None
) -> None:
    """Last success / last error of an account, for `tnde imap status` and the panel."""
    with db.write() as session:
        state = session.get(ImapAccountState, account)
        if state is None:
            state = ImapAccountState(account=account, consecutive_failures=0)
            session.add(state)
        if error is None:
            state.last_success_at, state.consecutive_failures = now, 0
        else:
            state.last_error_at, state.last_error = now, error[:2000]
            state.consecutive_failures = (state.consecutive_failures or 0) + 1
        if capabilities is not None:
            state.capabilities = capabilities


def counts(session: Session, account: str) -> dict[str, int]:
    rows = session.execute(
        select(ImapLedger.state, func.count())
        .where(ImapLedger.account == account)
        .group_by(ImapLedger.state)
    )
    return {state: int(number) for state, number in rows}
