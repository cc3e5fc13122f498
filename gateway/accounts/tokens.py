"""API bearer tokens: shown once, stored as SHA-256, revoked when the user is disabled."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import ApiToken, WebUser

PREFIX = "tnde_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(session: Session, user_id: int, now: dt.datetime) -> str:
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user_id, token_hash=_digest(token), created_at=now))
    return token


def user_for_token(session: Session, token: str, now: dt.datetime) -> WebUser | None:
    """The active user behind a live token, or None."""
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if row is None or row.revoked:
        return None
    user = session.get(WebUser, row.user_id)
    if user is None or not user.active:
        return None
    row.last_used_at = now
    return user
