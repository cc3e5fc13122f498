"""Mail the workflow sends: command receipts, updates to the giver, alerts to owners."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.db.models import Disposition, Naskah, Outbox, Position
from gateway.org.holders import Holder, holders
from gateway.outbound.compose import OutgoingMail, compose
from gateway.outbound.outbox import enqueue
from gateway.pipeline.context import PipelineContext
from gateway.routing.tags import reply_address, subject_tag
from gateway.timefmt import local

# Kinds that count against the per-recipient daily cap; notices and updates never do.
CAPPED_KINDS = ("reminder", "escalation", "digest", "command_receipt", "alert")


def sent_today(session: Session, ctx: PipelineContext, address: str, now: dt.datetime) -> int:
    """Capped automatic mails already queued to `address` since local midnight."""
    zone = ctx.settings.mail.timezone
    midnight = dt.datetime.combine(local(now, zone).date(), dt.time(), local(now, zone).tzinfo)
    return int(
        session.execute(
            select(func.count())
            .select_from(Outbox)
            .where(
                Outbox.rcpt_to == address,
                Outbox.kind.in_(CAPPED_KINDS),
                Outbox.created_at >= midnight.astimezone(dt.UTC),
            )
        ).scalar_one()
    )


def queue_mail(
    session: Session,
    ctx: PipelineContext,
    mail: OutgoingMail,
    now: dt.datetime,
    *,
    naskah_id: int | None = None,
    disposition_id: int | None = None,
    person_id: int | None = None,
    inbound_id: int | None = None,
) -> Outbox | None:
    """Queue one message; capped kinds beyond the daily limit are recorded, not sent."""
    if mail.kind in CAPPED_KINDS:
        limit = ctx.settings.workflow.max_auto_mails_per_day
        if sent_today(session, ctx, mail.to_address, now) >= limit:
            record_event(
                session,
                type="mail_capped",
                actor="system",
                channel="system",
                now=now,
                naskah_id=naskah_id,
                disposition_id=disposition_id,
                payload={"to": mail.to_address, "kind": mail.kind, "limit": limit},
            )
            return None
    return enqueue(
        session,
        compose(mail, ctx.identity, now),
        kind=mail.kind,
        rcpt_to=mail.to_address,
        identity=ctx.identity,
        now=now,
        naskah_id=naskah_id,
        disposition_id=disposition_id,
        person_id=person_id,
        inbound_id=inbound_id,
    )


def givers(
    session: Session, ctx: PipelineContext, disposition: Disposition, now: dt.datetime
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
    ctx: PipelineContext,
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
        if queue_mail(
            session,
            ctx,
            mail,
            now,
            naskah_id=naskah.id,
            disposition_id=own or disposition.id,
            person_id=giver.person_id,
        ):
            sent += 1
    return sent
