"""A konsep's route to signature (paraf berjenjang): plan the approvers, ask each in turn,
take SETUJU, REVISI and TOLAK, take a new version after a REVISI, and on the signer's
SETUJU number the surat keluar and send it (workflow/sending.py).

Each step is a disposition to the step's position ("paraf" for verifikator and
superiors, "ttd" for the signer), so today's holders (Plt/Plh included) get it, with a
deadline, reminders and a reply address bound to the step and the holder. Only a reply
to that address (or a KONFIRMASI to a confirmation token mailed to the holder) can
approve: a From header alone never numbers or sends a letter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.config import DraftingSettings
from gateway.core.states import (
    APPROVAL_KINDS,
    OPEN,
    DispositionStatus,
    KonsepState,
    NaskahStatus,
)
from gateway.db.blobs import put_blob
from gateway.db.models import Attachment, Disposition, Konsep, Naskah, Person, Position, Unit
from gateway.org.authors import ACTING_TITLE, Author
from gateway.org.holders import holders, primary_email
from gateway.outbound.clip import clip, clip_block, clip_subject
from gateway.outbound.compose import OutgoingMail
from gateway.parsing.message import AttachmentData
from gateway.services import Services
from gateway.timefmt import local, waktu
from gateway.workflow.apply import calendar_for
from gateway.workflow.internal import own_files
from gateway.workflow.sending import DuplicateNumber, existing_number, send_letter, sign_letter
from gateway.workflow.signing_links import new_signing_link
from gateway.workflow.tags import reply_address, subject_tag
from rules.due import parse_due

# File types a konsep may carry: the letter itself, as PDF or as a Word document.
LETTER_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/msword",
)
STEP_WORD = {"paraf": "paraf (persetujuan)", "ttd": "tanda tangan", "revisi": "revisi"}


class KonsepProblem(Exception):
    """A command on a konsep that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class Decider:
    """The verified holder answering one step of a konsep's route."""

    person: Person
    position: Position
    acting: str | None
    disposition: Disposition
    naskah: Naskah
    label: str
    today: dt.date  # the office's date now


def unsignable(ctx: Services, files: list[AttachmentData]) -> str:
    """With BSrE only PDFs are signed: a letter as DOC/DOCX could not be, so it is
    refused when it comes in, not at the last step."""
    if not signs_with_bsre(ctx):
        return ""
    words = [f.filename for f in letter_files(files) if not _pdf(f)]
    if not words:
        return ""
    return (
        f"surat ditandatangani dengan TTE BSrE, yang hanya untuk PDF: kirim {', '.join(words)} "
        "sebagai PDF"
    )


def _pdf(item: AttachmentData) -> bool:
    kind = item.sniffed_type or item.declared_type
    return kind == "application/pdf" or item.filename.lower().endswith(".pdf")


def letter_files(files: list[AttachmentData]) -> list[AttachmentData]:
    """The files of a mail that can be a letter (PDF, DOCX, DOC)."""
    return [
        f
        for f in files
        if (f.sniffed_type or f.declared_type) in LETTER_TYPES
        or f.filename.lower().endswith((".pdf", ".docx", ".doc"))
    ]


def default_signer(
    session: Session, drafting: DraftingSettings, unit: Unit, jenis: str
) -> Position | None:
    """The configured signer for the unit and jenis, else for the unit, else its head."""
    for key in (f"{unit.code}/{jenis}", unit.code):
        for configured, handle in drafting.signers.items():
            if configured.upper() == key.upper():
                return _position(session, handle)
    return session.scalars(
        select(Position).where(
            Position.unit_id == unit.id, Position.is_head, Position.active.is_(True)
        )
    ).first()


def _position(session: Session, handle: str) -> Position | None:
    return session.scalars(
        select(Position).where(Position.handle == handle.lower(), Position.active.is_(True))
    ).first()


def superiors(session: Session, position: Position) -> list[Position]:
    """The superiors of `position`, nearest first (at most 32: a cycle must not hang)."""
    chain: list[Position] = []
    current = position
    while current.superior_id is not None and len(chain) < 32:
        superior = session.get(Position, current.superior_id)
        if superior is None or superior in chain:
            break
        chain.append(superior)
        current = superior
    return chain


def plan_route(
    session: Session,
    drafting: DraftingSettings,
    drafter: Author,
    unit: Unit,
    signer: Position,
    jenis: str,
    day: dt.date,
) -> tuple[list[Position], list[str]]:
    """(approvers in order, the signer last; notes on positions skipped).

    The drafter's superiors up to the signer; when the signer is not above the drafter,
    up to the nearest position above both, then the signer. Configured verifikator
    positions come before the signer. Positions nobody holds today are skipped (an
    acting holder counts); the drafter's own position never approves its own draft.
    """
    ours = superiors(session, drafter.position)
    theirs = {p.id for p in superiors(session, signer)} | {signer.id}
    route: list[Position] = []
    for position in ours:
        if position.id == signer.id or position.id in theirs:
            break
        route.append(position)
    for handle in _verifiers(drafting, unit, jenis):
        verifier = _position(session, handle)
        if verifier is not None and verifier.id != signer.id and verifier not in route:
            route.append(verifier)
    notes = []
    kept = []
    for position in route:
        if position.id == drafter.position.id:
            continue
        if not holders(session, position, day):
            notes.append(f"{position.title} dilewati: jabatan kosong hari ini")
            continue
        kept.append(position)
    return [*kept, signer], notes


def _verifiers(drafting: DraftingSettings, unit: Unit, jenis: str) -> list[str]:
    for key in (f"{unit.code}/{jenis}", unit.code):
        for configured, handles in drafting.verifiers.items():
            if configured.upper() == key.upper() and isinstance(handles, list):
                return [str(h) for h in handles]
    return []


def ask_current(
    session: Session, ctx: Services, naskah: Naskah, konsep: Konsep, now: dt.datetime
) -> Disposition:
    """Give the current step to its position and mail each holder the draft to approve."""
    position = session.get_one(Position, konsep.route[konsep.step])
    signing = konsep.step == len(konsep.route) - 1
    kind = "ttd" if signing else "paraf"
    calendar = calendar_for(session, ctx)
    due_at = calendar.due(parse_due(ctx.settings.drafting.step_due), now)
    step = Disposition(
        naskah_id=naskah.id,
        kind=kind,
        from_position_id=konsep.drafter_position_id,
        from_person_id=konsep.drafter_person_id,
        to_position_id=position.id,
        instructions=["TTD" if signing else "PARAF"],
        note=f"versi {konsep.version}",
        due_at=due_at,
        status=DispositionStatus.SENT,
        channel="email",
        created_at=now,
    )
    session.add(step)
    session.flush()
    record_event(
        session,
        type="approval_requested",
        actor="system",
        channel="system",
        now=now,
        naskah_id=naskah.id,
        disposition_id=step.id,
        payload={
            "to": position.handle,
            "step": konsep.step + 1,
            "of": len(konsep.route),
            "kind": kind,
            "version": konsep.version,
            "due_at": due_at.isoformat(),
        },
    )
    konsep.state = KonsepState.PARAF
    naskah.status = NaskahStatus.DALAM_PROSES
    _notify_step(session, ctx, naskah, konsep, step, position, now)
    return step


def _notify_step(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    konsep: Konsep,
    step: Disposition,
    position: Position,
    now: dt.datetime,
) -> None:
    day = local(now, ctx.settings.mail.timezone).date()
    found = holders(session, position, day)
    if not found:
        ctx.system_event(
            session,
            "no_holder",
            now,
            naskah_id=naskah.id,
            disposition_id=step.id,
            payload={"position": position.handle},
        )
        return
    files = [] if naskah.is_secret else current_files(session, naskah, konsep.version)
    body = _step_body(session, ctx, naskah, konsep, step, files)
    word = "Mohon tanda tangan" if step.kind == "ttd" else "Mohon paraf"
    about = "konsep" if naskah.is_secret else clip_subject(naskah.perihal)
    by_bsre = step.kind == "ttd" and signs_with_bsre(ctx)
    for holder in found:
        if holder.email is None:
            continue
        prefix = ACTING_TITLE.get(holder.kind, "")
        text = body
        if by_bsre:
            url = new_signing_link(session, ctx, step.id, holder.person_id, now)
            text = body.replace(SIGNING_PLACEHOLDER, _bsre_paragraph(url))
        mail = OutgoingMail(
            kind="notice",
            to_address=holder.email,
            to_name=holder.name,
            subject=f"{subject_tag(naskah)} {word}: {about}",
            text=f"Yth. {prefix}{position.title} ({holder.name}),\n\n{text}",
            reply_to=reply_address(session, ctx, step.id, holder.person_id, now),
            attachments=files,
            extra_headers={"X-TNDE-Agenda": naskah.agenda_number},
        )
        ctx.queue_mail(
            session,
            mail,
            now,
            naskah_id=naskah.id,
            disposition_id=step.id,
            person_id=holder.person_id,
        )


SIGNING_PLACEHOLDER = "\x00tte\x00"


def signs_with_bsre(ctx: Services) -> bool:
    """Signatures are made with BSrE: the signer signs on the panel's signing page."""
    return ctx.settings.tte.provider == "bsre"


def _bsre_paragraph(url: str) -> str:
    return (
        "Surat ini ditandatangani secara elektronik (TTE BSrE). Untuk MENANDATANGANI, buka "
        f"tautan sekali pakai berikut:\n  {url}\nKetik NIK dan passphrase TTE Anda di "
        "halaman itu (passphrase tidak pernah disimpan dan jangan pernah dikirim lewat "
        "email). REVISI dan TOLAK tetap dengan membalas email ini; balas TAUTAN bila "
        "tautan hilang atau kedaluwarsa.\n\n"
    )


def _step_body(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    konsep: Konsep,
    step: Disposition,
    files: list[tuple[str, str, bytes]],
) -> str:
    zone = ctx.settings.mail.timezone
    drafter = session.get_one(Person, konsep.drafter_person_id)
    route = [session.get_one(Position, pid).title for pid in konsep.route]
    route_lines = "".join(
        f"    {i + 1}. {title}{'  <- Anda' if i == konsep.step else ''}\n"
        for i, title in enumerate(route)
    )
    kepada = ", ".join(clip(r.get("name") or r["address"], 120) for r in konsep.kepada)
    listed = "".join(f"    - {clip(name, 200)} ({len(data)} byte)\n" for name, _, data in files)
    ask = (
        "Konsep surat keluar berikut menunggu TANDA TANGAN Anda. Persetujuan Anda (SETUJU) "
        "adalah keputusan penandatanganan: surat langsung diberi nomor dan dikirim."
        if step.kind == "ttd"
        else "Konsep surat keluar berikut menunggu PARAF (persetujuan) Anda."
    )
    perihal = "(rahasia: lihat di panel)" if naskah.is_secret else clip_subject(naskah.perihal)
    return (
        f"{ask}\n\n"
        f"  Nomor konsep : {naskah.agenda_number} (versi {konsep.version})\n"
        f"  Perihal      : {perihal}\n"
        f"  Kepada       : {kepada}\n"
        f"  Penyusun     : {drafter.name}\n"
        f"  Batas waktu  : {waktu(step.due_at, zone) if step.due_at else '-'}\n\n"
        f"Alur persetujuan:\n{route_lines}\n"
        + (f"Berkas konsep (terlampir):\n{listed}\n" if listed else "")
        + (SIGNING_PLACEHOLDER if step.kind == "ttd" and signs_with_bsre(ctx) else "")
        + "BALAS email ini dengan salah satu perintah di baris paling atas:\n"
        "  SETUJU                 menyetujui"
        + (" dan menandatangani" if step.kind == "ttd" else " (paraf)")
        + "\n  REVISI <catatan>       mengembalikan kepada penyusun untuk diperbaiki\n"
        "  TOLAK <alasan>         menolak konsep (alur berhenti)\n"
        "  STATUS / BANTUAN       riwayat konsep / daftar perintah\n"
        "Hanya balasan atas email ini (alamat balasan khusus untuk Anda) yang berlaku.\n"
        f"\n--\n{ctx.settings.mail.helpdesk}\n"
    )


def current_files(session: Session, naskah: Naskah, version: int) -> list[tuple[str, str, bytes]]:
    """The files of one version of a konsep (what the approvers see and approve)."""
    return [
        item
        for item, row in zip(
            own_files(session, naskah), _version_rows(session, naskah), strict=True
        )
        if row == version
    ]


def _version_rows(session: Session, naskah: Naskah) -> list[int | None]:
    return list(
        session.scalars(
            select(Attachment.version)
            .where(
                Attachment.naskah_id == naskah.id,
                Attachment.role == "file",
                Attachment.origin != "tindak_lanjut",
            )
            .order_by(Attachment.id)
        )
    )


def konsep_of(session: Session, naskah: Naskah) -> Konsep:
    return session.get_one(Konsep, naskah.id)


def _close_step(
    step: Disposition, decider: Decider, status: str, note: str, now: dt.datetime
) -> None:
    step.status, step.done_at = status, now
    step.closed_by_person_id = decider.person.id
    step.result_note = note
    if step.read_at is None:
        step.read_at = now


def _check_open(session: Session, decider: Decider) -> Konsep:
    """The konsep, when this step is the current one and still open."""
    step = decider.disposition
    if step.kind not in APPROVAL_KINDS:
        raise KonsepProblem(
            "perintah ini hanya berlaku sebagai balasan atas permintaan paraf atau tanda "
            "tangan konsep"
        )
    konsep = _locked(session, decider)
    if step.status not in OPEN or konsep.state != KonsepState.PARAF:
        raise KonsepProblem("langkah persetujuan ini sudah selesai; tidak ada yang diubah")
    if konsep.route[konsep.step] != step.to_position_id:
        raise KonsepProblem("konsep ini tidak sedang menunggu persetujuan Anda")
    _check_holder(session, decider)
    return konsep


def _check_holder(session: Session, decider: Decider) -> None:
    """The reply address outlives an assignment: only today's holder of the step's
    position (definitif, Plt or Plh) decides."""
    position = session.get_one(Position, decider.disposition.to_position_id)
    if all(h.person_id != decider.person.id for h in holders(session, position, decider.today)):
        raise KonsepProblem(
            f"Anda tidak lagi memegang jabatan {position.title}; tidak ada yang diubah"
        )


def _locked(session: Session, decider: Decider) -> Konsep:
    """The konsep row locked for this decision (PostgreSQL), read afresh with its step:
    a signature on the page and a REVISI by mail at the same moment never both count."""
    session.execute(
        select(Konsep.naskah_id).where(Konsep.naskah_id == decider.naskah.id).with_for_update()
    )
    session.refresh(decider.disposition)
    return session.get_one(Konsep, decider.naskah.id, populate_existing=True)


def approve(
    session: Session,
    ctx: Services,
    decider: Decider,
    note: str,
    now: dt.datetime,
    signed: dict[int, bytes] | None = None,
) -> str:
    """SETUJU: paraf and on to the next approver, or, from the signer, sign and send.
    With BSrE, the signer's SETUJU comes from the signing page with the signed PDFs
    (`signed`: attachment id -> the PDF as BSrE signed it), never by mail."""
    konsep = _check_open(session, decider)
    naskah, step = decider.naskah, decider.disposition
    signing = step.kind == "ttd"
    if signing and signs_with_bsre(ctx) and signed is None:
        raise KonsepProblem(
            "surat ini ditandatangani secara elektronik (TTE BSrE): tanda tangani melalui "
            "tautan pada email permintaan tanda tangan; passphrase tidak dikirim lewat email"
        )
    if signing and konsep.reserved_number:
        # Refused before anything is written: the letter is not signed, nothing changes.
        taken = existing_number(session, naskah.unit_id, decider.today.year, konsep.reserved_number)
        if taken is not None:
            raise DuplicateNumber(
                f"nomor {konsep.reserved_number} sudah dipakai surat keluar lain "
                f"(perihal: {clip_subject(taken.perihal)}); minta penyusun mengirim REVISI "
                "dengan nomor lain"
            )
    _close_step(step, decider, DispositionStatus.DONE, note, now)
    _event(session, decider, "signed" if signing else "approved", now, {"note": note})
    if not signing:
        konsep.step += 1
        ask_current(session, ctx, naskah, konsep, now)
        nxt = session.get_one(Position, konsep.route[konsep.step])
        return f"SETUJU: paraf tercatat; konsep diteruskan kepada {nxt.title}"
    if signed:
        store_signed(session, naskah, konsep.version, signed)
    letter = sign_letter(
        session, ctx, naskah, konsep, decider.person, decider.position, decider.acting, now
    )
    konsep.state = KonsepState.DIKIRIM
    naskah.status, naskah.closed_at = NaskahStatus.SELESAI, now
    sent = send_letter(session, ctx, letter, konsep, now)
    return (
        f"SETUJU: surat ditandatangani dengan nomor {letter.agenda_number} dan dikirim "
        f"kepada {sent} penerima"
    )


def fresh_link(session: Session, ctx: Services, decider: Decider, now: dt.datetime) -> str:
    """TAUTAN: a new one-time signing link for the signer, to their own address."""
    if decider.disposition.kind != "ttd" or not signs_with_bsre(ctx):
        raise KonsepProblem("TAUTAN hanya untuk surat yang ditandatangani dengan TTE BSrE")
    _check_open(session, decider)
    address = primary_email(decider.person)
    if address is None:
        raise KonsepProblem("alamat email Anda tidak tercatat; hubungi admin")
    naskah = decider.naskah
    url = new_signing_link(session, ctx, decider.disposition.id, decider.person.id, now)
    mail = OutgoingMail(
        kind="notice",
        to_address=address,
        to_name=decider.person.name,
        subject=f"{subject_tag(naskah)} Tautan penandatanganan baru",
        text=f"Yth. {decider.person.name},\n\n"
        + _bsre_paragraph(url)
        + f"--\n{ctx.settings.mail.helpdesk}\n",
        reply_to=reply_address(session, ctx, decider.disposition.id, decider.person.id, now),
    )
    ctx.queue_mail(
        session,
        mail,
        now,
        naskah_id=naskah.id,
        disposition_id=decider.disposition.id,
        person_id=decider.person.id,
    )
    return f"TAUTAN: tautan penandatanganan baru dikirim ke {address}"


def store_signed(session: Session, naskah: Naskah, version: int, signed: dict[int, bytes]) -> None:
    """The PDFs as BSrE signed them, beside the approved ones (part_path "tte:<id>"): the
    letter is sent with these instead."""
    for attachment_id, pdf in signed.items():
        original = session.get_one(Attachment, attachment_id)
        session.add(
            Attachment(
                naskah_id=naskah.id,
                filename=original.filename,
                declared_type="application/pdf",
                sniffed_type="application/pdf",
                size=len(pdf),
                sha256=put_blob(session, pdf),
                origin="tte",
                part_path=f"tte:{original.id}",
                role="file",
                version=version,
            )
        )
    session.flush()


def revise(session: Session, ctx: Services, decider: Decider, note: str, now: dt.datetime) -> str:
    """REVISI: back to the drafter, who answers with a new version."""
    if not note.strip():
        raise KonsepProblem("REVISI memerlukan catatan: apa yang perlu diperbaiki")
    konsep = _check_open(session, decider)
    naskah, step = decider.naskah, decider.disposition
    _close_step(step, decider, DispositionStatus.ANSWERED, note, now)
    konsep.state = KonsepState.REVISI
    _event(session, decider, "revision_requested", now, {"note": note})
    drafter = session.get_one(Position, konsep.drafter_position_id)
    back = Disposition(
        naskah_id=naskah.id,
        parent_id=step.id,
        kind="revisi",
        from_position_id=decider.position.id,
        from_person_id=decider.person.id,
        from_acting=decider.acting,
        to_position_id=drafter.id,
        instructions=["REVISI"],
        note=note,
        due_at=calendar_for(session, ctx).due(parse_due(ctx.settings.drafting.step_due), now),
        status=DispositionStatus.SENT,
        channel="email",
        created_at=now,
    )
    session.add(back)
    session.flush()
    _notify_revision(session, ctx, naskah, konsep, back, decider, note, now)
    return "REVISI: konsep dikembalikan kepada penyusun dengan catatan Anda"


def _notify_revision(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    konsep: Konsep,
    back: Disposition,
    decider: Decider,
    note: str,
    now: dt.datetime,
) -> None:
    person = session.get_one(Person, konsep.drafter_person_id)
    address = primary_email(person)
    if address is None:
        return
    text = (
        f"Yth. {person.name},\n\n"
        f"{decider.label} meminta REVISI atas konsep {naskah.agenda_number} "
        f"(versi {konsep.version}).\n\n"
        f"Catatan:\n{clip_block(note)}\n\n"
        "Kirim versi baru dengan MEMBALAS email ini dan melampirkan berkas konsep yang "
        "sudah diperbaiki (PDF atau DOCX); baris pertama balasan boleh berisi KIRIM.\n"
        "Versi baru kembali melalui alur persetujuan"
        + (" dari awal." if ctx.settings.drafting.revision_restarts == "first" else ".")
        + "\nBATAL menarik konsep ini.\n"
        f"\n--\n{ctx.settings.mail.helpdesk}\n"
    )
    mail = OutgoingMail(
        kind="notice",
        to_address=address,
        to_name=person.name,
        subject=f"{subject_tag(naskah)} Revisi konsep: "
        + ("konsep" if naskah.is_secret else clip_subject(naskah.perihal)),
        text=text,
        reply_to=reply_address(session, ctx, back.id, person.id, now),
    )
    ctx.queue_mail(
        session, mail, now, naskah_id=naskah.id, disposition_id=back.id, person_id=person.id
    )


def reject(session: Session, ctx: Services, decider: Decider, reason: str, now: dt.datetime) -> str:
    """TOLAK: the route ends; the drafter is told why."""
    if not reason.strip():
        raise KonsepProblem("TOLAK memerlukan alasan")
    konsep = _check_open(session, decider)
    naskah = decider.naskah
    _close_step(decider.disposition, decider, DispositionStatus.REJECTED, reason, now)
    konsep.state = KonsepState.DITOLAK
    naskah.status, naskah.closed_at = NaskahStatus.DITOLAK, now
    _event(session, decider, "konsep_rejected", now, {"reason": reason})
    person = session.get_one(Person, konsep.drafter_person_id)
    address = primary_email(person)
    if address is not None:
        text = (
            f"Yth. {person.name},\n\n{decider.label} MENOLAK konsep {naskah.agenda_number}.\n"
            f"Alasan: {clip_block(reason)}\n\nAlur persetujuan konsep ini berhenti; "
            "tidak ada surat yang diberi nomor atau dikirim.\n"
            f"\n--\n{ctx.settings.mail.helpdesk}\n"
        )
        mail = OutgoingMail(
            kind="update",
            to_address=address,
            to_name=person.name,
            subject=f"{subject_tag(naskah)} Konsep ditolak",
            text=text,
        )
        ctx.queue_mail(session, mail, now, naskah_id=naskah.id, person_id=person.id)
    return "TOLAK: konsep ditolak; penyusun diberi tahu"


def resubmit(
    session: Session,
    ctx: Services,
    decider: Decider,
    files: list[AttachmentData],
    note: str,
    now: dt.datetime,
) -> str:
    """The drafter's new version after a REVISI: stored, and the route starts again."""
    step = decider.disposition
    if step.kind != "revisi":
        raise KonsepProblem("versi baru hanya dapat dikirim sebagai balasan atas permintaan revisi")
    konsep = konsep_of(session, decider.naskah)
    if step.status not in OPEN or konsep.state != KonsepState.REVISI:
        raise KonsepProblem("permintaan revisi ini sudah dijawab; tidak ada yang diubah")
    if not letter_files(files):
        raise KonsepProblem("lampirkan berkas konsep yang sudah diperbaiki (PDF atau DOCX)")
    problem = unsignable(ctx, files)
    if problem:
        raise KonsepProblem(problem)
    letters = list(files)  # the letter and its lampiran (a spreadsheet, say) alike
    naskah = decider.naskah
    konsep.version += 1
    for item in letters:
        session.add(
            Attachment(
                naskah_id=naskah.id,
                disposition_id=step.id,
                filename=item.filename,
                declared_type=item.declared_type,
                sniffed_type=item.sniffed_type,
                size=len(item.data),
                sha256=put_blob(session, item.data),
                origin="mail",
                part_path=item.part_path,
                role="file",
                version=konsep.version,
            )
        )
    _close_step(step, decider, DispositionStatus.DONE, note, now)
    _event(
        session,
        decider,
        "konsep_version",
        now,
        {
            "version": konsep.version,
            "note": note,
            "files": [{"filename": f.filename, "sha256": f.sha256} for f in letters],
        },
    )
    if ctx.settings.drafting.revision_restarts == "first":
        konsep.step = 0
    ask_current(session, ctx, naskah, konsep, now)
    approver = session.get_one(Position, konsep.route[konsep.step])
    return f"KIRIM: versi {konsep.version} tercatat dan dikirim kepada {approver.title}"


def withdraw(session: Session, ctx: Services, decider: Decider, now: dt.datetime) -> str:
    """BATAL on a revision request: the drafter withdraws the konsep."""
    step = decider.disposition
    konsep = konsep_of(session, decider.naskah)
    if step.kind != "revisi" or konsep.state != KonsepState.REVISI or step.status not in OPEN:
        raise KonsepProblem("konsep hanya dapat ditarik sebagai balasan atas permintaan revisi")
    _close_step(step, decider, DispositionStatus.CANCELLED, "ditarik penyusun", now)
    konsep.state = KonsepState.DITOLAK
    decider.naskah.status, decider.naskah.closed_at = NaskahStatus.DITOLAK, now
    _event(session, decider, "konsep_withdrawn", now, {})
    return "BATAL: konsep ditarik; alur persetujuan berhenti"


def _event(
    session: Session, decider: Decider, kind: str, now: dt.datetime, payload: dict[str, object]
) -> None:
    record_event(
        session,
        type=kind,
        actor=decider.label,
        channel="email",
        now=now,
        naskah_id=decider.naskah.id,
        disposition_id=decider.disposition.id,
        actor_person_id=decider.person.id,
        payload=payload,
    )
