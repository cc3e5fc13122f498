"""Notices to the holders of a disposed position: summary card, files, how to act by reply.

Each notice carries Reply-To: balasan+<token>@domain, where the token binds this
disposition to this holder, and mailto: links that pre-fill the common commands.
Letters marked SR or R never travel as content: their notice carries the agenda number,
the sender and a link to the panel only - no body text, no perihal, no attachments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import quote

from sqlalchemy.orm import Session

from gateway.catalogue import Catalogue
from gateway.core.verdict import sender_verdict, signature_lines
from gateway.db.models import Disposition, Naskah, Position, Unit
from gateway.org.holders import Holder
from gateway.org.senders import UNVERIFIED_LABEL
from gateway.outbound.clip import clip, clip_subject
from gateway.outbound.compose import OutgoingMail
from gateway.services import Services
from gateway.timefmt import local
from gateway.workflow.alerts import alert_desk
from gateway.workflow.commands import mailto_commands
from gateway.workflow.tags import reply_address, subject_tag

KEAMANAN_LABEL = {"SR": "Sangat Rahasia", "R": "Rahasia", "T": "Terbatas", "B": "Biasa"}
KECEPATAN_LABEL = {"SANGAT_SEGERA": "Sangat Segera", "SEGERA": "Segera", "BIASA": "Biasa"}
ACTING_PREFIX = {"plt": "Plt. ", "plh": "Plh. ", "definitif": ""}
Files = list[tuple[str, str, bytes]]


class ListedFile(NamedTuple):
    """A file as the notice lists it."""

    filename: str
    size: int


@dataclass
class NoticeSource:
    """Who gave the disposition and where the letter's files come from."""

    disposed_by: str
    registrar: Position | None
    files: Callable[[], Files]
    rules: list[str] = field(default_factory=list)


def notice_subject(naskah: Naskah, kind: str) -> str:
    if naskah.is_secret:
        label = KEAMANAN_LABEL[naskah.sifat_keamanan].upper()
        sender = clip(naskah.sender_agency or naskah.sender, 120)
        return f"{subject_tag(naskah)} Surat {label} dari {sender}"
    word = "Tembusan" if kind == "tembusan" else "Disposisi"
    return f"{subject_tag(naskah)} {word}: {clip_subject(naskah.perihal or naskah.subject)}"


def queue_notices(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    unit: Unit,
    disposition: Disposition,
    position: Position,
    source: NoticeSource,
    now: dt.datetime,
) -> int:
    """One notice per holder of `position` today (an alert when nobody holds it)."""
    today = local(now, ctx.settings.mail.timezone).date()
    org = ctx.org.snapshot(session)
    found = org.holders(position, today, ctx.settings.workflow.notify_definitif_when_acting)
    if not found:
        _no_holder(session, ctx, naskah, disposition, position, source.registrar, now)
        return 0
    files, fits = _notice_files(ctx, naskah, source)
    context = notice_context(session, ctx, naskah, unit, disposition, position, source, files, fits)
    attachments = files if fits else []
    queued = 0
    for holder in found:
        if holder.email is None:
            ctx.system_event(
                session,
                "no_email",
                now,
                naskah_id=naskah.id,
                disposition_id=disposition.id,
                payload={"person": holder.name, "position": position.handle},
            )
            continue
        _queue_one(session, ctx, naskah, disposition, holder, context, attachments, now)
        queued += 1
    return queued


def mailto_links(address: str, subject: str) -> list[tuple[str, str]]:
    """(label, mailto URL) for the commands a phone user needs most (commands.COMMANDS)."""
    reply_subject = quote(f"Re: {subject}", safe="")
    return [
        (label, f"mailto:{address}?subject={reply_subject}&body={quote(body, safe='')}")
        for label, body in mailto_commands()
    ]


def _queue_one(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    disposition: Disposition,
    holder: Holder,
    context: dict[str, Any],
    attachments: Files,
    now: dt.datetime,
) -> None:
    secret = naskah.is_secret
    address = reply_address(session, ctx, disposition.id, holder.person_id, now)
    subject = notice_subject(naskah, disposition.kind)
    variables = {
        **context,
        "holder": holder,
        "holder_prefix": ACTING_PREFIX[holder.kind],
        "reply_address": address,
        "links": mailto_links(address, subject),
    }
    if secret:
        # SR/R content never travels by mail: the holder reads it in the panel, signed in
        # by a one-time link sent to their own address from this one.
        variables["panel_url"] = ctx.secret_letter_url(session, holder.person_id, naskah.id, now)
    text, html = ctx.renderer.render("notice_rahasia" if secret else "notice", variables)
    mail = OutgoingMail(
        kind="notice",
        to_address=holder.email or "",
        to_name=holder.name,
        subject=subject,
        text=text,
        html=html,
        reply_to=address,
        attachments=attachments,
        extra_headers={"X-TNDE-Agenda": naskah.agenda_number},
    )
    row = ctx.queue_mail(
        session,
        mail,
        now,
        naskah_id=naskah.id,
        disposition_id=disposition.id,
        person_id=holder.person_id,
    )
    ctx.system_event(
        session,
        "notice_queued",
        now,
        naskah_id=naskah.id,
        disposition_id=disposition.id,
        payload={
            "to": mail.to_address,
            "person": holder.name,
            "as": holder.kind,
            "outbox_id": row.id if row else None,
            "secret": secret,
        },
    )


def _notice_files(ctx: Services, naskah: Naskah, source: NoticeSource) -> tuple[Files, bool]:
    """The letter's files, read once per disposition, and whether together they fit a notice.

    The same list is shown in the notice and attached to it, so "too large" is only ever said
    of the files that were left off. Secret letters carry no content at all.
    """
    if naskah.is_secret:
        return [], False
    files = source.files()
    limit = ctx.settings.workflow.notice_max_attachment_bytes
    return files, sum(len(data) for _, _, data in files) <= limit


def notice_context(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    unit: Unit,
    disposition: Disposition,
    position: Position,
    source: NoticeSource,
    files: Files,
    files_attached: bool,
) -> dict[str, Any]:
    """Template variables shared by every holder's notice."""
    settings = ctx.settings
    org = ctx.org.snapshot(session)
    labels = org.instruction_labels
    base = settings.web.public_url.rstrip("/")
    return {
        "naskah": naskah,
        "unit_name": unit.name,
        "kind": disposition.kind,
        # Written inside the organisation (a nota dinas, or a letter another unit sent
        # us without mail): the notice names it so, and who wrote it.
        "written_word": _written_word(naskah),
        "position_title": position.title,
        "instructions": [labels.get(code, code) for code in disposition.instructions],
        "note": disposition.note,
        "due_at": disposition.due_at,
        "disposed_by": source.disposed_by,
        "rules": source.rules,
        "keamanan": KEAMANAN_LABEL.get(naskah.sifat_keamanan, naskah.sifat_keamanan),
        "kecepatan": KECEPATAN_LABEL.get(naskah.kecepatan, naskah.kecepatan),
        "files": [ListedFile(name, len(data)) for name, _, data in files],
        "files_attached": files_attached,
        "panel_url": f"{base}/naskah/{naskah.id}" if base else "",
        "sender_unverified": org.claims_unproven(naskah.sender, naskah.auth_results or {}),
        "unverified_label": UNVERIFIED_LABEL,
        # Official mail reads Indonesian whatever the panel's language.
        "verdict": sender_verdict(naskah.auth_results or {}, naskah.sender, Catalogue("id")),
        # SR/R notices use another template, which names no file (and so no TTE line).
        "signatures": signature_lines(
            naskah.auth_results or {}, Catalogue("id"), settings.mail.timezone
        ),
        "gateway_name": settings.mail.sender_name,
        "domain": settings.mail.domain,
        "helpdesk": settings.mail.helpdesk,
    }


def _written_word(naskah: Naskah) -> str:
    if naskah.kind == "nota_dinas" or (naskah.origin_id and naskah.jenis == "Nota Dinas"):
        return "nota dinas"
    return "surat" if naskah.origin_id else ""


def _no_holder(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    disposition: Disposition,
    position: Position,
    registrar: Position | None,
    now: dt.datetime,
) -> None:
    """Nobody holds the position today: tell the unit's TU desk, and record it."""
    ctx.system_event(
        session,
        "no_holder",
        now,
        naskah_id=naskah.id,
        disposition_id=disposition.id,
        payload={"position": position.handle},
    )
    if registrar is None or registrar.id == position.id:
        return
    body = (
        f"Disposisi surat {naskah.agenda_number} ditujukan kepada jabatan {position.title} "
        f"({position.handle}), tetapi hari ini jabatan itu tidak memiliki pejabat definitif, "
        "Plt, maupun Plh yang tercatat.\nMohon teruskan surat ini secara manual atau perbarui "
        "data organisasi (tnde org import)."
    )
    subject = f"{subject_tag(naskah)} Jabatan kosong: {position.title}"
    alert_desk(session, ctx, registrar, subject, body, now, naskah.id, disposition.id)
