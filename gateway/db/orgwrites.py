"""Counts a session's writes to the organisation tables, so a cache can tell its
transaction still sees the organisation it read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.elements import TextClause

from gateway.db.models import ORG_TABLES

_COUNT = "tnde_org_writes"
_WATCHING = "tnde_org_writes_watching"


def org_writes(session: Session) -> int:
    """How many flushes or statements of this session have written an org table since
    `watch` (a number that only grows; compare two readings)."""
    count: int = session.info.get(_COUNT, 0)
    return count


def watch(session: Session) -> None:
    """Start counting (once per session): ORM flushes that touch an org row, Core
    INSERT/UPDATE/DELETE on an org table, and any textual SQL (its target is unknown)."""
    if session.info.get(_WATCHING):
        return
    session.info[_WATCHING] = True
    event.listen(session, "after_flush", _flushed)
    event.listen(session, "do_orm_execute", _executed)


def _bump(session: Session) -> None:
    session.info[_COUNT] = session.info.get(_COUNT, 0) + 1


def _flushed(session: Session, _context: Any) -> None:
    for instance in (*session.new, *session.dirty, *session.deleted):
        if getattr(instance, "__tablename__", None) in ORG_TABLES:
            _bump(session)
            return


def _executed(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, TextClause):
        _bump(state.session)
    elif state.is_insert or state.is_update or state.is_delete:
        table = getattr(statement, "table", None)
        if getattr(table, "name", None) in ORG_TABLES:
            _bump(state.session)
