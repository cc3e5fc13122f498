"""API bearer tokens: shown once, stored as SHA-256, valid until they expire (a year by
default) or are revoked: one by one, or all of a user's when the user is disabled or the
password changes."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.db.models import ApiToken, WebUser

PREFIX = "tnde_"
DEFAULT_DAYS = 365
# last_used_at is rewritten at most this often: a script's calls mostly only read.
TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class TokenInfo:
    """One token as `tnde token list` shows it (never the token itself)."""

    id: int
    username: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(
    session: Session, user_id: int, now: dt.datetime, days: int = DEFAULT_DAYS
) -> str:
    """A new token for the user, valid `days` days (0: until revoked)."""
    token = PREFIX + secrets.token_urlsafe(32)
    expires = now + dt.timedelta(days=days) if days > 0 else None
    session.add(
        ApiToken(user_id=user_id, token_hash=_digest(token), created_at=now, expires_at=expires)
    )
    return token


def live_token(session: Session, token: str, now: dt.datetime) -> tuple[ApiToken, WebUser] | None:
    """The unrevoked, unexpired token and its active user, or None (a read, no write)."""
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if row is None or row.revoked or (row.expires_at is not None and now >= row.expires_at):
        return None
    user = session.get(WebUser, row.user_id)
    if user is None or not user.active:
        return None
    return row, user


def needs_touch(row: ApiToken, now: dt.datetime) -> bool:
    return row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY


def touch(session: Session, token_id: int, now: dt.datetime) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def user_for_token(session: Session, token: str, now: dt.datetime) -> WebUser | None:
    """The active user behind a live token, or None."""
    found = live_token(session, token, now)
    return found[1] if found is not None else None


def list_tokens(session: Session, user_id: int) -> list[TokenInfo]:
    query = (
        select(ApiToken, WebUser.username)
        .join(WebUser, WebUser.id == ApiToken.user_id)
        .where(ApiToken.user_id == user_id)
        .order_by(ApiToken.id)
    )
    return [
        TokenInfo(t.id, name, t.created_at, t.expires_at, t.last_used_at, t.revoked)
        for t, name in session.execute(query).all()
    ]


def revoke_token(session: Session, token_id: int) -> TokenInfo | None:
    """Revoke one token by its id (as `tnde token list` shows it); None when unknown."""
    row = session.get(ApiToken, token_id)
    if row is None:
        return None
    row.revoked = True
    user = session.get_one(WebUser, row.user_id)
    return TokenInfo(row.id, user.username, row.created_at, row.expires_at, row.last_used_at, True)


def revoke_user_tokens(session: Session, user_id: int) -> None:
    session.execute(update(ApiToken).where(ApiToken.user_id == user_id).values(revoked=True))
