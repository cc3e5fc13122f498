"""The reply-token secret: from the configuration, or made once and kept in the database."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from gateway.db.models import AppSetting
from gateway.pipeline.context import PipelineContext

KEY = "reply_secret"


def ensure_secret(session: Session) -> bool:
    """Create the database secret if missing (`tnde init`); True when one was made."""
    if session.get(AppSetting, KEY) is not None:
        return False
    session.add(AppSetting(key=KEY, value=secrets.token_hex(32)))
    return True


def reply_secret(session: Session, ctx: PipelineContext) -> bytes:
    """The configured secret, else the installation's own; read once per process."""
    if KEY not in ctx.memo:
        ctx.memo[KEY] = _read_secret(session, ctx.settings.mail.reply_secret)
    secret: bytes = ctx.memo[KEY]
    return secret


def _read_secret(session: Session, configured: str) -> bytes:
    if configured:
        return configured.encode("utf-8")
    row = session.get(AppSetting, KEY)
    if row is None:  # An installation from before this setting existed: make it now.
        ensure_secret(session)
        row = session.get_one(AppSetting, KEY)
    return row.value.encode("utf-8")
