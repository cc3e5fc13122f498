"""Mail to the sending agency after its receipt: STATUS answers and the done notice.

Both go only to the address the receipt went to (never to a From or Reply-To of the
incoming mail), carry nothing the tracking page would not show, and are recorded on the
letter's timeline whether sent or not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.catalogue import Catalogue
from gateway.core.prepared import Prepared
from gateway.core.states import NaskahStatus
from gateway.core.tokens import TokenError, read_tracking_token
from gateway.db.models import Event, Naskah, Outbox, Unit
from gateway.outbound.compose import OutgoingMail
from gateway.parsing.authresults import envelope_authenticated
from gateway.parsing.automatic import may_auto_respond
from gateway.services import Services
from gateway.workflow.quotes import new_text, reply_text
from gateway.workflow.status import refresh_letter_status
from gateway.workflow.tracking import (
    Receipt,
    receipt_of,
    tracked_letter,
    tracking_enabled,
    tracking_view,
)

STATUS_KIND = "tracking_status"
DONE_KIND = "done_notice"
STATUS_WORD = "STATUS"


@dataclass(frozen=True)
class TrackingReply:
    """What a reply to a receipt came to; `unit_code` set: register it in that unit as a
    new letter (a follow-up from the agency, as when receipts named the unit's address)."""

    state: str  # acted | unverified | unmatched | to_unit
    reason: str
    unit_code: str | None = None


def settle_letter(session: Session, ctx: Services, naskah: Naskah, now: dt.datetime) -> str:
    """Recompute the letter's status after commands; tell the sender once it is done.

    The letter's row is locked first (PostgreSQL), so two workers closing its last two
    branches at once see each other's work: one of them computes selesai."""
    session.execute(select(Naskah.id).where(Naskah.id == naskah.id).with_for_update())
    before = naskah.status
    after = refresh_letter_status(session, naskah, now)
    if after == NaskahStatus.SELESAI and before != NaskahStatus.SELESAI:
        notify_done(session, ctx, naskah, now)
    return after


def tracking_reply(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    mail_from: str,
    token: str,
    now: dt.datetime,
) -> TrackingReply | None:
    """A reply to a receipt (balasan+<tracking token>), or None when the token is not a
    tracking token at all (the reply is then matched as usual).

    STATUS is answered, to the receipt's address only. Anything else is what a reply to
    the receipt always was: a new letter for the unit that registered this one."""
    try:
        claim = read_tracking_token(ctx.reply_secret(session), token)
    except TokenError:
        return None
    found = tracked_letter(session, ctx.settings, claim, now)
    if found is None:
        return TrackingReply("unmatched", "tautan lacak tidak berlaku")
    naskah, receipt = found
    sender = prepared.parsed.sender.address if prepared.parsed.sender else ""
    if not _asks_status(prepared):
        subject = prepared.parsed.subject[:300]
        _event(session, ctx, naskah, "sender_message", now, {"from": sender, "subject": subject})
        unit = session.get_one(Unit, naskah.unit_id)
        return TrackingReply("to_unit", "pesan dari pengirim didaftarkan sebagai surat", unit.code)
    # Only the party the receipt went to may ask: its MAIL FROM, or the From of the letter
    # (envelopes with BATV/SRS tags differ from one mail to the next). A trusted DMARC
    # failure is refused outright. The answer goes to the receipt's address either way.
    known = {receipt.address.lower(), naskah.sender.lower()}
    auth = prepared.auth
    if sender.lower() not in known or (auth.get("trusted") and auth.get("dmarc") == "fail"):
        _event(session, ctx, naskah, "tracking_reply_refused", now, {"from": sender[:320]})
        return TrackingReply("unverified", "pengirim bukan penerima tanda terima surat ini")
    allowed, reason = may_auto_respond(prepared.parsed, mail_from)
    if not allowed:
        _event(session, ctx, naskah, "tracking_status_suppressed", now, {"reason": reason})
        return TrackingReply("acted", reason)
    answered = _status_mails_today(session, naskah, receipt.address, now)
    limit = ctx.settings.tracking.status_replies_per_day
    if answered >= limit:
        _event(session, ctx, naskah, "tracking_status_suppressed", now, {"limit": limit})
        return TrackingReply("acted", f"batas {limit} jawaban STATUS per hari tercapai")
    _queue(session, ctx, naskah, receipt, STATUS_KIND, now)
    return TrackingReply("acted", "STATUS dijawab")


def _asks_status(prepared: Prepared) -> bool:
    """The reply's first own line starts with STATUS ("Status?", "status." count)."""
    text = new_text(reply_text(prepared.parsed))
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    word = first.split(" ", 1)[0].upper().rstrip(".:!?,")
    return word == STATUS_WORD


def notify_done(session: Session, ctx: Services, naskah: Naskah, now: dt.datetime) -> None:
    """The short notice that the letter was dealt with: only where the unit wants it, a
    receipt went out, and the address it went to is proven: its own SPF pass, or a DMARC-
    proven From that is that same address (a proven From with someone else's MAIL FROM
    would make us mail a third party). Once per letter, even if it reopens and closes."""
    done = session.scalars(
        select(Event.id).where(
            Event.naskah_id == naskah.id,
            Event.type.in_(("done_notice_queued", "done_notice_suppressed")),
        )
    ).first()
    if done is not None:
        return
    unit = session.get_one(Unit, naskah.unit_id)
    receipt = receipt_of(session, naskah)
    auth = naskah.auth_results or {}
    reason = ""
    if not ctx.settings.tracking.notify_done_for(unit.code):
        reason = "pemberitahuan selesai dimatikan untuk unit ini"
    elif receipt is None:
        reason = "tidak ada tanda terima (pengirim tidak boleh dijawab)"
    elif not (
        envelope_authenticated(auth)
        or (receipt.verified and receipt.address.lower() == naskah.sender.lower())
    ):
        reason = "pengirim tidak terautentikasi"
    if reason or receipt is None:
        _event(session, ctx, naskah, "done_notice_suppressed", now, {"reason": reason})
        return
    _queue(session, ctx, naskah, receipt, DONE_KIND, now)


def _queue(
    session: Session, ctx: Services, naskah: Naskah, receipt: Receipt, kind: str, now: dt.datetime
) -> None:
    settings = ctx.settings
    link, reply_to = ctx.tracking_links(session, naskah.id, receipt.address)
    view = tracking_view(session, naskah)
    context = {
        "view": view,
        "t": Catalogue("id"),  # official correspondence: always Bahasa Indonesia
        "link": link if tracking_enabled(session, settings, naskah) else "",
        "gateway_name": settings.mail.sender_name,
        "domain": settings.mail.domain,
        "helpdesk": settings.mail.helpdesk,
    }
    text, html = ctx.renderer.render(kind, context)
    subject = (
        f"[{naskah.agenda_number}] Status surat Anda"
        if kind == STATUS_KIND
        else f"[{naskah.agenda_number}] Surat Anda telah ditindaklanjuti"
    )
    mail = OutgoingMail(
        kind=kind,
        to_address=receipt.address,
        to_name="",
        subject=subject,
        text=text,
        html=html,
        reply_to=reply_to,
        auto_submitted="auto-replied" if kind == STATUS_KIND else "auto-generated",
    )
    row = ctx.queue_mail(session, mail, now, naskah_id=naskah.id)
    event = "tracking_status_queued" if kind == STATUS_KIND else "done_notice_queued"
    _event(session, ctx, naskah, event, now, {"outbox_id": row.id if row else None})


def _status_mails_today(session: Session, naskah: Naskah, address: str, now: dt.datetime) -> int:
    """STATUS answers to this address about this letter in the last 24 hours."""
    return int(
        session.execute(
            select(func.count())
            .select_from(Outbox)
            .where(
                Outbox.kind == STATUS_KIND,
                Outbox.naskah_id == naskah.id,
                Outbox.rcpt_to == address,
                Outbox.created_at >= now - dt.timedelta(days=1),
            )
        ).scalar_one()
    )


def _event(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    kind: str,
    now: dt.datetime,
    payload: dict[str, object],
) -> None:
    if kind in ("tracking_reply_refused", "sender_message"):
        record_event(
            session,
            type=kind,
            actor=str(payload.get("from") or "?"),
            channel="email",
            now=now,
            naskah_id=naskah.id,
            payload=payload,
        )
        return
    ctx.system_event(session, kind, now, naskah_id=naskah.id, payload=payload)
