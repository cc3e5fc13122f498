"""Work done only once a session's transaction has committed: counting what it wrote."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from gateway.metrics import REGISTRATIONS

log = logging.getLogger("tnde.db")
_PENDING = "tnde_after_commit"
_LISTENING = "tnde_after_commit_listening"
# One waiting action and the transaction it was added in (the innermost savepoint, else
# the session's transaction; None before the session began one).
Pending = tuple[SessionTransaction | None, Callable[[], None]]


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` when this session's transaction commits; never when it rolls back
    (a letter quarantined after its registration failed was not registered). Added
    inside a savepoint (`begin_nested`): dropped when that savepoint rolls back, kept
    for the outer commit when it is released. An action that raises is logged: the
    transaction has committed, and what it wrote stands."""
    if not session.info.get(_LISTENING):
        session.info[_LISTENING] = True
        event.listen(session, "after_commit", _committed)
        event.listen(session, "after_rollback", _rolled_back)
    owner = session.get_nested_transaction() or session.get_transaction()
    pending: list[Pending] = session.info.setdefault(_PENDING, [])
    pending.append((owner, action))


def _committed(session: Session) -> None:
    savepoint = session.get_nested_transaction()
    if savepoint is not None:
        # A savepoint released: its actions now wait for the transaction around it.
        outer = savepoint.parent
        session.info[_PENDING] = [
            (outer if owner is savepoint else owner, action)
            for owner, action in session.info.get(_PENDING, [])
        ]
        return
    for _, action in session.info.pop(_PENDING, []):
        try:
            action()
        except Exception:
            log.exception("an after-commit action failed (the transaction has committed)")


def _rolled_back(session: Session) -> None:
    savepoint = session.get_nested_transaction()
    if savepoint is None:  # the whole transaction: nothing of it happened
        session.info.pop(_PENDING, None)
        return
    # Only this savepoint (and any inside it) rolled back: what was added before stays.
    session.info[_PENDING] = [
        (owner, action)
        for owner, action in session.info.get(_PENDING, [])
        if not _within(owner, savepoint)
    ]


def _within(owner: SessionTransaction | None, savepoint: SessionTransaction) -> bool:
    while owner is not None:
        if owner is savepoint:
            return True
        owner = owner.parent
    return False


def count_registration(session: Session, unit: str, kind: str) -> None:
    """tnde_registrations_total{unit, kind} + 1 once the registration is committed."""
    after_commit(session, lambda: REGISTRATIONS.labels(unit, kind).inc())
