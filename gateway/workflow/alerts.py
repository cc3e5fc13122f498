"""Alerts to a unit's TU desk (today's holders of its registrar position)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gateway.db.models import Position
from gateway.org.holders import holders
from gateway.outbound.compose import OutgoingMail
from gateway.services import Services
from gateway.timefmt import local


def alert_desk(
    session: Session,
    ctx: Services,
    desk: Position,
    subject: str,
    body: str,
    now: dt.datetime,
    naskah_id: int | None = None,
    disposition_id: int | None = None,
    skip_address: str | None = None,
) -> int:
    """One alert per holder of the desk; returns how many were queued (capped per day)."""
    sent = 0
    for holder in holders(session, desk, local(now, ctx.settings.mail.timezone).date()):
        if holder.email is None or holder.email == skip_address:
            continue
        text = f"Yth. {holder.name},\n\n{body}\n\n--\n{ctx.settings.mail.helpdesk}\n"
        mail = OutgoingMail(
            kind="alert", to_address=holder.email, to_name=holder.name, subject=subject, text=text
        )
        if ctx.queue_mail(
            session,
            mail,
            now,
            naskah_id=naskah_id,
            disposition_id=disposition_id,
            person_id=holder.person_id,
        ):
            sent += 1
    return sent
