"""The write phase: dedupe, agenda number, naskah row, attachments, receipt, events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import logs
from gateway.audit import start_chain
from gateway.core.prepared import LetterForUnit, Prepared
from gateway.core.states import NaskahStatus
from gateway.db.aftercommit import count_registration
from gateway.db.blobs import put_blob
from gateway.db.counter import take_number
from gateway.db.models import Attachment, Inbound, Naskah, NaskahSource, Unit
from gateway.registration.receipt import queue_receipt
from gateway.services import Services
from gateway.timefmt import local


@dataclass(frozen=True)
class Registered:
    """The outcome for one unit: a new agenda entry, or a copy linked to an old one."""

    naskah_id: int
    agenda_number: str
    unit_code: str
    is_copy: bool
    # The rows themselves, for the routing that follows in the same transaction: the
    # session's identity map holds loaded rows weakly, so without these the caller would
    # read both back (two queries per letter).
    naskah: Naskah | None = field(default=None, compare=False, repr=False)
    unit: Unit | None = field(default=None, compare=False, repr=False)


def register_letter(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    letter: LetterForUnit,
    inbound: Inbound,
    now: dt.datetime,
) -> Registered:
    """Register `letter` in its unit, or link it to the naskah it duplicates."""
    unit = session.scalars(select(Unit).where(Unit.code == letter.unit_code)).one()
    kind = "surat_masuk"
    existing = session.scalars(
        select(Naskah).where(
            Naskah.unit_id == unit.id, Naskah.kind == kind, Naskah.dedupe_key == prepared.dedupe_key
        )
    ).first()
    if existing is not None:
        logs.note(agenda_number=existing.agenda_number)
        link_copy(session, ctx, existing, inbound, now)
        return Registered(existing.id, existing.agenda_number, unit.code, is_copy=True)
    stored = store_files(session, prepared)
    naskah = _new_naskah(session, ctx, prepared, letter, unit, inbound, kind, now)
    logs.note(agenda_number=naskah.agenda_number)  # later lines of this letter name it
    keep_original(session, naskah, inbound, stored, now)
    ctx.system_event(
        session,
        "registered",
        now,
        naskah_id=naskah.id,
        inbound_id=inbound.id,
        payload={
            "agenda_number": naskah.agenda_number,
            "unit": unit.code,
            "source": inbound.source,
            "recipients": [r.address for r in letter.recipients],
            "field_sources": prepared.metadata.sources,
        },
    )
    queue_receipt(session, ctx, prepared, naskah, unit, inbound, now)
    count_registration(session, unit.code, kind)
    return Registered(naskah.id, naskah.agenda_number, unit.code, False, naskah, unit)


def _classification(prepared: Prepared, letter: LetterForUnit) -> dict[str, Any]:
    """Extracted sifat/jenis/klasifikasi, overridden by what the rules set (and why)."""
    meta = prepared.metadata
    values: dict[str, Any] = {
        "jenis": meta.jenis,
        "sifat_keamanan": meta.keamanan,
        "kecepatan": meta.kecepatan,
        "klasifikasi": meta.klasifikasi,
    }
    sources = dict(meta.sources)
    decision = letter.decision
    if decision is None:
        return {**values, "field_sources": sources}
    rules = ", ".join(hit["rule"] for hit in decision.hits)
    decided = {
        "jenis": decision.jenis or None,
        "sifat_keamanan": decision.sifat_keamanan,
        "kecepatan": decision.kecepatan,
        "klasifikasi": decision.klasifikasi or None,
    }
    for name, value in decided.items():
        if value != values[name]:
            values[name] = value
            source_name = {"sifat_keamanan": "keamanan"}.get(name, name)
            sources[source_name] = {"source": f"rule:{rules}", "text": str(value)}
    return {**values, "field_sources": sources}


def keep_original(
    session: Session, naskah: Naskah, inbound: Inbound, files: list[Attachment], now: dt.datetime
) -> None:
    """A new register row's files, and the inbound mail it was registered from."""
    for attachment in files:
        attachment.naskah_id = naskah.id
        session.add(attachment)
    session.add(
        NaskahSource(naskah_id=naskah.id, inbound_id=inbound.id, role="original", created_at=now)
    )


def store_files(
    session: Session, prepared: Prepared, version: int | None = None
) -> list[Attachment]:
    """Blobs first: they need no lock, so the counter row is held as briefly as possible.
    `version`: the konsep version the files are (None for every other naskah)."""
    result = []
    for item in prepared.parsed.attachments:
        digest = put_blob(session, item.data)
        result.append(
            Attachment(
                filename=item.filename,
                declared_type=item.declared_type,
                sniffed_type=item.sniffed_type,
                size=len(item.data),
                sha256=digest,
                origin=item.origin,
                part_path=item.part_path,
                role=item.role,
                version=version,
            )
        )
    return result


def _new_naskah(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    letter: LetterForUnit,
    unit: Unit,
    inbound: Inbound,
    kind: str,
    now: dt.datetime,
) -> Naskah:
    """Take the next number and insert the register row (the counter lock starts here)."""
    parsed, meta = prepared.parsed, prepared.metadata
    fields = _classification(prepared, letter)
    year, seq, number = take_number(
        session,
        ctx.settings.numbering,
        unit,
        kind,
        local(now, ctx.settings.mail.timezone),
        kka=fields["klasifikasi"] or "",
        jenis=fields["jenis"] or "",
        derajat=fields["sifat_keamanan"],
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
        sender=parsed.sender.address if parsed.sender else inbound.mail_from,
        sender_name=parsed.sender.name if parsed.sender else "",
        sender_agency=meta.sender_agency,
        recipients=[r.address for r in letter.recipients],
        subject=parsed.subject,
        perihal=meta.perihal,
        isi_ringkas=meta.isi_ringkas,
        nomor_surat=meta.nomor_surat,
        tanggal_surat=meta.tanggal_surat,
        sifat_keamanan=fields["sifat_keamanan"],
        kecepatan=fields["kecepatan"],
        jenis=fields["jenis"],
        klasifikasi=fields["klasifikasi"],
        lampiran_count=meta.lampiran_count,
        body_text=parsed.text,
        body_html=parsed.html,
        field_sources=fields["field_sources"],
        auth_results=prepared.auth,
        parse_defects=parsed.defects,
        status=NaskahStatus.BARU,
        received_at=inbound.received_at,
        registered_at=now,
        rule_set_version=letter.decision.version if letter.decision else None,
        decision=letter.decision.to_dict() if letter.decision else {},
        copies=1,
    )
    session.add(naskah)
    session.flush()
    start_chain(session, naskah.id)  # its "registered" event then skips a lookup
    return naskah


def link_copy(
    session: Session, ctx: Services, naskah: Naskah, inbound: Inbound, now: dt.datetime
) -> None:
    """A second delivery of a registered naskah: link it, number nothing, answer nothing."""
    linked = session.scalars(
        select(NaskahSource).where(
            NaskahSource.naskah_id == naskah.id, NaskahSource.inbound_id == inbound.id
        )
    ).first()
    if linked is None:
        session.add(
            NaskahSource(naskah_id=naskah.id, inbound_id=inbound.id, role="copy", created_at=now)
        )
        naskah.copies += 1
        ctx.system_event(
            session,
            "copy_received",
            now,
            naskah_id=naskah.id,
            inbound_id=inbound.id,
            payload={"inbound_id": inbound.id, "copies": naskah.copies},
        )
