"""Updates to the giver of a disposition: who gave it, and telling them what happened."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gateway.db.models import Disposition, Naskah, Position
from gateway.org.holders import Holder, holders
from gateway.outbound.compose import OutgoingMail
from gateway.services import Services
from gateway.timefmt import local
from gateway.workflow.tags import reply_address, subject_tag


def givers(
    session: Session, ctx: Services, disposition: Disposition, now: dt.datetime
) -> list[Holder]:
    """Who gave a disposition: its giving person if known, else today's holders of the giving
    position (for rule-given dispositions: the unit's TU desk)."""
    if disposition.from_position_id is None:
        return []
    position = session.get_one(Position, disposition.from_position_id)
    found = holders(session, position, local(now, ctx.settings.mail.timezone).date())
    if disposition.from_person_id is not None:
        own = [h for h in found if h.person_id == disposition.from_person_id]
        return own or found
    return found


def notify_givers(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    disposition: Disposition,
    headline: str,
    body: str,
    now: dt.datetime,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> int:
    """Tell the giver(s) what happened; they can reply to act on their own disposition."""
    sent = 0
    for giver in givers(session, ctx, disposition, now):
        if giver.email is None:
            continue
        own = disposition.parent_id
        reply_to = reply_address(session, ctx, own, giver.person_id, now) if own else None
        text = f"Yth. {giver.name},\n\n{body}\n\n--\n{ctx.settings.mail.helpdesk}\n"
        secret = naskah.is_secret
        mail = OutgoingMail(
            kind="update",
            to_address=giver.email,
            to_name=giver.name,
            subject=f"{subject_tag(naskah)} {headline}",
            text=text,
            reply_to=reply_to,
            attachments=[] if secret else (attachments or []),
        )
        if ctx.queue_mail(
            session,
            mail,
            now,
            naskah_id=naskah.id,
            disposition_id=own or disposition.id,
            person_id=giver.person_id,
        ):
            sent += 1
    return sent
