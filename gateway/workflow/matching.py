"""Match a reply to the disposition and person it answers, and decide if it may act.

Order: the token in the recipient address, then In-Reply-To/References against the
Message-IDs of notices we sent, then the [TNDE <agenda>] subject tag. A match may change
state only if the From address (strict addr-spec) belongs to the person the notice went
to, and:
- with a valid token: DMARC (when our MTA reported it) did not fail;
- without one (References or subject tag, both guessable): the From is authenticated by a
  trusted DMARC pass. Otherwise the reply is `confirmable`: nothing changes, and the
  official is asked, at the organisation's address for them, to confirm by token.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.prepared import Prepared
from gateway.core.states import OPEN
from gateway.core.tokens import TokenError, read_token
from gateway.db.models import Disposition, Naskah, Outbox, PersonEmail
from gateway.parsing.authresults import from_authenticated
from gateway.services import Services
from gateway.timefmt import local

_TAG = re.compile(r"\[TNDE\s+([^\]\s]+)\]", re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    """Which disposition a reply is about, whose notice it answers, and how we know."""

    disposition_id: int
    owner_person_id: int
    method: str  # token | references | subject
    verified: bool
    reason: str  # why it is not verified ("" when verified)
    # Not verified only because nothing proves the From: the owner may confirm by token.
    confirmable: bool = False
    # A confirmation token: the held commands it confirms.
    confirmation_id: int | None = None


def find_token(prepared: Prepared, reply_local: str) -> str | None:
    for recipient in prepared.gateway_recipients:
        if recipient.local == reply_local.lower() and recipient.tag:
            return recipient.tag
    return None


def sender_person(session: Session, prepared: Prepared) -> int | None:
    sender = prepared.parsed.sender
    if sender is None:
        return None
    return session.scalars(
        select(PersonEmail.person_id).where(PersonEmail.address == sender.address)
    ).first()


def match_incoming(
    session: Session, ctx: Services, prepared: Prepared, now: dt.datetime
) -> Match | None:
    """match_reply with the installation's secret and today's date in the office time zone."""
    mail = ctx.settings.mail
    today = local(now, mail.timezone).date()
    return match_reply(session, prepared, ctx.reply_secret(session), mail.reply_local, today)


def match_reply(
    session: Session, prepared: Prepared, secret: bytes, reply_local: str, today: dt.date
) -> Match | None:
    """The best match, verified or not; None when the mail answers nothing of ours."""
    sender_id = sender_person(session, prepared)
    token = find_token(prepared, reply_local)
    token_problem = ""
    if token:
        try:
            claim = read_token(secret, token, today)
            by_token = _verify(prepared, claim.disposition_id, claim.person_id, "token", sender_id)
            return replace(by_token, confirmation_id=claim.confirmation_id)
        except TokenError as err:
            token_problem = {"expired": "alamat balasan sudah kedaluwarsa"}.get(
                str(err), "alamat balasan tidak sah"
            )
    found = _by_references(session, prepared)
    if found:
        return _verify(prepared, found[0], found[1], "references", sender_id, token_problem)
    found = _by_subject(session, prepared, sender_id)
    if found:
        return _verify(prepared, found[0], found[1], "subject", sender_id, token_problem)
    return None


def _verify(
    prepared: Prepared,
    disposition_id: int,
    owner_id: int,
    method: str,
    sender_id: int | None,
    problem: str = "",
) -> Match:
    reason = problem
    if not reason and sender_id != owner_id:
        reason = "pengirim bukan penerima pemberitahuan disposisi ini"
    auth = prepared.auth
    if not reason and auth.get("trusted") and auth.get("dmarc") == "fail":
        reason = "verifikasi DMARC alamat pengirim gagal"
    if reason or method == "token":
        return Match(disposition_id, owner_id, method, verified=not reason, reason=reason)
    # References and the subject tag are guessable: only a proven From may act on them.
    sender = prepared.parsed.sender
    if from_authenticated(auth, sender.address if sender else None):
        return Match(disposition_id, owner_id, method, verified=True, reason="")
    reason = "balasan tanpa alamat bertoken dan alamat pengirim tidak terautentikasi (DMARC)"
    return Match(disposition_id, owner_id, method, False, reason, confirmable=True)


def _by_references(session: Session, prepared: Prepared) -> tuple[int, int] | None:
    ids = [f"<{m}>" for m in [*prepared.parsed.in_reply_to, *reversed(prepared.parsed.references)]]
    for message_id in ids:
        row = session.execute(
            select(Outbox.disposition_id, Outbox.person_id).where(
                Outbox.message_id == message_id, Outbox.kind.in_(("notice", "update"))
            )
        ).first()
        if row and row[0] is not None and row[1] is not None:
            return int(row[0]), int(row[1])
    return None


def _by_subject(
    session: Session, prepared: Prepared, sender_id: int | None
) -> tuple[int, int] | None:
    """The subject tag names the letter; the sender's own notice on it names the disposition."""
    match = _TAG.search(prepared.parsed.subject)
    if match is None:
        return None
    naskah_id = session.scalars(
        select(Naskah.id).where(Naskah.agenda_number == match.group(1))
    ).first()
    if naskah_id is None:
        return None
    rows = session.execute(
        select(Outbox.disposition_id, Outbox.person_id)
        .join(Disposition, Outbox.disposition_id == Disposition.id)
        .where(Outbox.naskah_id == naskah_id, Outbox.kind == "notice")
        .order_by(Disposition.status.in_(OPEN).desc(), Outbox.id.desc())
    ).all()
    pairs = [(int(d), int(p)) for d, p in rows if d is not None and p is not None]
    for disposition_id, person_id in pairs:
        if person_id == sender_id:
            return disposition_id, person_id
    # Someone else answering by subject: it matches the first notice, unverified.
    return pairs[0] if pairs else None
