"""Tanda terima: the receipt with the agenda number, queued in the registering transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gateway.catalogue import Catalogue
from gateway.core.prepared import Prepared
from gateway.db.models import Inbound, Naskah, Unit
from gateway.outbound.clip import clip_body, clip_subject
from gateway.outbound.compose import OutgoingMail
from gateway.parsing.addresses import ascii_address, normalise_address
from gateway.parsing.authresults import (
    envelope_authenticated,
    from_authenticated,
    sender_authenticated,
)
from gateway.parsing.automatic import may_auto_respond
from gateway.services import Services


def receipt_recipient(
    prepared: Prepared, inbound: Inbound, own_domain: str = "", people: frozenset[str] = frozenset()
) -> tuple[str | None, str]:
    """RFC 3834 3.1.5: answer the envelope sender, unless it must not be answered. Our
    own domain is never answered, except an official's own address (`people`, where the
    gateway shares the pemda's domain): our addresses receive letters, they do not send
    them, so such a sender is forged and its receipt would only come back to us."""
    allowed, reason = may_auto_respond(prepared.parsed, inbound.mail_from)
    if not allowed:
        return None, reason
    address = normalise_address(inbound.mail_from)
    if address is None:
        return None, f"envelope sender {inbound.mail_from!r} is not a valid address"
    address, reason = _proven_address(prepared, address)
    if address is None:
        return None, reason
    domain = address.rpartition("@")[2]
    own = own_domain.lower()
    if own and (domain == own or domain.endswith("." + own)) and address not in people:
        return None, f"envelope sender {address!r} claims the gateway's own domain"
    deliverable = ascii_address(address)
    if deliverable is None:  # the letter registers all the same
        return None, f"envelope sender {address!r} needs SMTPUTF8, which we do not send"
    return deliverable, ""


def _proven_address(prepared: Prepared, address: str) -> tuple[str | None, str]:
    """Where the gateway checked the sender itself, a receipt goes only to a proven
    address: MAIL FROM when SPF passed, else the From address when DMARC passed for it
    (never to an unproven MAIL FROM: that would be backscatter to a forged address).
    Upstream verdicts often lack SPF, so letters behind a relay keep the old rule (a
    receipt with the agenda number only, to MAIL FROM, when nothing is proven)."""
    auth = prepared.auth
    if auth.get("source") != "gateway" or envelope_authenticated(auth):
        return address, ""
    sender = prepared.parsed.sender.address if prepared.parsed.sender else None
    if sender and from_authenticated(auth, sender):
        return sender, ""
    return None, (
        f"neither SPF for the envelope sender {address!r} (spf={auth.get('spf')}) nor DMARC"
        f" for the From address (dmarc={auth.get('dmarc')}) passed: a receipt could reach"
        " a forged address"
    )


def queue_receipt(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    naskah: Naskah,
    unit: Unit,
    inbound: Inbound,
    now: dt.datetime,
) -> None:
    """Queue the receipt, or record on the timeline why none was sent."""
    sender = normalise_address(inbound.mail_from) or ""
    org = ctx.org.snapshot(session)
    people = frozenset({sender}) if sender in org.addresses.addresses else frozenset()
    address, reason = receipt_recipient(prepared, inbound, ctx.settings.mail.domain, people)
    if address is None:
        ctx.system_event(
            session,
            "receipt_suppressed",
            now,
            naskah_id=naskah.id,
            payload={"reason": reason},
        )
        return
    # An unauthenticated sender gets no text it wrote back from us (the agenda number and
    # time only): otherwise anyone could make us mail their words to a victim's MAIL FROM.
    verified = sender_authenticated(prepared.auth, naskah.sender)
    context = receipt_context(ctx, naskah, unit, verified)
    # The sending agency follows its letter from here: a page and a Reply-To for STATUS,
    # both bound to this letter and this address (gateway/workflow/tracking.py).
    reply_to: str | None
    if ctx.settings.tracking.enabled_for(unit.code):
        context["tracking_link"], reply_to = ctx.tracking_links(session, naskah.id, address)
    else:
        reply_to = org.unit_address_at(unit.id, ctx.settings.mail.domain)
    text, html = ctx.renderer.render("receipt", context)
    mail = OutgoingMail(
        kind="receipt",
        to_address=address,
        to_name=clip_subject(naskah.sender_name) if verified and address == naskah.sender else "",
        subject=receipt_subject(naskah, verified),
        text=text,
        html=html,
        # In-Reply-To keeps the receipt in the sender's thread (one Message-ID, capped by
        # compose); the References chain is the sender's text: only for a proven sender.
        in_reply_to=prepared.parsed.message_id,
        references=prepared.parsed.references if verified else [],
        reply_to=reply_to,
        auto_submitted="auto-replied",
    )
    row = ctx.queue_mail(session, mail, now, naskah_id=naskah.id, inbound_id=inbound.id)
    ctx.system_event(
        session,
        "receipt_queued",
        now,
        naskah_id=naskah.id,
        payload={"outbox_id": row.id if row else None, "to": address, "sender_verified": verified},
    )


def receipt_subject(naskah: Naskah, verified: bool = True) -> str:
    if naskah.is_secret or not verified:
        return f"[{naskah.agenda_number}] Tanda terima surat"
    return (
        f"[{naskah.agenda_number}] Tanda terima: {clip_subject(naskah.perihal or naskah.subject)}"
    )


def receipt_context(
    ctx: Services, naskah: Naskah, unit: Unit, verified: bool = True
) -> dict[str, object]:
    """Template variables of the receipt; sender-written values only when `verified`."""
    mail = ctx.settings.mail
    mine = verified  # Values the sender wrote are repeated only to a proven sender.
    return {
        "t": Catalogue("id"),  # official correspondence: always Bahasa Indonesia
        "tracking_link": "",
        "verified_sender": verified,
        "sender": clip_body(naskah.sender) if mine else "",
        "sender_name": clip_body(naskah.sender_name) if mine else "",
        "unit_name": unit.name,
        "agenda_number": naskah.agenda_number,
        "received_at": naskah.received_at,
        "nomor_surat": clip_body(naskah.nomor_surat) if mine else "",
        "tanggal_surat": naskah.tanggal_surat if mine else None,
        "perihal": "(dirahasiakan)"
        if naskah.is_secret
        else (clip_body(naskah.perihal) if mine else ""),
        "lampiran_count": naskah.lampiran_count,
        "gateway_name": mail.sender_name,
        "domain": mail.domain,
        "helpdesk": mail.helpdesk,
    }
