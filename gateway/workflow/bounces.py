"""Bounces of our own mail: mark the message undeliverable and alert the unit's TU desk.

They arrive at the VERP address tnde+bounce-<outbox id>@domain (a delivery status
notification), or as a 5xx from the smarthost. A bounce never triggers a reply, so two
gateways cannot ping-pong; an alert that itself bounces is only recorded.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.prepared import Prepared
from gateway.core.states import OutboxState
from gateway.db.models import Konsep, Naskah, Outbox, Person, PersonEmail, Unit
from gateway.org.holders import primary_email
from gateway.outbound.compose import OutgoingMail
from gateway.parsing.automatic import Dsn
from gateway.services import Services
from gateway.workflow.alerts import alert_desk
from gateway.workflow.apply import registrar_of
from gateway.workflow.tags import subject_tag


def bounced_outbox_id(prepared: Prepared, sender_local: str) -> int | None:
    """The outbox id named by a VERP recipient (tnde+bounce-<id>@domain)."""
    for recipient in prepared.gateway_recipients:
        if recipient.local == sender_local.lower() and recipient.tag.startswith("bounce-"):
            number = recipient.tag.removeprefix("bounce-")
            if number.isdigit():
                return int(number)
    return None


def handle_bounce(
    session: Session, ctx: Services, outbox_id: int, dsn: Dsn, now: dt.datetime
) -> str:
    """Record a DSN for one of our messages; returns what was done."""
    row = session.get(Outbox, outbox_id)
    if row is None:
        return f"bounce for unknown outbox message {outbox_id}"
    status, diagnostic = dsn
    if status.startswith("4"):
        ctx.system_event(
            session,
            "delivery_delayed",
            now,
            naskah_id=row.naskah_id,
            disposition_id=row.disposition_id,
            payload={"outbox_id": row.id, "status": status, "diagnostic": diagnostic},
        )
        return f"delivery of outbox {row.id} delayed ({status})"
    detail = f"{status or 'bounce'}: {diagnostic or 'undeliverable'}"
    row.state = OutboxState.BOUNCED
    record_undeliverable(session, ctx, row, detail, now)
    return f"outbox {row.id} bounced ({detail})"


def record_undeliverable(
    session: Session, ctx: Services, row: Outbox, detail: str, now: dt.datetime
) -> None:
    """The message will never arrive: mark the address, tell the TU desk (the caller sets
    the row's state: 'bounced' after a DSN, 'failed' after a 5xx from the smarthost)."""
    row.last_error = detail
    email = session.scalars(select(PersonEmail).where(PersonEmail.address == row.rcpt_to)).first()
    if email is not None and email.undeliverable_since is None:
        email.undeliverable_since = now
    ctx.system_event(
        session,
        "bounced",
        now,
        naskah_id=row.naskah_id,
        disposition_id=row.disposition_id,
        payload={"outbox_id": row.id, "to": row.rcpt_to, "kind": row.kind, "detail": detail},
    )
    if row.kind == "alert" or row.naskah_id is None:
        return  # An alert about an alert would loop; mail without a letter has no desk.
    _alert_desk(session, ctx, row, detail, now)


def _alert_desk(
    session: Session, ctx: Services, row: Outbox, detail: str, now: dt.datetime
) -> None:
    naskah = session.get_one(Naskah, row.naskah_id)
    if row.kind == "surat_keluar":
        _tell_drafter(session, ctx, row, naskah, detail, now)
    registrar = registrar_of(session, session.get_one(Unit, naskah.unit_id))
    if registrar is None:
        return
    if row.kind == "surat_keluar":
        body = _letter_undelivered(row, naskah, detail)
    else:
        body = (
            f"Email '{row.subject}' kepada {row.rcpt_to} tidak dapat dikirim ({detail}).\n"
            f"Pejabat tersebut belum menerima pemberitahuan surat {naskah.agenda_number}. "
            "Mohon sampaikan secara langsung dan perbaiki alamat emailnya pada data organisasi."
        )
    subject = f"{subject_tag(naskah)} Email tidak terkirim: {row.rcpt_to}"
    alert_desk(session, ctx, registrar, subject, body, now, naskah.id, skip_address=row.rcpt_to)


def _letter_undelivered(row: Outbox, naskah: Naskah, detail: str) -> str:
    return (
        f"Surat keluar {naskah.agenda_number} kepada {row.rcpt_to} tidak dapat dikirim "
        f"({detail}).\nPenerima belum menerima surat itu. Mohon kirim melalui saluran lain "
        "(SRIKANDI, fisik) atau kirim ulang ke alamat yang benar."
    )


def _tell_drafter(
    session: Session, ctx: Services, row: Outbox, naskah: Naskah, detail: str, now: dt.datetime
) -> None:
    """A sent surat keluar that did not arrive: its drafter hears of it too."""
    konsep = session.scalars(select(Konsep).where(Konsep.letter_id == naskah.id)).first()
    person = session.get(Person, konsep.drafter_person_id) if konsep else None
    address = primary_email(person) if person else None
    if person is None or address is None:
        return
    mail = OutgoingMail(
        kind="alert",
        to_address=address,
        to_name=person.name,
        subject=f"{subject_tag(naskah)} Surat tidak terkirim: {row.rcpt_to}",
        text=f"Yth. {person.name},\n\n{_letter_undelivered(row, naskah, detail)}\n"
        f"\n--\n{ctx.settings.mail.helpdesk}\n",
    )
    ctx.queue_mail(session, mail, now, naskah_id=naskah.id, person_id=person.id)
