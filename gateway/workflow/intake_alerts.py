"""Tell the operators about IMAP messages the gateway will not download."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.config import ImapAccount
from gateway.db.models import Unit, UnitAddress
from gateway.services import Services
from gateway.workflow.alerts import alert_desk
from gateway.workflow.apply import registrar_of


def report_too_big(
    session: Session,
    ctx: Services,
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
    folder_note = account.too_big_folder
    moved = f" dan dipindahkan ke folder '{folder_note}'" if folder_note else ""
    body = (
        f"Sebuah email di kotak surat {where} berukuran {size / 1048576:.1f} MB, melebihi batas "
        f"{limit / 1048576:.1f} MB. Email itu tidak diunduh{moved}; mohon dicatat secara manual "
        "atau minta pengirim mengirim ulang dengan lampiran lebih kecil."
    )
    alert_desk(session, ctx, registrar, f"Email terlalu besar di {account.name}", body, now)
