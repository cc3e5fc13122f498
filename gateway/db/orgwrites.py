"""Counts a session's writes to the organisation tables, so a cache can tell its
transaction still sees the organisation it read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from gateway.db.models import ORG_TABLES

_COUNT = "tnde_org_writes"
_WATCHING = "tnde_org_writes_watching"


def org_writes(session: Session) -> int:
    """How many flushes or statements of this session have written an org table since
    `watch` (a number that only grows; compare two readings)."""
    count: int = session.info.get(_COUNT, 0)
    return count


def watch(session: Session) -> None:
    """Start counting (once per session): ORM flushes that touch an org table, Core
    INSERT/UPDATE/DELETE on one, any statement through the session that is not a plain
    SELECT (textual SQL, DDL: its target is unknown), and the end of a savepoint (what
    it wrote may be gone). Statements run on session.connection() directly are not seen:
    the gateway writes the organisation only through the session."""
    if session.info.get(_WATCHING):
        return
    session.info[_WATCHING] = True
    event.listen(session, "after_flush", _flushed)
    event.listen(session, "do_orm_execute", _executed)
    event.listen(session, "after_transaction_end", _ended)


def _bump(session: Session) -> None:
    session.info[_COUNT] = session.info.get(_COUNT, 0) + 1


def _flushed(session: Session, flush_context: Any) -> None:
    # The flush's mappers, not session.new/dirty/deleted: orphans removed by a
    # delete-orphan cascade are found during the flush and are in neither.
    for mapper in flush_context.mappers:
        if getattr(mapper.local_table, "name", None) in ORG_TABLES:
            _bump(session)
            return


def _executed(state: ORMExecuteState) -> None:
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(statement, "table", None)
        if getattr(table, "name", None) in ORG_TABLES:
            _bump(state.session)
    elif not isinstance(statement, Select):  # text(), text().columns(), DDL, ...
        _bump(state.session)


def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        _bump(session)
