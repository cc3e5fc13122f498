"""Register what an official writes: a nota dinas in the writer's unit series, or a konsep
(surat keluar draft) under a draft number; the writer's files are stored with it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import logs
from gateway.core.prepared import Prepared
from gateway.core.states import NaskahStatus
from gateway.db.aftercommit import count_registration
from gateway.db.counter import take_number
from gateway.db.models import Inbound, Naskah, Unit
from gateway.org.authors import Author
from gateway.parsing.naskah import clean_subject
from gateway.registration.letter import keep_original, link_copy, store_files
from gateway.services import Services
from gateway.timefmt import local


@dataclass(frozen=True)
class Particulars:
    """What the writer said about the naskah (subject, head lines, subject prefixes)."""

    perihal: str
    recipients: list[str]
    keamanan: str = "B"
    kecepatan: str = "BIASA"
    klasifikasi: str = ""
    jenis: str = ""


def register_written(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    author: Author,
    unit: Unit,
    inbound: Inbound,
    kind: str,
    particulars: Particulars,
    now: dt.datetime,
) -> tuple[Naskah, bool]:
    """(the register row, whether it is new). The same mail delivered twice registers
    once: the second delivery is linked to the first as a copy."""
    existing = session.scalars(
        select(Naskah).where(
            Naskah.unit_id == unit.id, Naskah.kind == kind, Naskah.dedupe_key == prepared.dedupe_key
        )
    ).first()
    if existing is not None:
        logs.note(agenda_number=existing.agenda_number)
        link_copy(session, ctx, existing, inbound, now)
        return existing, False
    files = store_files(session, prepared, version=1 if kind == "konsep" else None)
    parsed, meta = prepared.parsed, prepared.metadata
    year, seq, number = take_number(
        session,
        ctx.settings.numbering,
        unit,
        kind,
        local(now, ctx.settings.mail.timezone),
        kka=particulars.klasifikasi,
        jenis=particulars.jenis,
        derajat=particulars.keamanan,
    )
    naskah = Naskah(
        kind=kind,
        unit_id=unit.id,
        year=year,
        seq=seq,
        agenda_number=number,
        inbound_id=inbound.id,
        channel="email",
        **prepared.identity(),
        sender=parsed.sender.address if parsed.sender else "",
        sender_name=author.person.name,
        sender_agency=f"{author.position.title}, {unit.name}",
        recipients=particulars.recipients,
        subject=parsed.subject,
        perihal=particulars.perihal or clean_subject(parsed.subject),
        isi_ringkas=meta.isi_ringkas,
        nomor_surat=number if kind == "nota_dinas" else None,
        tanggal_surat=local(now, ctx.settings.mail.timezone).date(),
        sifat_keamanan=particulars.keamanan,
        kecepatan=particulars.kecepatan,
        jenis=particulars.jenis or None,
        klasifikasi=particulars.klasifikasi or None,
        lampiran_count=len(parsed.files),
        body_text=parsed.text,
        body_html=parsed.html,
        field_sources={"author": {"source": "email", "text": author.label}},
        auth_results=prepared.auth,
        parse_defects=parsed.defects,
        status=NaskahStatus.BARU,
        received_at=inbound.received_at,
        registered_at=now,
        decision={},
        copies=1,
    )
    session.add(naskah)
    session.flush()
    logs.note(agenda_number=number)  # later lines of this mail name it
    keep_original(session, naskah, inbound, files, now)
    ctx.system_event(
        session,
        "registered",
        now,
        naskah_id=naskah.id,
        inbound_id=inbound.id,
        payload={
            "agenda_number": number,
            "unit": unit.code,
            "source": inbound.source,
            "kind": kind,
            "author": author.label,
            "recipients": particulars.recipients,
        },
    )
    count_registration(session, unit.code, kind)
    return naskah, True
