"""One-time links to the signing page for a konsep's signer (TTE with BSrE)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.db.models import SigningLink
from gateway.services import Services

# As long as the step itself normally takes; a reminder or TAUTAN brings a new link.
LINK_VALID = dt.timedelta(days=7)
# BSrE refusals (a wrong passphrase) a link survives.
MAX_FAILURES = 3
# How long one signing may hold its link (BSrE's answers, all PDFs).
CLAIM_FOR = dt.timedelta(minutes=2)


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
            failures=0,
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
    return link if link.failures < MAX_FAILURES else None


def claim_link(session: Session, token: str, now: dt.datetime) -> bool:
    """Hold the link for one signing: False when another one holds it (a second post)."""
    result = session.execute(
        update(SigningLink)
        .where(
            SigningLink.token_hash == token_hash(token),
            SigningLink.used_at.is_(None),
            (SigningLink.claimed_at.is_(None)) | (SigningLink.claimed_at < now - CLAIM_FOR),
        )
        .values(claimed_at=now)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def release_link(session: Session, token: str, refused: bool) -> None:
    """The signing did not happen: free the link, counting a refusal by BSrE."""
    link = session.scalars(
        select(SigningLink).where(SigningLink.token_hash == token_hash(token))
    ).first()
    if link is not None:
        link.claimed_at = None
        link.failures += 1 if refused else 0
