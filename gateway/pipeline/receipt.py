"""Tanda terima: the receipt with the agenda number, queued in the registering transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.db.models import Inbound, Naskah, Unit
from gateway.outbound.compose import OutgoingMail, compose
from gateway.outbound.outbox import enqueue
from gateway.parsing.addresses import normalise_address
from gateway.parsing.automatic import may_auto_respond
from gateway.pipeline.context import PipelineContext
from gateway.pipeline.prepare import Prepared


def receipt_recipient(prepared: Prepared, inbound: Inbound) -> tuple[str | None, str]:
    """RFC 3834 3.1.5: answer the envelope sender, unless it must not be answered."""
    allowed, reason = may_auto_respond(prepared.parsed, inbound.mail_from)
    if not allowed:
        return None, reason
    address = normalise_address(inbound.mail_from)
    if address is None:
        return None, f"envelope sender {inbound.mail_from!r} is not a valid address"
    return address, ""


def queue_receipt(
    session: Session,
    ctx: PipelineContext,
    prepared: Prepared,
    naskah: Naskah,
    unit: Unit,
    inbound: Inbound,
    now: dt.datetime,
) -> None:
    """Queue the receipt, or record on the timeline why none was sent."""
    address, reason = receipt_recipient(prepared, inbound)
    if address is None:
        record_event(
            session,
            type="receipt_suppressed",
            actor="system",
            channel="system",
            now=now,
            naskah_id=naskah.id,
            payload={"reason": reason},
        )
        return
    text, html = ctx.renderer.render("receipt", receipt_context(ctx, naskah, unit))
    mail = OutgoingMail(
        kind="receipt",
        to_address=address,
        to_name=naskah.sender_name if address == naskah.sender else "",
        subject=receipt_subject(naskah),
        text=text,
        html=html,
        in_reply_to=prepared.parsed.message_id,
        references=prepared.parsed.references,
        reply_to=unit_reply_address(unit, ctx),
        auto_submitted="auto-replied",
    )
    message = compose(mail, ctx.identity, now)
    row = enqueue(
        session,
        message,
        kind="receipt",
        rcpt_to=address,
        identity=ctx.identity,
        now=now,
        naskah_id=naskah.id,
        inbound_id=inbound.id,
    )
    record_event(
        session,
        type="receipt_queued",
        actor="system",
        channel="system",
        now=now,
        naskah_id=naskah.id,
        payload={"outbox_id": row.id, "to": address},
    )


def receipt_subject(naskah: Naskah) -> str:
    if naskah.is_secret:
        return f"[{naskah.agenda_number}] Tanda terima surat"
    return f"[{naskah.agenda_number}] Tanda terima: {naskah.perihal or naskah.subject}"


def unit_reply_address(unit: Unit, ctx: PipelineContext) -> str | None:
    """Replies to a receipt go to the unit's official address at our domain."""
    suffix = "@" + ctx.settings.mail.domain.lower()
    for item in unit.addresses:
        if item.address.lower().endswith(suffix):
            return item.address
    return None


def receipt_context(ctx: PipelineContext, naskah: Naskah, unit: Unit) -> dict[str, object]:
    """Template variables of the receipt."""
    mail = ctx.settings.mail
    return {
        "sender": naskah.sender,
        "sender_name": naskah.sender_name,
        "unit_name": unit.name,
        "agenda_number": naskah.agenda_number,
        "received_at": naskah.received_at,
        "nomor_surat": naskah.nomor_surat,
        "tanggal_surat": naskah.tanggal_surat,
        "perihal": "(dirahasiakan)" if naskah.is_secret else naskah.perihal,
        "lampiran_count": naskah.lampiran_count,
        "gateway_name": mail.sender_name,
        "domain": mail.domain,
        "helpdesk": mail.helpdesk,
    }
