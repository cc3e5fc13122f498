"""Secrets kept in the database, made once by `tnde init`: the reply-token secret (read by
Services) and the panel's cookie-signing key (when `[web] secret_key` is empty)."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from gateway.db.models import AppSetting

KEY = "reply_secret"
WEB_KEY = "web_secret"


def ensure_secret(session: Session, key: str = KEY) -> bool:
    """Create the database secret if missing (`tnde init`); True when one was made."""
    if session.get(AppSetting, key) is not None:
        return False
    session.add(AppSetting(key=key, value=secrets.token_hex(32)))
    session.flush()
    return True


def read_secret(session: Session, configured: str, key: str = KEY) -> bytes:
    """The configured secret, else the installation's own (made now if an old database)."""
    if configured:
        return configured.encode("utf-8")
    row = session.get(AppSetting, key)
    if row is None:  # An installation from before this setting existed: make it now.
        ensure_secret(session, key)
        row = session.get_one(AppSetting, key)
    return row.value.encode("utf-8")
