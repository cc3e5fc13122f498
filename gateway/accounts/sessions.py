"""Panel sessions: a random id in a signed cookie, the rest in the database."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import delete
from sqlalchemy.orm import Session

from gateway.db.models import WebSession

IDLE = dt.timedelta(hours=2)  # signed out after two idle hours
ABSOLUTE = dt.timedelta(hours=12)  # and after a working day, whatever happens
COOKIE = "tnde_sesi"


def sign(secret: bytes, value: str) -> str:
    mac = hmac.new(secret, b"tnde-cookie\0" + value.encode("ascii"), hashlib.sha256)
    return f"{value}.{mac.hexdigest()[:32]}"


def unsign(secret: bytes, cookie: str) -> str | None:
    """The value of a cookie we signed, or None for anything else."""
    value, _, _ = cookie.rpartition(".")
    if not value or not value.isascii() or len(cookie) > 200:
        return None
    return value if hmac.compare_digest(sign(secret, value), cookie) else None


def start_session(
    session: Session,
    now: dt.datetime,
    remote: str,
    user_id: int | None = None,
    person_id: int | None = None,
) -> WebSession:
    """A new session with a new id and CSRF token (the id changes at every sign-in)."""
    row = WebSession(
        id=secrets.token_urlsafe(32),
        user_id=user_id,
        person_id=person_id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + ABSOLUTE,
        remote=remote[:64],
    )
    session.add(row)
    session.flush()
    return row


def load_session(session: Session, session_id: str, now: dt.datetime) -> WebSession | None:
    """The live session with this id (its idle timer restarted), or None."""
    row = session.get(WebSession, session_id)
    if row is None:
        return None
    if now >= row.expires_at or now - row.last_seen_at >= IDLE:
        session.delete(row)
        return None
    if now - row.last_seen_at > dt.timedelta(minutes=1):  # not a write per request
        row.last_seen_at = now
    return row


def end_session(session: Session, session_id: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id == session_id))


def csrf_ok(row: WebSession, submitted: str) -> bool:
    return bool(submitted) and hmac.compare_digest(row.csrf_token, submitted)
