"""Deleting sign-in rows nothing can use any more: old login failures, spent login links,
ended sessions. The panel calls `purge_stale` at sign-in, at most once every
PURGE_EVERY per process (`Every`), so the tables stay small without a scheduler job;
the function takes only a session and a time, so a scheduler may call it too."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from sqlalchemy import CursorResult, Delete, delete, or_
from sqlalchemy.orm import Session

from gateway.accounts import links, sessions
from gateway.accounts.users import FAILURE_WINDOW
from gateway.db.models import LoginFailure, LoginLink, WebSession

PURGE_EVERY = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Purged:
    failures: int
    links: int
    sessions: int


def purge_stale(session: Session, now: dt.datetime) -> Purged:
    """Delete what no limit, link or sign-in can use any more:

    - login failures older than the window they count in;
    - login links asked for before the quota window (so long past their 15 minutes,
      used or not; the quota counts them until then);
    - sessions past their absolute end or idle too long (a sign-in never revives them)."""
    failures = _deleted(session, delete(LoginFailure).where(LoginFailure.at < now - FAILURE_WINDOW))
    spent = _deleted(
        session,
        delete(LoginLink).where(LoginLink.created_at < now - max(links.WINDOW, links.LIFETIME)),
    )
    ended = _deleted(
        session,
        delete(WebSession).where(
            or_(WebSession.expires_at <= now, WebSession.last_seen_at <= now - sessions.IDLE)
        ),
    )
    return Purged(failures, spent, ended)


def _deleted(session: Session, statement: Delete) -> int:
    """Run a delete; how many rows it removed."""
    result = session.execute(statement)
    return result.rowcount if isinstance(result, CursorResult) else 0


class Every:
    """Whether a periodic job is due, shared by the threads of one process."""

    def __init__(self, interval: dt.timedelta = PURGE_EVERY) -> None:
        self.interval = interval
        self._last: dt.datetime | None = None
        self._lock = threading.Lock()

    def due(self, now: dt.datetime) -> bool:
        """True once per interval (the first call included); the caller then runs it."""
        with self._lock:
            if self._last is not None and now - self._last < self.interval:
                return False
            self._last = now
            return True
