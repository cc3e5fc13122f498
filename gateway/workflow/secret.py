"""The reply-token secret: from the configuration, or made once and kept in the database."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.db.models import AppSetting

KEY = "reply_secret"


def ensure_secret(session: Session) -> bool:
    """Create the database secret if missing (`tnde init`); True when one was made."""
    if session.get(AppSetting, KEY) is not None:
        return False
    session.add(AppSetting(key=KEY, value=secrets.token_hex(32)))
    return True


def reply_secret(session: Session, settings: Settings) -> bytes:
    """The configured secret, else the installation's own."""
    if settings.mail.reply_secret:
        return settings.mail.reply_secret.encode("utf-8")
    row = session.get(AppSetting, KEY)
    if row is None:  # An installation from before this setting existed: make it now.
        ensure_secret(session)
        row = session.get_one(AppSetting, KEY)
    return row.value.encode("utf-8")
