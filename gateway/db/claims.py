"""Lease-based claiming of queue rows (inbound, outbox), safe across processes.

On PostgreSQL the candidate rows are locked FOR UPDATE SKIP LOCKED, so several
`tnde serve` processes never take the same row; on SQLite the single writer lock
(BEGIN IMMEDIATE) serialises claims. A claim whose holder died expires after the lease.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session


def new_token() -> str:
    """A claim token that identifies one worker's hold on a row."""
    return secrets.token_hex(16)


def claim_rows(
    session: Session,
    model: Any,
    *,
    ready: ColumnElement[bool],
    now: dt.datetime,
    lease: dt.timedelta,
    token: str,
    busy_state: str,
    limit: int = 1,
) -> list[int]:
    """Mark up to `limit` ready (or lease-expired) rows as `busy_state` under `token`."""
    expired = (model.state == busy_state) & (model.claimed_at < now - lease)
    query = (
        select(model.id)
        .where(or_(ready, expired))
        .order_by(model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(query))
    if ids:
        session.execute(
            update(model)
            .where(model.id.in_(ids))
            .values(state=busy_state, claim_token=token, claimed_at=now)
        )
    return ids


def holds_claim(session: Session, model: Any, row_id: int, token: str, busy_state: str) -> bool:
    """Re-check, inside the finishing transaction, that our claim is still ours.

    The UPDATE locks the row (PostgreSQL) so no other worker can finish it concurrently.
    """
    result = session.execute(
        update(model)
        .where(model.id == row_id, model.claim_token == token, model.state == busy_state)
        .values(claim_token=token)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
