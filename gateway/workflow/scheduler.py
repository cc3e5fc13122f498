"""Reminders before due times, escalation of overdue dispositions, daily digests.

Safe with several `tnde serve` nodes: each reminder/escalation is claimed by a
conditional UPDATE and each digest by a per-person-per-day marker row, so exactly one
node sends it. Automatic mails are capped per recipient per day (Services.queue_mail).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.core.states import ACTIONABLE_KINDS, OPEN, STATUS_LABEL
from gateway.db.engine import Database
from gateway.db.models import AppSetting, Disposition, Naskah, Person, Position
from gateway.db.upsert import insert_for
from gateway.org.holders import holders, positions_of, primary_email
from gateway.outbound.clip import clip, clip_body
from gateway.outbound.compose import OutgoingMail
from gateway.services import Services
from gateway.timefmt import local, waktu
from gateway.workflow.signing_links import new_signing_link
from gateway.workflow.status import is_overdue
from gateway.workflow.tags import reply_address, subject_tag
from gateway.workflow.unverified import flush_unverified_alerts

log = logging.getLogger("tnde.scheduler")


class Scheduler:
    """One pass does everything that is due; `run` repeats it."""

    def __init__(self, db: Database, ctx: Services, clock: Callable[[], dt.datetime]) -> None:
        self.db, self.ctx, self.clock = db, ctx, clock

    def run_once(self) -> dict[str, int]:
        now = self.clock()
        counts = {}
        with self.db.write() as session:
            due = _open_with_due(session)
            counts["reminders"] = send_reminders(session, self.ctx, due, now)
            counts["escalations"] = send_escalations(session, self.ctx, due, now)
            counts["digests"] = send_digests(session, self.ctx, now)
            counts["unverified_alerts"] = flush_unverified_alerts(session, self.ctx, now)
        return counts

    async def run(self, stop: asyncio.Event) -> None:
        """Pass after pass, each `scheduler_interval` seconds after the previous one starts."""
        interval = self.ctx.settings.workflow.scheduler_interval
        while not stop.is_set():
            # Wait first: a node that just started lets the pipeline settle before sending.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
            if stop.is_set():
                return
            try:
                counts = await asyncio.to_thread(self.run_once)
                if any(counts.values()):
                    log.info("scheduler: %s", counts)
            except Exception:
                log.exception("scheduler pass failed; will retry")


# How a reminder names what is due: a disposition, or a step of a konsep's route.
STEP_NAME = {
    "paraf": "Permintaan paraf konsep",
    "ttd": "Permintaan tanda tangan konsep",
    "revisi": "Permintaan revisi konsep",
}


def _claim(session: Session, disposition_id: int, column: str, now: dt.datetime) -> bool:
    """Set reminded_at/escalated_at if still empty; False when another node was first."""
    field = getattr(Disposition, column)
    result = session.execute(
        update(Disposition)
        .where(Disposition.id == disposition_id, field.is_(None))
        .values({column: now})
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def _open_with_due(session: Session) -> list[Disposition]:
    """Open dispositions with a deadline: what reminders and escalations look at."""
    return list(
        session.scalars(
            select(Disposition).where(
                Disposition.kind.in_(ACTIONABLE_KINDS),
                Disposition.status.in_(OPEN),
                Disposition.due_at.is_not(None),
            )
        )
    )


def send_reminders(
    session: Session, ctx: Services, due: list[Disposition], now: dt.datetime
) -> int:
    """Due within remind_before_hours: the holder is reminded, once."""
    hours = ctx.settings.workflow.remind_before_hours
    if hours <= 0:
        return 0
    window = dt.timedelta(hours=hours)
    sent = 0
    for item in due:
        assert item.due_at is not None
        if item.reminded_at is not None or not (item.due_at - window <= now < item.due_at):
            continue
        if not _claim(session, item.id, "reminded_at", now):
            continue
        position = session.get_one(Position, item.to_position_id)
        what = STEP_NAME.get(item.kind, "Disposisi")
        text = f"{what} berikut jatuh tempo {waktu(item.due_at, ctx.settings.mail.timezone)}."
        sent += _tell(session, ctx, item, position, "reminder", "Pengingat batas waktu", text, now)
        ctx.system_event(
            session,
            "reminded",
            now,
            naskah_id=item.naskah_id,
            disposition_id=item.id,
            payload={},
        )
    return sent


def send_escalations(
    session: Session, ctx: Services, due: list[Disposition], now: dt.datetime
) -> int:
    """Overdue: the holder and the holder's superior are told, once."""
    if not ctx.settings.workflow.escalate_overdue:
        return 0
    sent = 0
    for item in due:
        if item.escalated_at is not None or not is_overdue(item, now):
            continue
        if not _claim(session, item.id, "escalated_at", now):
            continue
        position = session.get_one(Position, item.to_position_id)
        zone = ctx.settings.mail.timezone
        assert item.due_at is not None  # is_overdue() checked it
        text = (
            f"{STEP_NAME.get(item.kind, 'Disposisi')} kepada {position.title} TERLAMBAT: batas "
            "waktu "
            f"{waktu(item.due_at, zone)} telah lewat."
        )
        sent += _tell(session, ctx, item, position, "escalation", "Disposisi terlambat", text, now)
        if position.superior_id is not None:
            superior = session.get_one(Position, position.superior_id)
            sent += _tell(
                session,
                ctx,
                item,
                superior,
                "escalation",
                "Bawahan terlambat",
                text,
                now,
                replyable=False,
            )
        ctx.system_event(
            session,
            "escalated",
            now,
            naskah_id=item.naskah_id,
            disposition_id=item.id,
            payload={"superior": position.superior_id},
        )
    return sent


def _tell(
    session: Session,
    ctx: Services,
    item: Disposition,
    position: Position,
    kind: str,
    headline: str,
    text: str,
    now: dt.datetime,
    replyable: bool = True,
) -> int:
    naskah = session.get_one(Naskah, item.naskah_id)
    secret = naskah.is_secret
    about = f"Surat {naskah.agenda_number}" + ("" if secret else f" - {clip_body(naskah.perihal)}")
    sent = 0
    for holder in holders(session, position, local(now, ctx.settings.mail.timezone).date()):
        if holder.email is None:
            continue
        reply_to = (
            reply_address(session, ctx, item.id, holder.person_id, now) if replyable else None
        )
        link = ""
        if replyable and item.kind == "ttd" and ctx.settings.tte.provider == "bsre":
            # The signer signs on the signing page: each reminder brings a fresh link (a
            # Plt/Plh who came after the request, or an expired link, can still sign).
            url = new_signing_link(session, ctx, item.id, holder.person_id, now)
            link = f"\nTanda tangani melalui tautan sekali pakai berikut:\n  {url}\n"
        body = f"Yth. {holder.name},\n\n{text}\n{about}\n{link}\n--\n{ctx.settings.mail.helpdesk}\n"
        mail = OutgoingMail(
            kind=kind,
            to_address=holder.email,
            to_name=holder.name,
            subject=f"{subject_tag(naskah)} {headline}",
            text=body,
            reply_to=reply_to,
        )
        if ctx.queue_mail(
            session,
            mail,
            now,
            naskah_id=naskah.id,
            disposition_id=item.id,
            person_id=holder.person_id,
        ):
            sent += 1
    return sent


def _digest_marker(session: Session, person_id: int, day: dt.date) -> bool:
    """Insert today's marker for a person; False when it exists (already sent)."""
    inserted = session.execute(
        insert_for(session, AppSetting)
        .values(key=f"digest:{day.isoformat()}:{person_id}", value="sent")
        .on_conflict_do_nothing()
        .returning(AppSetting.key)
    ).scalar_one_or_none()
    return inserted is not None


def send_digests(session: Session, ctx: Services, now: dt.datetime) -> int:
    """Once a day after digest_hour: each person's open items, unless they opted out."""
    workflow = ctx.settings.workflow
    zone = ctx.settings.mail.timezone
    if workflow.digest_hour < 0 or local(now, zone).hour < workflow.digest_hour:
        return 0
    day = local(now, zone).date()
    # After the first pass of the day almost everyone has their marker: skip them up front
    # instead of resolving their positions and trying the marker again on every pass.
    prefix = f"digest:{day.isoformat()}:"
    done = {
        int(key.removeprefix(prefix))
        for key in session.scalars(select(AppSetting.key).where(AppSetting.key.startswith(prefix)))
    }
    open_items: dict[int, list[Disposition]] = defaultdict(list)
    for item in session.scalars(select(Disposition).where(Disposition.status.in_(OPEN))):
        open_items[item.to_position_id].append(item)
    sent = 0
    for person in session.scalars(
        select(Person).where(Person.active.is_(True), Person.digest_opt_out.is_(False))
    ):
        if person.id in done:
            continue
        items = [
            i
            for position, _ in positions_of(session, person.id, day)
            for i in open_items.get(position.id, [])
        ]
        address = primary_email(person)
        if not items or address is None or not _digest_marker(session, person.id, day):
            continue
        text = _digest_text(session, person, items, now, zone, ctx.settings.mail.helpdesk)
        mail = OutgoingMail(
            kind="digest",
            to_address=address,
            to_name=person.name,
            subject=f"Ringkasan disposisi terbuka ({len(items)})",
            text=text,
        )
        if ctx.queue_mail(session, mail, now, person_id=person.id):
            sent += 1
    return sent


def _digest_text(
    session: Session,
    person: Person,
    items: list[Disposition],
    now: dt.datetime,
    zone: str,
    helpdesk: str,
) -> str:
    lines = [f"Yth. {person.name},", "", "Disposisi yang masih terbuka untuk Anda:", ""]
    for item in sorted(items, key=lambda i: (i.due_at is None, i.due_at or now)):
        naskah = session.get_one(Naskah, item.naskah_id)
        secret = naskah.is_secret
        late = " TERLAMBAT" if is_overdue(item, now) else ""
        due = f"batas {waktu(item.due_at, zone)}" if item.due_at else "tanpa batas waktu"
        perihal = "(rahasia)" if secret else clip(naskah.perihal, 250)
        lines.append(
            f"- {naskah.agenda_number}: {perihal} [{STATUS_LABEL.get(item.status)}; {due}]{late}"
        )
    lines += [
        "",
        "Balas pemberitahuan surat masing-masing untuk menindaklanjutinya.",
        "",
        "Tidak ingin menerima ringkasan harian? Hubungi operator TU.",
        "--",
        helpdesk,
        "",
    ]
    return "\n".join(lines)
