"""Replies we could not authenticate: held commands, confirmation mail, aggregated alerts.

A reply that carries no valid token and whose From is not proven changes nothing. When
its From is the official's own address and it holds commands, the official gets one
confirmation mail (at the address the organisation has for them, never at the reply's
From) whose reply address confirms exactly those commands. Every other unverified reply
feeds an alert to the official the notice went to, at most one per letter per hour,
listing the attempts. Neither kind of mail counts against the daily cap of automatic
mail, so forged replies can never silence the answers to the official's own commands.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.core.tokens import make_confirmation_token
from gateway.db.models import Event, Naskah, Outbox, Person, ReplyConfirmation
from gateway.org.holders import primary_email
from gateway.outbound.clip import BODY_CHARS, clip
from gateway.outbound.compose import OutgoingMail
from gateway.services import Services
from gateway.timefmt import local, waktu
from gateway.workflow.commands import ParsedReply
from gateway.workflow.tags import subject_tag

# Held commands wait this long for KONFIRMASI.
CONFIRM_VALID = dt.timedelta(hours=72)
# At most one confirmation mail per official and disposition, and one alert per official
# and letter, in this window; later attempts are listed in the next alert.
MAIL_EVERY = dt.timedelta(hours=1)
# How far back the scheduler looks for attempts not yet reported.
ALERT_LOOKBACK = dt.timedelta(days=2)
# Attempts listed in one alert (the timeline has them all).
ALERT_LISTED = 20
CONFIRMATION_KIND = "confirmation"
# Timeline event that marks which attempts an alert has reported.
REPORTED_EVENT = "unverified_reported"
ALERT_KIND = "security_alert"


@dataclass(frozen=True)
class Attempt:
    """One unverified reply as an alert lists it."""

    at: dt.datetime
    sender: str
    reason: str
    commands: tuple[str, ...]


def hold_for_confirmation(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    disposition_id: int,
    owner: Person,
    parsed: ParsedReply,
    sender: str,
    inbound_id: int,
    message_id: str,
    attachments: list[tuple[str, int]],
    now: dt.datetime,
) -> bool:
    """Keep the commands; mail the official a confirmation unless one went out lately.

    The mail shows the whole held text: KONFIRMASI runs exactly what it shows, never
    more. Text too long to show is not held at all (it goes to the alert instead), and
    the reply's attachments are never carried over. True when the confirmation mail was
    queued; False when there is none (deferred to the alert).
    """
    if len(parsed.new_text) > BODY_CHARS:
        return False
    held = ReplyConfirmation(
        disposition_id=disposition_id,
        person_id=owner.id,
        inbound_id=inbound_id,
        reply_message_id=message_id[:998],
        text=parsed.new_text,
        commands=[c.name for c in parsed.commands],
        state="pending",
        mailed=False,
        created_at=now,
        expires_at=now + CONFIRM_VALID,
    )
    session.add(held)
    session.flush()
    address = primary_email(owner)
    if address is None or _recently_mailed(session, disposition_id, owner.id, now):
        return False
    held.mailed = True
    mail = ctx.settings.mail
    expires = local(held.expires_at, mail.timezone).date() + dt.timedelta(days=1)
    token = make_confirmation_token(
        ctx.reply_secret(session), held.id, disposition_id, owner.id, expires
    )
    lines = parsed.new_text.strip().splitlines()
    files = "".join(f"    - {clip(name, 200)} ({size} byte)\n" for name, size in attachments[:20])
    secret = naskah.is_secret
    about = "" if secret else f" (perihal: {clip(naskah.perihal or naskah.subject, 250)})"
    text = (
        f"Yth. {owner.name},\n\n"
        f"Kami menerima perintah berikut atas nama Anda untuk surat {naskah.agenda_number}"
        f"{about}:\n\n"
        + "".join(f"    {line}\n" for line in lines)
        + (
            "\nLampiran pada balasan itu TIDAK ikut dijalankan (kirim ulang bila perlu):\n" + files
            if attachments
            else ""
        )
        + f"\nPerintah itu dikirim dari alamat {clip(sender, 320)} tanpa alamat balasan "
        "bertoken dan tanpa bukti keaslian pengirim (DMARC), sehingga BELUM dijalankan.\n\n"
        "Balas KONFIRMASI untuk menjalankannya (balasan berisi apa pun selain KONFIRMASI "
        "tidak menjalankan apa-apa).\n"
        "Bila Anda tidak mengirim perintah itu, abaikan email ini dan laporkan kepada "
        "helpdesk; perintah itu batal dengan sendirinya pada "
        f"{waktu(held.expires_at, mail.timezone)}.\n"
        f"\n--\n{mail.helpdesk}\n"
    )
    outgoing = OutgoingMail(
        kind=CONFIRMATION_KIND,
        to_address=address,
        to_name=owner.name,
        subject=f"{subject_tag(naskah)} Konfirmasi perintah atas nama Anda",
        text=text,
        reply_to=f"{mail.reply_local}+{token}@{mail.domain}",
        auto_submitted="auto-replied",
    )
    ctx.queue_mail(
        session,
        outgoing,
        now,
        naskah_id=naskah.id,
        disposition_id=disposition_id,
        person_id=owner.id,
    )
    return True


def _recently_mailed(
    session: Session, disposition_id: int, person_id: int, now: dt.datetime
) -> bool:
    found = session.scalar(
        select(func.count())
        .select_from(ReplyConfirmation)
        .where(
            ReplyConfirmation.disposition_id == disposition_id,
            ReplyConfirmation.person_id == person_id,
            ReplyConfirmation.mailed.is_(True),
            ReplyConfirmation.created_at > now - MAIL_EVERY,
        )
    )
    return bool(found)


def alert_unverified(
    session: Session, ctx: Services, naskah_id: int, owner_id: int, now: dt.datetime
) -> bool:
    """Tell the official about unverified replies not yet reported, at most hourly."""
    last_mail = session.scalar(
        select(func.max(Outbox.created_at)).where(
            Outbox.kind == ALERT_KIND,
            Outbox.naskah_id == naskah_id,
            Outbox.person_id == owner_id,
        )
    )
    if last_mail is not None and now - last_mail < MAIL_EVERY:
        return False
    attempts, last_id = _unreported(session, naskah_id, owner_id, now)
    owner = session.get(Person, owner_id)
    address = primary_email(owner) if owner else None
    if not attempts or owner is None or address is None:
        return False
    naskah = session.get_one(Naskah, naskah_id)
    zone = ctx.settings.mail.timezone
    listed = "".join(
        f"  - {waktu(a.at, zone)} dari {clip(a.sender, 320)}"
        + (f", perintah: {', '.join(a.commands)}" if a.commands else "")
        + f"\n    tidak dijalankan karena {a.reason}\n"
        for a in attempts[:ALERT_LISTED]
    )
    more = len(attempts) - ALERT_LISTED
    text = (
        f"Yth. {owner.name},\n\n"
        f"Balasan berikut atas pemberitahuan surat {naskah.agenda_number} yang ditujukan "
        f"kepada Anda diterima dari pengirim yang tidak terverifikasi ({len(attempts)} kali):\n\n"
        f"{listed}"
        + (f"  … dan {more} lagi (lihat riwayat surat)\n" if more > 0 else "")
        + "\nBalasan itu TIDAK mengubah apa pun dan dicatat pada riwayat surat sebagai "
        "komentar pengirim tak terverifikasi.\n"
        "Untuk menindaklanjuti, balas pemberitahuan asli dari alamat email Anda sendiri.\n"
        "Pemberitahuan ini dikirim paling banyak sekali per jam untuk setiap surat.\n"
        f"\n--\n{ctx.settings.mail.helpdesk}\n"
    )
    mail = OutgoingMail(
        kind=ALERT_KIND,
        to_address=address,
        to_name=owner.name,
        subject=f"{subject_tag(naskah)} Balasan dari pengirim tak terverifikasi",
        text=text,
        auto_submitted="auto-generated",
    )
    row = ctx.queue_mail(session, mail, now, naskah_id=naskah_id, person_id=owner_id)
    ctx.system_event(
        session,
        REPORTED_EVENT,
        now,
        naskah_id=naskah_id,
        payload={
            "owner_person_id": owner_id,
            "last_event_id": last_id,
            "attempts": len(attempts),
            "outbox_id": row.id if row else None,
        },
    )
    return row is not None


def _unreported(
    session: Session, naskah_id: int, owner_id: int, now: dt.datetime
) -> tuple[list[Attempt], int]:
    """Attempts after the last one an alert reported (by event id), and the newest id."""
    reported = [
        int(e.payload.get("last_event_id") or 0)
        for e in session.scalars(
            select(Event).where(Event.naskah_id == naskah_id, Event.type == REPORTED_EVENT)
        )
        if e.payload.get("owner_person_id") == owner_id
    ]
    rows = list(
        session.scalars(
            select(Event)
            .where(
                Event.naskah_id == naskah_id,
                Event.type == "comment_unverified",
                Event.id > max(reported, default=0),
                Event.created_at > now - ALERT_LOOKBACK,
            )
            .order_by(Event.id)
        )
    )
    attempts = [
        Attempt(
            at=e.created_at,
            sender=str(e.payload.get("from", "")),
            reason=str(e.payload.get("reason", "")),
            commands=tuple(str(c) for c in e.payload.get("commands", [])),
        )
        for e in rows
        if e.payload.get("owner_person_id") == owner_id and not e.payload.get("confirmation")
    ]
    return attempts, rows[-1].id if rows else 0


def flush_unverified_alerts(session: Session, ctx: Services, now: dt.datetime) -> int:
    """Scheduler pass: alerts for attempts that arrived inside an hour after the last one."""
    rows = session.scalars(
        select(Event).where(
            Event.type == "comment_unverified", Event.created_at > now - ALERT_LOOKBACK
        )
    )
    pairs = {
        (e.naskah_id, int(e.payload["owner_person_id"]))
        for e in rows
        if e.naskah_id is not None
        and isinstance(e.payload.get("owner_person_id"), int)
        and not e.payload.get("confirmation")
    }
    return sum(
        alert_unverified(session, ctx, naskah_id, owner_id, now)
        for naskah_id, owner_id in sorted(pairs)
    )
