"""Letters that travel inside the organisation without mail: a copy registered as received
in another unit's buku agenda, and dispositions given by the writing official."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.core.calendar import resolve_spec
from gateway.core.states import DispositionStatus, NaskahStatus
from gateway.db.aftercommit import count_registration
from gateway.db.blobs import get_blob
from gateway.db.counter import take_number
from gateway.db.models import Attachment, Disposition, Naskah, Position, Unit
from gateway.org.authors import Author
from gateway.services import Services
from gateway.timefmt import local
from gateway.workflow.apply import calendar_for, dispose
from gateway.workflow.notices import NoticeSource


@dataclass(frozen=True)
class Target:
    """A position a letter goes to, as disposisi (to act) or tembusan (to know)."""

    position: Position
    kind: str  # disposisi | tembusan


def own_files(session: Session, naskah: Naskah) -> list[tuple[str, str, bytes]]:
    """The files a letter was sent with (not follow-up documents, not older versions)."""
    rows = session.scalars(
        select(Attachment)
        .where(
            Attachment.naskah_id == naskah.id,
            Attachment.role == "file",
            Attachment.origin != "tindak_lanjut",
        )
        .order_by(Attachment.id)
    )
    return [
        (a.filename, a.sniffed_type or a.declared_type, get_blob(session, a.sha256)) for a in rows
    ]


def same_mail(source: Naskah) -> dict[str, Any]:
    """The fields that tie a register row to the mail it came from, as `source` has them."""
    return {
        "inbound_id": source.inbound_id,
        "message_id": source.message_id,
        "message_id_synthesized": source.message_id_synthesized,
        "raw_sha256": source.raw_sha256,
        "content_sha256": source.content_sha256,
    }


def copied(item: Attachment, naskah_id: int, origin: str = "") -> Attachment:
    """The same file (the same blob) on another register row."""
    return Attachment(
        naskah_id=naskah_id,
        filename=item.filename,
        declared_type=item.declared_type,
        sniffed_type=item.sniffed_type,
        size=item.size,
        sha256=item.sha256,
        origin=origin or item.origin,
        part_path=item.part_path,
        role=item.role,
    )


def receive_copy(
    session: Session,
    ctx: Services,
    source: Naskah,
    unit: Unit,
    recipients: list[str],
    now: dt.datetime,
    jenis: str,
) -> Naskah:
    """Register `source` as received in `unit` (next number of its surat masuk series),
    linked to it, with the same files (the same blobs: byte-identical by construction).
    Once per unit: a unit that has it already gets the same row back."""
    existing = session.scalars(
        select(Naskah).where(
            Naskah.unit_id == unit.id,
            Naskah.kind == "surat_masuk",
            Naskah.dedupe_key == f"internal:{source.id}",
        )
    ).first()
    if existing is not None:
        return existing
    kka = source.klasifikasi or ""
    year, seq, number = take_number(
        session,
        ctx.settings.numbering,
        unit,
        "surat_masuk",
        local(now, ctx.settings.mail.timezone),
        kka=kka,
        jenis=jenis,
        derajat=source.sifat_keamanan,
    )
    copy = Naskah(
        kind="surat_masuk",
        unit_id=unit.id,
        year=year,
        seq=seq,
        agenda_number=number,
        channel="internal",
        dedupe_key=f"internal:{source.id}",
        **same_mail(source),
        sender=source.sender,
        sender_name=source.sender_name,
        sender_agency=source.sender_agency,
        recipients=recipients,
        subject=source.subject,
        perihal=source.perihal,
        isi_ringkas=source.isi_ringkas,
        nomor_surat=source.agenda_number,
        tanggal_surat=local(source.registered_at, ctx.settings.mail.timezone).date(),
        sifat_keamanan=source.sifat_keamanan,
        kecepatan=source.kecepatan,
        jenis=jenis,
        klasifikasi=source.klasifikasi,
        lampiran_count=source.lampiran_count,
        body_text=source.body_text,
        body_html=source.body_html,
        field_sources={"origin": {"source": "internal", "text": source.agenda_number}},
        auth_results=source.auth_results,
        parse_defects=[],
        status=NaskahStatus.BARU,
        received_at=now,
        registered_at=now,
        decision={},
        origin_id=source.id,
        copies=1,
    )
    session.add(copy)
    session.flush()
    for item in session.scalars(
        select(Attachment).where(Attachment.naskah_id == source.id, Attachment.role == "file")
    ):
        if item.version is not None and source.kind == "konsep":
            continue  # a konsep's versions stay with the konsep
        session.add(copied(item, copy.id))
    ctx.system_event(
        session,
        "registered",
        now,
        naskah_id=copy.id,
        payload={
            "agenda_number": number,
            "unit": unit.code,
            "source": "internal",
            "origin": source.agenda_number,
            "recipients": recipients,
        },
    )
    record_event(
        session,
        type="delivered_internal",
        actor="system",
        channel="system",
        now=now,
        naskah_id=source.id,
        payload={"unit": unit.code, "agenda_number": number, "naskah_id": copy.id},
    )
    count_registration(session, unit.code, "surat_masuk")
    return copy


def give(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    author: Author,
    targets: list[Target],
    now: dt.datetime,
    note: str = "",
) -> list[Disposition]:
    """Dispositions from the writing official to each target, with their notices; the
    holders answer them with the usual reply commands and TANGGAPAN reaches the writer."""
    settings = ctx.settings
    calendar = calendar_for(session, ctx)
    unit = session.get_one(Unit, naskah.unit_id)
    files = own_files(session, naskah)
    source = NoticeSource(disposed_by=author.label, registrar=None, files=lambda: files)
    created = []
    for target in targets:
        due_at = None
        if target.kind == "disposisi":
            spec = resolve_spec("", naskah.kecepatan, settings.workflow.sla())
            due_at = calendar.due(spec, now)
        disposition = Disposition(
            naskah_id=naskah.id,
            kind=target.kind,
            from_position_id=author.position.id,
            from_person_id=author.person.id,
            from_acting=author.capacity if author.capacity != "definitif" else None,
            to_position_id=target.position.id,
            instructions=[],
            note=note,
            due_at=due_at,
            status=DispositionStatus.SENT,
            channel="email",
            created_at=now,
        )
        given = dispose(
            session,
            ctx,
            naskah,
            unit,
            disposition,
            target.position,
            source,
            author.label,
            now,
            author.person.id,
        )
        created.append(given)
    if any(d.kind == "disposisi" for d in created):
        naskah.status = NaskahStatus.DIDISPOSISIKAN
    return created
