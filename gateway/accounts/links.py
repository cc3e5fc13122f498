"""One-time sign-in links for officials: mailed to their address in the organisation,
valid 15 minutes, used once, and only in the browser that asked for them."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from gateway.accounts.locks import hold
from gateway.db.models import LoginLink, Person, PersonEmail

LIFETIME = dt.timedelta(minutes=15)
# Links asked for in this window count towards the limits below.
WINDOW = dt.timedelta(hours=1)
MAX_PER_PERSON_AND_CLIENT = 5  # one official's links asked for from one client address
MAX_PER_CLIENT = 30  # links one client address asks for, for anyone (mail it can cause)
MAX_PER_PERSON = 20  # one mailbox, from all addresses together: not a target for flooding


@dataclass(frozen=True)
class Issued:
    """The outcome of asking for a link: the token to mail (None: refused, a limit holds)
    and the limits this request filled (reached exactly), the one moment worth an audit
    event (refusals after it write nothing)."""

    token: str | None
    filled: tuple[str, ...] = ()


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def person_for_address(session: Session, address: str) -> int | None:
    """The active person this address belongs to in the organisation (tnde org import): a
    link goes only to an address the organisation recorded for a serving official, never
    to one typed in that it does not know."""
    address = address.strip().lower()
    return session.scalars(
        select(PersonEmail.person_id)
        .join(Person, Person.id == PersonEmail.person_id)
        .where(PersonEmail.address == address, Person.active.is_(True))
    ).first()


def issue_link(
    session: Session,
    person_id: int,
    browser_nonce: str,
    naskah_id: int | None,
    now: dt.datetime,
    remote: str = "",
) -> Issued:
    """A fresh token for the mail, unless the person is inactive or a limit holds.

    The quota is counted per (person, client address), not per person alone, so a
    stranger who knows an official's address uses up only the stranger's own quota: the
    official still gets links at their desk. MAX_PER_CLIENT bounds the mail any one client
    can cause; MAX_PER_PERSON, above the per-client quota, keeps a mailbox from being
    flooded from many addresses (reaching it takes at least four). The count and the
    insert happen under a lock on the person and the address (locks.hold)."""
    remote = remote[:64]
    person = session.get(Person, person_id)
    if person is None or not person.active:
        return Issued(None)
    hold(session, f"link-person:{person_id}", f"link-client:{remote}")
    if _at_limit(_counts(session, person_id, remote, now), exactly=False):
        return Issued(None)
    token = secrets.token_urlsafe(32)
    session.add(
        LoginLink(
            token_hash=_digest(token),
            person_id=person_id,
            naskah_id=naskah_id,
            browser_hash=_digest(browser_nonce),
            remote=remote,
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    session.flush()
    return Issued(token, _at_limit(_counts(session, person_id, remote, now), exactly=True))


_LIMITS = (
    ("person_client", MAX_PER_PERSON_AND_CLIENT),
    ("client", MAX_PER_CLIENT),
    ("person", MAX_PER_PERSON),
)


def _at_limit(counts: tuple[int, int, int], exactly: bool) -> tuple[str, ...]:
    """The limits the counts have reached (exactly: reached just now, not passed)."""
    return tuple(
        name
        for (name, limit), count in zip(_LIMITS, counts, strict=True)
        if count == limit or (count > limit and not exactly)
    )


def _counts(
    session: Session, person_id: int, remote: str, now: dt.datetime
) -> tuple[int, int, int]:
    """Links in the window for (this person, this client), this client, this person."""
    mine, here = LoginLink.person_id == person_id, LoginLink.remote == remote
    query = select(
        func.count(case((and_(mine, here), 1))),
        func.count(case((here, 1))),
        func.count(case((mine, 1))),
    ).where(LoginLink.created_at >= now - WINDOW, or_(mine, here))
    pair, client, person = session.execute(query).one()
    return int(pair), int(client), int(person)


def use_link(
    session: Session, token: str, browser_nonce: str, now: dt.datetime
) -> LoginLink | None:
    """The link, marked used, when it is unused, unexpired, opened in the browser that
    asked and its official is still active; None otherwise (and a link opened elsewhere
    stays usable where it belongs)."""
    link = session.scalars(
        select(LoginLink).where(LoginLink.token_hash == _digest(token)).with_for_update()
    ).first()
    if link is None or link.used_at is not None or now >= link.expires_at:
        return None
    if not browser_nonce or _digest(browser_nonce) != link.browser_hash:
        return None
    person = session.get(Person, link.person_id)
    if person is None or not person.active:
        return None
    link.used_at = now
    return link
