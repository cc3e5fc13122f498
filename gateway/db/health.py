"""What monitoring reads from the database: queues for /metrics, schema and IMAP for /readyz."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, literal, select
from sqlalchemy.orm import Session

from gateway.core.states import APPROVAL_KINDS, OPEN, InboundState, OutboxState
from gateway.db.engine import Database
from gateway.db.migrate import alembic_config, current_revision
from gateway.db.models import Disposition, ImapAccountState, Inbound, Outbox
from gateway.metrics import DatabaseUnreachable, StateSnapshot

WAITING = (InboundState.RECEIVED, InboundState.PROCESSING)
UNSENT = (OutboxState.QUEUED, OutboxState.SENDING)
# Dispositions an official still has to act on (a konsep's steps are counted apart).
DISPOSITION_KINDS = ("disposisi", "revisi")


def snapshot(db: Database, now: dt.datetime, accounts: Collection[str] = ()) -> StateSnapshot:
    """The queues, quarantine, dispositions and the IMAP accounts named in `accounts`
    (the enabled ones of the settings: an account disabled or removed is not reported):
    a few aggregate queries in one read transaction, each served by an index
    (tests/test_metrics.py reads their plans) or on a small table. DatabaseUnreachable
    when the database does not answer; a failing query raises its own error."""
    with db.read() as session:
        try:
            session.execute(select(literal(1))).one()
        except Exception as err:
            raise DatabaseUnreachable(str(err)) from err
        return _read(session, now, accounts)


def _read(session: Session, now: dt.datetime, accounts: Collection[str]) -> StateSnapshot:
    waiting, oldest_in = session.execute(
        select(func.count(), func.min(Inbound.received_at)).where(Inbound.state.in_(WAITING))
    ).one()
    quarantined = _count(session, Inbound.state == InboundState.QUARANTINED)
    backlog, oldest_out = session.execute(
        select(func.count(), func.min(Outbox.created_at)).where(Outbox.state.in_(UNSENT))
    ).one()
    retrying = _count(session, and_(Outbox.state.in_(UNSENT), Outbox.attempts > 0))
    failed = _count(session, Outbox.state == OutboxState.FAILED)
    # ix_disposition_open (status, kind, due_at) serves all three counts.
    open_ = Disposition.status.in_(OPEN)
    dispositions = and_(open_, Disposition.kind.in_(DISPOSITION_KINDS))
    overdue = and_(dispositions, Disposition.due_at < now)
    approvals = and_(open_, Disposition.kind.in_(APPROVAL_KINDS))
    counts = session.execute(
        select(
            func.count().filter(dispositions),
            func.count().filter(overdue),
            func.count().filter(approvals),
        ).where(open_)
    ).one()
    imap = (
        session.scalars(
            select(ImapAccountState).where(ImapAccountState.account.in_(accounts))
        ).all()
        if accounts
        else []
    )
    return StateSnapshot(
        inbound_waiting=int(waiting),
        worker_lag_seconds=_age(now, oldest_in),
        quarantined=quarantined,
        outbox_backlog=int(backlog),
        outbox_retrying=retrying,
        outbox_failed=failed,
        outbox_oldest_seconds=_age(now, oldest_out),
        dispositions_open=int(counts[0]),
        dispositions_overdue=int(counts[1]),
        approvals_waiting=int(counts[2]),
        imap_last_success={
            row.account: row.last_success_at.timestamp() if row.last_success_at else 0.0
            for row in imap
        },
        imap_failures={row.account: int(row.consecutive_failures or 0) for row in imap},
    )


def _count(session: Session, condition: ColumnElement[bool]) -> int:
    return int(session.execute(select(func.count()).where(condition)).scalar_one())


def _age(now: dt.datetime, since: dt.datetime | None) -> float:
    return max(0.0, (now - since).total_seconds()) if since is not None else 0.0


@functools.cache
def head_revision() -> str | None:
    """The newest migration this code ships (read once; the scripts do not change)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@functools.cache
def known_revisions() -> frozenset[str]:
    """Every migration this code ships."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    return frozenset(script.revision for script in scripts.walk_revisions())


@dataclass(frozen=True)
class Schema:
    """The database's migration state against the code's."""

    current: str | None
    head: str | None

    @property
    def migrated(self) -> bool:
        return self.current is not None and self.current == self.head

    @property
    def ahead(self) -> bool:
        """Migrated by a newer program: a revision this code does not know."""
        return self.current is not None and self.current not in known_revisions()


def schema(db: Database) -> Schema:
    """Raises when the database cannot be reached."""
    return Schema(current_revision(db.engine), head_revision())


@dataclass(frozen=True)
class ImapHealth:
    """One configured account: failing since when (None: working)."""

    account: str
    failing_since: dt.datetime | None
    last_error: str


def imap_health(db: Database, accounts: list[str], started: dt.datetime) -> list[ImapHealth]:
    """Each of `accounts`: failing (its last attempt failed) since its last success, or
    since `started` (this process's start) when it never worked."""
    with db.read() as session:
        rows = {
            row.account: row
            for row in session.scalars(
                select(ImapAccountState).where(ImapAccountState.account.in_(accounts))
            )
        }
        found = []
        for account in accounts:
            row = rows.get(account)
            if row is None or not row.consecutive_failures:
                found.append(ImapHealth(account, None, ""))
                continue
            since = row.last_success_at or started
            found.append(ImapHealth(account, since, row.last_error or ""))
        return found
