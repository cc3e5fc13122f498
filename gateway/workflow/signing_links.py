"""One-time links to the signing page for a konsep's signer (TTE with BSrE)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import SigningLink
from gateway.services import Services

# As long as the step itself normally takes; a new request brings a new link.
LINK_VALID = dt.timedelta(days=7)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def new_signing_link(
    session: Session, ctx: Services, disposition_id: int, person_id: int, now: dt.datetime
) -> str:
    """The address of a fresh signing page for this holder of this signing step."""
    token = secrets.token_urlsafe(24)
    session.add(
        SigningLink(
            token_hash=token_hash(token),
            disposition_id=disposition_id,
            person_id=person_id,
            created_at=now,
            expires_at=now + LINK_VALID,
        )
    )
    return f"{ctx.settings.web.public_url.rstrip('/')}/tandatangan/{token}"


def usable_link(session: Session, token: str, now: dt.datetime) -> SigningLink | None:
    """The link of this token while it is unused and unexpired."""
    link = session.scalars(
        select(SigningLink).where(SigningLink.token_hash == token_hash(token))
    ).first()
    if link is None or link.used_at is not None or link.expires_at < now:
        return None
    return link
