"""The reply-token secret kept in the database: made once by `tnde init`, read by Services."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from gateway.db.models import AppSetting

KEY = "reply_secret"


def ensure_secret(session: Session) -> bool:
    """Create the database secret if missing (`tnde init`); True when one was made."""
    if session.get(AppSetting, KEY) is not None:
        return False
    session.add(AppSetting(key=KEY, value=secrets.token_hex(32)))
    return True


def read_secret(session: Session, configured: str) -> bytes:
    """The configured secret, else the installation's own (made now if an old database)."""
    if configured:
        return configured.encode("utf-8")
    row = session.get(AppSetting, KEY)
    if row is None:  # An installation from before this setting existed: make it now.
        ensure_secret(session)
        row = session.get_one(AppSetting, KEY)
    return row.value.encode("utf-8")
