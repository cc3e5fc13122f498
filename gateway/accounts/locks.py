"""Transaction-scoped locks on a name, so a count-then-insert limit holds when several
requests (in one process or several sharing the database) check it at the same time."""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def hold(session: Session, *names: str) -> None:
    """Hold a lock on each name until the caller's write transaction ends.

    PostgreSQL: advisory transaction locks, taken in sorted order so two callers that
    name the same locks never deadlock. SQLite: every write transaction already holds the
    database's write lock from its BEGIN IMMEDIATE (gateway/db/engine.py), so writers are
    serialised and there is nothing more to take."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in sorted(set(names)):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _key(name)})


def _key(name: str) -> int:
    """A signed 64-bit lock number for a name (namespaced, so other advisory-lock users of
    the same database are unlikely to meet ours)."""
    digest = hashlib.sha256(b"tnde-lock\0" + name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
