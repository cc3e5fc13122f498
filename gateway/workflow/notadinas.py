"""Deliver a nota dinas: to positions of the writer's unit on its own register row, to
positions of another unit through a copy registered as received there; then tell the
writer its number and where it went."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.states import NaskahStatus
from gateway.db.models import Disposition, Naskah, Position, Unit
from gateway.org.authors import Author
from gateway.org.holders import holders, primary_email
from gateway.outbound.clip import clip_subject
from gateway.outbound.compose import OutgoingMail
from gateway.services import Services
from gateway.timefmt import local, waktu
from gateway.workflow.internal import Target, give, receive_copy
from gateway.workflow.tags import subject_tag

NOTA_DINAS = "Nota Dinas"


def deliver_nota_dinas(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    author: Author,
    targets: list[Target],
    now: dt.datetime,
    receipt: bool = True,
) -> list[tuple[Target, Naskah]]:
    """Dispositions from the writer to every target; (target, the row it was given on)."""
    by_unit: dict[int, list[Target]] = defaultdict(list)
    for target in targets:
        by_unit[target.position.unit_id].append(target)
    given: list[tuple[Target, Naskah]] = []
    for unit_id, unit_targets in by_unit.items():
        if unit_id == naskah.unit_id:
            row = naskah
        else:
            unit = session.get_one(Unit, unit_id)
            addresses = [f"{t.position.handle}@{ctx.settings.mail.domain}" for t in unit_targets]
            row = receive_copy(session, ctx, naskah, unit, addresses, now, NOTA_DINAS)
        give(session, ctx, row, author, unit_targets, now)
        given += [(target, row) for target in unit_targets]
    if given:
        # The writer's own row is "disposed" once it left, wherever its dispositions are.
        naskah.status = NaskahStatus.DIDISPOSISIKAN
    if receipt:
        _receipt(session, ctx, naskah, author, given, now)
    return given


def given_already(session: Session, naskah: Naskah, position: Position) -> bool:
    """Whether the position has a disposition of this nota dinas, on its own row or on a
    copy registered in another unit."""
    rows = [naskah.id, *session.scalars(select(Naskah.id).where(Naskah.origin_id == naskah.id))]
    found = session.scalar(
        select(Disposition.id)
        .where(Disposition.naskah_id.in_(rows), Disposition.to_position_id == position.id)
        .limit(1)
    )
    return found is not None


def _receipt(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    author: Author,
    given: list[tuple[Target, Naskah]],
    now: dt.datetime,
) -> None:
    """The writer learns the number and who holds each addressed position today."""
    address = primary_email(author.person)
    if address is None:
        return
    day = local(now, ctx.settings.mail.timezone).date()
    lines = []
    for target, row in given:
        names = ", ".join(
            f"{h.name}{' (' + h.kind.upper() + ')' if h.kind != 'definitif' else ''}"
            for h in holders(session, target.position, day)
        )
        word = "tembusan" if target.kind == "tembusan" else "kepada"
        where = f", agenda {row.agenda_number}" if row.id != naskah.id else ""
        lines.append(f"  - {word} {target.position.title}: {names or 'jabatan kosong'}{where}\n")
    about = "" if naskah.is_secret else f"  Perihal : {clip_subject(naskah.perihal)}\n"
    text = (
        f"Yth. {author.person.name},\n\n"
        f"Nota dinas Anda telah dicatat dan diteruskan.\n\n"
        f"  Nomor   : {naskah.agenda_number}\n"
        f"  Tanggal : {waktu(now, ctx.settings.mail.timezone)}\n"
        f"{about}\n"
        "Diteruskan:\n" + "".join(lines) + "\n"
        "Tanggapan penerima akan dikirim ke alamat email Anda.\n"
        f"\n--\n{ctx.settings.mail.helpdesk}\n"
    )
    mail = OutgoingMail(
        kind="receipt",
        to_address=address,
        to_name=author.person.name,
        subject=f"{subject_tag(naskah)} Nota dinas tercatat: {naskah.agenda_number}",
        text=text,
        in_reply_to=naskah.message_id,
        auto_submitted="auto-replied",
    )
    ctx.queue_mail(session, mail, now, naskah_id=naskah.id, person_id=author.person.id)
