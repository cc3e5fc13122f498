"""Tell the operators about IMAP messages the gateway will not download."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.config import ImapAccount
from gateway.db.models import Unit, UnitAddress
from gateway.org.holders import holders
from gateway.outbound.compose import OutgoingMail
from gateway.pipeline.context import PipelineContext
from gateway.routing.apply import registrar_of
from gateway.timefmt import local
from gateway.workflow.messages import queue_mail


def report_too_big(
    session: Session,
    ctx: PipelineContext,
    account: ImapAccount,
    folder: str,
    uid: int,
    size: int,
    now: dt.datetime,
) -> None:
    """An event on the system chain, and a mail to the TU desk of the deliver_to unit."""
    limit = account.max_message_size or ctx.settings.mail.max_message_size
    where = f"{account.name}/{folder} UID {uid}"
    record_event(
        session,
        type="imap_too_big",
        actor=f"imap:{account.name}",
        channel="system",
        now=now,
        payload={
            "account": account.name,
            "folder": folder,
            "uid": uid,
            "size": size,
            "limit": limit,
        },
    )
    unit = session.scalars(
        select(Unit).join(UnitAddress).where(UnitAddress.address == account.deliver_to.lower())
    ).first()
    registrar = registrar_of(session, unit) if unit else None
    if registrar is None:
        return
    moved = (
        f" dan dipindahkan ke folder '{account.too_big_folder}'" if account.too_big_folder else ""
    )
    for holder in holders(session, registrar, local(now, ctx.settings.mail.timezone).date()):
        if holder.email is None:
            continue
        text = (
            f"Yth. {holder.name},\n\nSebuah email di kotak surat {where} berukuran "
            f"{size / 1048576:.1f} MB, melebihi batas {limit / 1048576:.1f} MB. Email itu tidak "
            f"diunduh{moved}; mohon dicatat secara manual atau minta pengirim mengirim ulang "
            f"dengan lampiran lebih kecil.\n\n--\n{ctx.settings.mail.helpdesk}\n"
        )
        mail = OutgoingMail(
            kind="alert",
            to_address=holder.email,
            to_name=holder.name,
            subject=f"Email terlalu besar di {account.name}",
            text=text,
        )
        queue_mail(session, ctx, mail, now, person_id=holder.person_id)
