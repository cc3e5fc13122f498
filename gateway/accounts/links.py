"""One-time sign-in links for officials: mailed to their address in the organisation,
valid 15 minutes, used once, and only in the browser that asked for them."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import LoginLink, PersonEmail

LIFETIME = dt.timedelta(minutes=15)
# Links one person may ask for per hour: a mailbox is not a target for flooding.
MAX_PER_HOUR = 5


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def person_for_address(session: Session, address: str) -> int | None:
    """The person this address belongs to in the organisation (tnde org import): a link
    goes only to an address the organisation recorded for that official, never to one
    typed in that it does not know."""
    address = address.strip().lower()
    return session.scalars(
        select(PersonEmail.person_id).where(PersonEmail.address == address)
    ).first()


def issue_link(
    session: Session, person_id: int, browser_nonce: str, naskah_id: int | None, now: dt.datetime
) -> str | None:
    """A fresh token for the mail (None when this person asked too often this hour)."""
    recent = session.scalars(
        select(LoginLink.id).where(
            LoginLink.person_id == person_id, LoginLink.created_at >= now - dt.timedelta(hours=1)
        )
    ).all()
    if len(recent) >= MAX_PER_HOUR:
        return None
    token = secrets.token_urlsafe(32)
    session.add(
        LoginLink(
            token_hash=_digest(token),
            person_id=person_id,
            naskah_id=naskah_id,
            browser_hash=_digest(browser_nonce),
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    return token


def use_link(
    session: Session, token: str, browser_nonce: str, now: dt.datetime
) -> LoginLink | None:
    """The link, marked used, when it is unused, unexpired and opened in the browser that
    asked; None otherwise (and a link opened elsewhere stays usable where it belongs)."""
    link = session.scalars(
        select(LoginLink).where(LoginLink.token_hash == _digest(token)).with_for_update()
    ).first()
    if link is None or link.used_at is not None or now >= link.expires_at:
        return None
    if not browser_nonce or _digest(browser_nonce) != link.browser_hash:
        return None
    link.used_at = now
    return link
