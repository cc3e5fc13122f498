"""A signed konsep becomes a surat keluar: its number (or the reserved one), the signature
block, the verification page token; then it is sent to external recipients from the
unit's address and registered directly in internal recipients' buku agenda."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.db.aftercommit import count_registration
from gateway.db.counter import take_number
from gateway.db.models import (
    Attachment,
    Disposition,
    Konsep,
    Naskah,
    Person,
    Position,
    Unit,
    UnitAddress,
)
from gateway.org.authors import ACTING_TITLE, Author
from gateway.org.holders import primary_email
from gateway.outbound.clip import clip_subject
from gateway.outbound.compose import OutgoingMail
from gateway.services import Services
from gateway.timefmt import local, tanggal
from gateway.workflow.internal import Target, copied, give, own_files, receive_copy, same_mail

SURAT_KELUAR_KIND = "surat_keluar"
SENT_COPY_KIND = "sent_copy"


class DuplicateNumber(Exception):
    """A reserved number that a letter of the series and year already has."""


def existing_number(session: Session, unit_id: int, year: int, number: str) -> Naskah | None:
    """The surat keluar of the unit and year that has this number already, if any."""
    return session.scalars(
        select(Naskah).where(
            Naskah.unit_id == unit_id,
            Naskah.kind == SURAT_KELUAR_KIND,
            Naskah.year == year,
            Naskah.agenda_number == number,
        )
    ).first()


def signature_block(
    session: Session, unit: Unit, position: Position, person: Person, acting: str | None
) -> dict[str, object]:
    """Name, NIP, title and capacity: Plt./Plh. from today's assignment; a.n. when the
    signer signs for the unit's head one level up, a.n. … u.b. two levels up."""
    head = session.scalars(
        select(Position).where(Position.unit_id == unit.id, Position.is_head)
    ).first()
    atas_nama = untuk_beliau = ""
    superior = session.get(Position, position.superior_id) if position.superior_id else None
    if head is not None and head.id != position.id and superior is not None:
        if superior.id == head.id:
            atas_nama = head.title
        elif superior.superior_id == head.id:
            atas_nama, untuk_beliau = head.title, superior.title
    title = f"{ACTING_TITLE.get(acting or 'definitif', '')}{position.title}"
    lines = []
    if atas_nama:
        lines.append(f"a.n. {atas_nama}")
    if untuk_beliau:
        lines += [untuk_beliau, "u.b."]
    lines += [title, "", person.name]
    if person.nip:
        lines.append(f"NIP. {person.nip}")
    return {
        "name": person.name,
        "nip": person.nip or "",
        "title": title,
        "position": position.handle,
        "acting": acting or "",
        "an": atas_nama,
        "ub": untuk_beliau,
        "lines": lines,
    }


def sign_letter(
    session: Session,
    ctx: Services,
    konsep_row: Naskah,
    konsep: Konsep,
    person: Person,
    position: Position,
    acting: str | None,
    now: dt.datetime,
) -> Naskah:
    """The surat keluar row: the next gapless number of the unit's series, taken in this
    (the approval's) transaction, or the reserved number; the approved version's files."""
    unit = session.get_one(Unit, konsep_row.unit_id)
    when = local(now, ctx.settings.mail.timezone)
    if konsep.reserved_number:
        found = existing_number(session, unit.id, when.year, konsep.reserved_number)
        if found is not None:
            raise DuplicateNumber(
                f"nomor {konsep.reserved_number} sudah dipakai surat keluar lain "
                f"(perihal: {clip_subject(found.perihal)})"
            )
        year, seq = when.year, _reserved_seq(session, unit.id, when.year)
        number = konsep.reserved_number
    else:
        year, seq, number = _series_number(session, ctx, unit, konsep_row, when)
    signature = signature_block(session, unit, position, person, acting)
    konsep.signature = signature
    letter = Naskah(
        kind=SURAT_KELUAR_KIND,
        unit_id=unit.id,
        year=year,
        seq=seq,
        agenda_number=number,
        channel="email",
        dedupe_key=f"konsep:{konsep_row.id}",
        **same_mail(konsep_row),
        sender=_unit_from(session, ctx, unit)[0],
        sender_name=str(signature["title"]),
        sender_agency=unit.name,
        recipients=[r["address"] for r in [*konsep.kepada, *konsep.tembusan]],
        subject=f"{number} {konsep_row.perihal}",
        perihal=konsep_row.perihal,
        isi_ringkas=konsep_row.isi_ringkas,
        nomor_surat=number,
        tanggal_surat=when.date(),
        sifat_keamanan=konsep_row.sifat_keamanan,
        kecepatan=konsep_row.kecepatan,
        jenis=konsep_row.jenis,
        klasifikasi=konsep_row.klasifikasi,
        lampiran_count=0,
        body_text=konsep_row.body_text,
        body_html=None,
        field_sources={"konsep": {"source": "konsep", "text": konsep_row.agenda_number}},
        auth_results={},
        parse_defects=[],
        status="selesai",
        received_at=now,
        registered_at=now,
        closed_at=now,
        decision={"signature": signature, "konsep": konsep_row.agenda_number},
        origin_id=konsep_row.id,
        copies=1,
    )
    session.add(letter)
    session.flush()
    count_registration(session, unit.code, SURAT_KELUAR_KIND)
    files = approved_files(session, konsep_row, konsep.version)
    for item in files:
        session.add(copied(item, letter.id, origin="konsep"))
    letter.lampiran_count = len(files)
    konsep.letter_id = letter.id
    ctx.system_event(
        session,
        "numbered",
        now,
        naskah_id=letter.id,
        payload={
            "agenda_number": number,
            "reserved": bool(konsep.reserved_number),
            "konsep": konsep_row.agenda_number,
            "signature": signature,
            "files": [{"filename": a.filename, "sha256": a.sha256} for a in files],
        },
    )
    return letter


def approved_files(session: Session, konsep_row: Naskah, version: int) -> list[Attachment]:
    """The files of the approved version, each PDF replaced by the one BSrE signed."""
    rows = [
        a
        for a in session.scalars(
            select(Attachment)
            .where(Attachment.naskah_id == konsep_row.id, Attachment.role == "file")
            .order_by(Attachment.id)
        )
        if a.version == version
    ]
    signed = {a.part_path.removeprefix("tte:") for a in rows if a.origin == "tte"}
    return [a for a in rows if a.origin == "tte" or str(a.id) not in signed]


def _series_number(
    session: Session, ctx: Services, unit: Unit, konsep_row: Naskah, when: dt.datetime
) -> tuple[int, int, str]:
    """The next number of the series; one a reserved letter already carries (given by
    SRIKANDI or the book) is passed over, so no number is ever on two letters."""
    for _ in range(1000):
        year, seq, number = take_number(
            session,
            ctx.settings.numbering,
            unit,
            SURAT_KELUAR_KIND,
            when,
            kka=konsep_row.klasifikasi or "",
            jenis=konsep_row.jenis or "",
            derajat=konsep_row.sifat_keamanan,
        )
        if existing_number(session, unit.id, year, number) is None:
            return year, seq, number
    raise DuplicateNumber(f"tidak ada nomor bebas pada seri surat keluar {unit.code} tahun {year}")


def _reserved_seq(session: Session, unit_id: int, year: int) -> int:
    """A reserved number takes no place in the series: it gets a negative sequence, so
    the unique (unit, kind, year, seq) still holds and the gapless series is untouched."""
    lowest = session.scalar(
        select(Naskah.seq)
        .where(Naskah.unit_id == unit_id, Naskah.kind == SURAT_KELUAR_KIND, Naskah.year == year)
        .order_by(Naskah.seq)
        .limit(1)
    )
    return min(int(lowest or 0), 0) - 1


def _unit_from(session: Session, ctx: Services, unit: Unit) -> tuple[str, str]:
    """(address, name) a unit's letters are sent from: configured, else its first
    official address, else the gateway's own."""
    for code, address in ctx.settings.drafting.unit_from.items():
        if code.upper() == unit.code.upper():
            return address.strip().lower(), unit.name
    first = session.scalars(
        select(UnitAddress.address).where(UnitAddress.unit_id == unit.id).order_by(UnitAddress.id)
    ).first()
    return (first or ctx.identity.from_address), unit.name


def verification_url(ctx: Services, token: str) -> str:
    """The public page of a sent letter (web.public_url, else a path on the panel)."""
    return f"{ctx.settings.web.public_url.rstrip('/')}/v/{token}"


def send_letter(
    session: Session, ctx: Services, letter: Naskah, konsep: Konsep, now: dt.datetime
) -> int:
    """Mail each external recipient, register at each internal one; copies to the drafter
    and the approvers. The count of recipients reached."""
    token = secrets.token_urlsafe(24)
    letter.verification_hash = hashlib.sha256(token.encode("ascii")).hexdigest()
    url = verification_url(ctx, token)
    unit = session.get_one(Unit, letter.unit_id)
    files = own_files(session, letter)
    from_address, from_name = _unit_from(session, ctx, unit)
    signer = session.get_one(Position, session.get_one(Konsep, konsep.naskah_id).signer_position_id)
    body = _letter_body(ctx, letter, konsep, url)
    reached = 0
    internal: dict[int, list[Target]] = {}
    for role, recipient in [("kepada", r) for r in konsep.kepada] + [
        ("tembusan", r) for r in konsep.tembusan
    ]:
        if recipient.get("unit"):
            target_unit = session.scalars(
                select(Unit).where(Unit.code == recipient["unit"])
            ).first()
            if target_unit is None:
                _undeliverable_internal(session, ctx, letter, recipient, now)
                continue
            position = _internal_target(session, target_unit, recipient.get("position"))
            if position is not None:
                kind = "tembusan" if role == "tembusan" else "disposisi"
                internal.setdefault(target_unit.id, []).append(Target(position, kind))
            continue
        mail = OutgoingMail(
            kind=SURAT_KELUAR_KIND,
            to_address=recipient["address"],
            to_name=recipient.get("name") or "",
            subject=f"{letter.agenda_number} {letter.perihal}",
            text=body if role == "kepada" else f"Tembusan.\n\n{body}",
            attachments=[] if letter.is_secret else files,
            auto_submitted="",
            from_address=from_address,
            from_name=from_name,
            extra_headers={"X-TNDE-Nomor": letter.agenda_number},
        )
        ctx.queue_mail(session, mail, now, naskah_id=letter.id)
        reached += 1
    signer_author = _signer_author(session, konsep, signer, unit)
    for unit_id, targets in internal.items():
        target_unit = session.get_one(Unit, unit_id)
        addresses = [f"{t.position.handle}@{ctx.settings.mail.domain}" for t in targets]
        copy = receive_copy(session, ctx, letter, target_unit, addresses, now, "Surat Keluar")
        give(session, ctx, copy, signer_author, targets, now)
        reached += len(targets)
    _sent_copies(session, ctx, letter, konsep, body, files, now)
    record_event(
        session,
        type="sent",
        actor="system",
        channel="system",
        now=now,
        naskah_id=letter.id,
        payload={
            "external": [
                r["address"] for r in [*konsep.kepada, *konsep.tembusan] if not r.get("unit")
            ],
            "internal": [r["address"] for r in [*konsep.kepada, *konsep.tembusan] if r.get("unit")],
            "from": from_address,
        },
    )
    return reached


def _undeliverable_internal(
    session: Session, ctx: Services, letter: Naskah, recipient: dict[str, Any], now: dt.datetime
) -> None:
    """An internal recipient whose unit is gone since the draft: recorded for the desk."""
    ctx.system_event(
        session,
        "bounced",
        now,
        naskah_id=letter.id,
        payload={"to": recipient["address"], "kind": SURAT_KELUAR_KIND, "detail": "unit tidak ada"},
    )


def _internal_target(session: Session, unit: Unit, handle: str | None) -> Position | None:
    """The addressed position, or the unit's head for a letter to the unit's address."""
    if handle:
        found = session.scalars(select(Position).where(Position.handle == handle)).first()
        if found is not None:
            return found
    return session.scalars(
        select(Position).where(Position.unit_id == unit.id, Position.is_head)
    ).first()


def _signer_author(session: Session, konsep: Konsep, signer: Position, unit: Unit) -> Author:
    """The signer as the giver of internal recipients' dispositions."""
    person_id = session.scalar(
        select(Disposition.closed_by_person_id)
        .where(Disposition.naskah_id == konsep.naskah_id, Disposition.kind == "ttd")
        .order_by(Disposition.id.desc())
        .limit(1)
    )
    person = session.get_one(Person, person_id or konsep.drafter_person_id)
    acting = str(konsep.signature.get("acting") or "") or "definitif"
    return Author(person, signer, session.get_one(Unit, signer.unit_id), acting)


def _letter_body(ctx: Services, letter: Naskah, konsep: Konsep, url: str) -> str:
    """The short standard body: number, date, perihal, signer, verification link."""
    assert letter.tanggal_surat is not None
    signature = konsep.signature
    perihal = "(Rahasia)" if letter.is_secret else letter.perihal
    lines = "\n".join(f"  {line}" for line in signature.get("lines", []))
    return (
        "Dengan hormat,\n\n"
        "Bersama ini kami sampaikan surat dinas berikut (terlampir).\n\n"
        f"  Nomor    : {letter.agenda_number}\n"
        f"  Tanggal  : {tanggal(letter.tanggal_surat)}\n"
        f"  Perihal  : {perihal}\n"
        f"  Lampiran : {letter.lampiran_count} berkas\n\n"
        f"{lines}\n\n"
        "Keaslian surat dan berkasnya dapat diperiksa pada:\n"
        f"  {url}\n"
        "(halaman itu menampilkan nomor, tanggal, penandatangan, dan sidik SHA-256 setiap "
        "berkas yang dikirim).\n\n"
        "Balasan atas surat ini dapat dikirim dengan membalas email ini.\n"
    )


def _sent_copies(
    session: Session,
    ctx: Services,
    letter: Naskah,
    konsep: Konsep,
    body: str,
    files: list[tuple[str, str, bytes]],
    now: dt.datetime,
) -> None:
    """The drafter and everyone who approved get the letter as sent."""
    people = [konsep.drafter_person_id] + [
        pid
        for pid in session.scalars(
            select(Disposition.closed_by_person_id)
            .where(
                Disposition.naskah_id == konsep.naskah_id,
                Disposition.kind.in_(("paraf", "ttd")),
                Disposition.status == "done",
            )
            .order_by(Disposition.id)
        )
        if pid is not None
    ]
    seen: set[int] = set()
    for person_id in people:
        if person_id in seen:
            continue
        seen.add(person_id)
        person = session.get_one(Person, person_id)
        address = primary_email(person)
        if address is None:
            continue
        mail = OutgoingMail(
            kind=SENT_COPY_KIND,
            to_address=address,
            to_name=person.name,
            subject=f"[TNDE {letter.agenda_number}] Terkirim: "
            + ("(rahasia)" if letter.is_secret else clip_subject(letter.perihal)),
            text=f"Yth. {person.name},\n\nSurat berikut telah dikirim.\n\n{body}"
            f"\n--\n{ctx.settings.mail.helpdesk}\n",
            attachments=[] if letter.is_secret else files,
        )
        ctx.queue_mail(session, mail, now, naskah_id=letter.id, person_id=person_id)
