"""Panel sessions: a random id in a signed cookie; the database keeps the rest under the
id's SHA-256, so whoever reads the table holds no usable session."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from gateway.db.models import WebSession

IDLE = dt.timedelta(hours=2)  # signed out after two idle hours
ABSOLUTE = dt.timedelta(hours=12)  # and after a working day, whatever happens
# last_seen_at is rewritten at most this often: most requests only read their session.
TOUCH_EVERY = dt.timedelta(minutes=1)
COOKIE = "tnde_sesi"
# One label per cookie purpose, so a value signed for one cookie is refused in another.
# The session label is the one used before there were several: sessions survive upgrades.
SESSION_LABEL = b"tnde-cookie\0"
NONCE_LABEL = b"tnde-pra\0"


def sign(secret: bytes, value: str, label: bytes) -> str:
    """`value` with a MAC over this cookie purpose's label and the value."""
    mac = hmac.new(secret, label + value.encode("ascii"), hashlib.sha256)
    return f"{value}.{mac.hexdigest()[:32]}"


def unsign(secret: bytes, cookie: str, label: bytes) -> str | None:
    """The value of a cookie we signed for this purpose, or None for anything else."""
    value, _, _ = cookie.rpartition(".")
    if not value or not value.isascii() or len(cookie) > 200:
        return None
    return value if same(sign(secret, value, label), cookie) else None


def same(known: str, given: str) -> bool:
    """Constant-time equality of a value we made and one a client sent, whatever
    characters the client put in it (compare_digest raises on non-ASCII text)."""
    return hmac.compare_digest(known.encode("utf-8"), given.encode("utf-8", "surrogatepass"))


def session_key(session_id: str) -> str:
    """The stored key of the session whose cookie carries `session_id`."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start_session(
    session: Session,
    now: dt.datetime,
    remote: str,
    user_id: int | None = None,
    person_id: int | None = None,
) -> tuple[WebSession, str]:
    """A new session with a new id and CSRF token (the id changes at every sign-in): the
    row, and the id for the cookie, which is stored nowhere else."""
    session_id = secrets.token_urlsafe(32)
    row = WebSession(
        id=session_key(session_id),
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
    return row, session_id


def find_session(session: Session, session_id: str) -> WebSession | None:
    """The stored session for the id in a cookie, live or not (a read, no write)."""
    return session.get(WebSession, session_key(session_id))


def is_live(row: WebSession, now: dt.datetime) -> bool:
    return now < row.expires_at and now - row.last_seen_at < IDLE


def needs_touch(row: WebSession, now: dt.datetime) -> bool:
    """Whether the idle timer is stale enough to be worth a write."""
    return now - row.last_seen_at > TOUCH_EVERY


def touch(session: Session, key: str, now: dt.datetime) -> None:
    """Restart the idle timer of the session stored under `key`."""
    session.execute(update(WebSession).where(WebSession.id == key).values(last_seen_at=now))


def end_session(session: Session, key: str) -> None:
    """Delete the session stored under `key` (a row's id, not the cookie's)."""
    session.execute(delete(WebSession).where(WebSession.id == key))


def csrf_ok(row: WebSession, submitted: str) -> bool:
    return bool(submitted) and same(row.csrf_token, submitted)
