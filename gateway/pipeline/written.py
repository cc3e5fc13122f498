"""Stage: what officials write by mail. A mail from an official's address to positions is
a nota dinas; one to keluar@ (keluar+<unit>@) is a konsep (surat keluar draft).

A From header proves nothing by itself: only a trusted DMARC pass for the From (or the
gateway's own check) makes it the official's. Without one nothing is created; the
official gets, at their address in the organisation, a confirmation whose reply address
carries a fresh token, and only KIRIM to that address creates it. Mail to positions from
anyone who is not an official of the organisation stays an incoming letter, as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.core.directory import Recipient, RecipientDirectory
from gateway.core.prepared import HeldSubmission, Prepared
from gateway.core.states import KonsepState
from gateway.core.tokens import make_submission_token
from gateway.db.models import (
    Inbound,
    Klasifikasi,
    Konsep,
    Outbox,
    Person,
    Position,
    Submission,
    Unit,
)
from gateway.org.authors import Author, author_of, person_by_address
from gateway.org.holders import holders, primary_email
from gateway.outbound.clip import BODY_CHARS, clip, clip_subject
from gateway.outbound.compose import OutgoingMail
from gateway.parsing.authresults import from_authenticated
from gateway.parsing.konsep import EXAMPLE, Addressee, KonsepHead, read_konsep_head
from gateway.parsing.naskah import clean_subject
from gateway.registration.written import Particulars, register_written
from gateway.services import Services
from gateway.timefmt import local, waktu
from gateway.workflow.commands import parse_reply
from gateway.workflow.internal import Target
from gateway.workflow.konsep import (
    ask_current,
    default_signer,
    letter_files,
    plan_route,
    superiors,
    unsignable,
)
from gateway.workflow.notadinas import deliver_nota_dinas, given_already
from gateway.workflow.quotes import new_text, reply_text
from gateway.workflow.sending import existing_number

NOTA_DINAS, SURAT_KELUAR = "nota_dinas", "surat_keluar"
KEAMANAN_ORDER = ("B", "T", "R", "SR")
KECEPATAN_ORDER = ("BIASA", "SEGERA", "SANGAT_SEGERA")
SECRET = ("R", "SR")
KIND_WORD = {NOTA_DINAS: "nota dinas", SURAT_KELUAR: "konsep surat keluar"}
CONFIRMATION_KIND = "confirmation"
# Confirmation mails one official receives per hour for unproven submissions at most.
CONFIRMATIONS_PER_HOUR = 5


@dataclass(frozen=True)
class Written:
    """What became of an official's mail: registered, held, refused, confirmed."""

    state: str  # registered | held | refused | confirmed | unconfirmed
    reason: str
    naskah_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Draft:
    """Who writes what: the author, the kind, the recipients it was addressed to."""

    author: Author
    kind: str
    positions: list[Recipient]
    unit_code: str  # the unit a konsep is drafted for (keluar+<unit>@), else ""
    # keluar+<unit>@ names a unit the author holds no position in (or below).
    outsider: bool = False


def take_written(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    inbound: Inbound,
    directory: RecipientDirectory,
    now: dt.datetime,
) -> Written | None:
    """A nota dinas or konsep from an official (created, held or refused); None when the
    mail is not one, and goes on as incoming mail. Position recipients taken for a nota
    dinas (or a konsep) are removed from `prepared.letters`."""
    draft = _draft(session, ctx, prepared, now)
    if draft is None:
        return None
    taken = {r.address for r in draft.positions}
    for letter in prepared.letters:
        letter.recipients = [r for r in letter.recipients if r.address not in taken]
    prepared.letters = [letter for letter in prepared.letters if letter.recipients]
    sender = prepared.parsed.sender
    if sender is None or not from_authenticated(prepared.auth, sender.address):
        return _hold(session, ctx, prepared, inbound, draft, now)
    return create_written(session, ctx, prepared, inbound, draft, directory, now)


def _draft(session: Session, ctx: Services, prepared: Prepared, now: dt.datetime) -> Draft | None:
    sender = prepared.parsed.sender
    if sender is None:
        return None
    draft_local = ctx.settings.drafting.draft_local.lower()
    drafts = [r for r in prepared.gateway_recipients if r.local == draft_local]
    positions = [
        r for letter in prepared.letters for r in letter.recipients if r.kind == "position"
    ]
    if not drafts and not positions:
        return None
    person = person_by_address(session, sender.address)
    if person is None:
        return None
    day = local(now, ctx.settings.mail.timezone).date()
    unit_code = drafts[0].tag.upper() if drafts else ""
    author = author_of(session, person, day, unit_code) if unit_code else None
    outsider = unit_code != "" and author is None
    author = author or author_of(session, person, day)
    if author is None:
        return None
    kind = SURAT_KELUAR if drafts else NOTA_DINAS
    return Draft(author, kind, positions, unit_code, outsider)


def _hold(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    inbound: Inbound,
    draft: Draft,
    now: dt.datetime,
) -> Written:
    """Nothing is created: the official confirms at their own address, or nothing happens."""
    days = ctx.settings.drafting.confirm_days
    held = Submission(
        inbound_id=inbound.id,
        person_id=draft.author.person.id,
        kind=draft.kind,
        state="pending",
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    session.add(held)
    session.flush()
    person = draft.author.person
    address = primary_email(person)
    reason = f"{KIND_WORD[draft.kind]} dari alamat pejabat tanpa bukti keaslian: menunggu KIRIM"
    ctx.system_event(
        session,
        "submission_held",
        now,
        inbound_id=inbound.id,
        payload={"kind": draft.kind, "person": person.name, "submission_id": held.id},
    )
    if address is None:
        return Written("held", reason + " (pejabat tanpa alamat email)")
    if _recent_confirmations(session, person.id, now) >= CONFIRMATIONS_PER_HOUR:
        # Forged mail must not make us mail an official without end; the official's own
        # later mail still works once they send it with proof (or after the hour).
        ctx.system_event(
            session,
            "submission_held",
            now,
            inbound_id=inbound.id,
            payload={"submission_id": held.id, "mailed": False, "limit": CONFIRMATIONS_PER_HOUR},
        )
        return Written("held", reason + " (batas email konfirmasi per jam tercapai)")
    mail = ctx.settings.mail
    expires = local(held.expires_at, mail.timezone).date() + dt.timedelta(days=1)
    token = make_submission_token(ctx.reply_secret(session), held.id, person.id, expires)
    outgoing = OutgoingMail(
        kind=CONFIRMATION_KIND,
        to_address=address,
        to_name=person.name,
        subject=f"Konfirmasi {KIND_WORD[draft.kind]} atas nama Anda",
        text=_confirmation_text(prepared, draft, held, mail.domain, mail.timezone, mail.helpdesk),
        reply_to=f"{mail.reply_local}+{token}@{mail.domain}",
        auto_submitted="auto-replied",
    )
    ctx.queue_mail(session, outgoing, now, person_id=person.id, inbound_id=inbound.id)
    return Written("held", reason)


def _recent_confirmations(session: Session, person_id: int, now: dt.datetime) -> int:
    """Submission confirmations mailed to this official in the last hour."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Outbox)
            .where(
                Outbox.kind == CONFIRMATION_KIND,
                Outbox.person_id == person_id,
                Outbox.inbound_id.is_not(None),
                Outbox.created_at > now - dt.timedelta(hours=1),
            )
        )
        or 0
    )


def _confirmation_text(
    prepared: Prepared, draft: Draft, held: Submission, domain: str, zone: str, helpdesk: str
) -> str:
    """What KIRIM will create, shown in full enough to judge it: recipients, perihal, the
    text (clipped, never for SR/R) and each file's size and SHA-256."""
    parsed = prepared.parsed
    secret = prepared.metadata.keamanan in SECRET or (
        draft.kind == SURAT_KELUAR and read_konsep_head(parsed.text).keamanan in SECRET
    )
    to = ", ".join(r.address for r in draft.positions) or f"keluar@{domain}"
    files = "".join(
        f"    - {'(rahasia)' if secret else clip(f.filename, 200)}: {len(f.data)} byte, "
        f"SHA-256 {f.sha256}\n"
        for f in parsed.files
    )
    shown = (
        "  (isi surat rahasia tidak ditampilkan lewat email)\n"
        if secret
        else "".join(f"    {line}\n" for line in clip(parsed.text, BODY_CHARS).splitlines())
    )
    return (
        f"Yth. {draft.author.person.name},\n\n"
        f"Kami menerima {KIND_WORD[draft.kind]} berikut atas nama Anda:\n\n"
        f"  Dikirim dari : {clip(parsed.sender.address if parsed.sender else '-', 320)}\n"
        f"  Kepada       : {clip(to, 500)}\n"
        f"  Perihal      : {'(rahasia)' if secret else clip_subject(parsed.subject)}\n"
        + (f"  Berkas       :\n{files}" if files else "")
        + f"\nIsi:\n{shown}"
        + "\nPengirimnya tidak dapat dibuktikan (tanpa DMARC yang lulus), sehingga BELUM "
        "dicatat dan BELUM diteruskan.\n\n"
        "Balas KIRIM untuk meneruskannya persis seperti di atas (balasan berisi apa pun "
        "selain KIRIM tidak menjalankan apa-apa).\n"
        "Bila Anda tidak mengirimnya, abaikan email ini dan laporkan kepada helpdesk; "
        f"permintaan ini batal dengan sendirinya pada {waktu(held.expires_at, zone)}.\n"
        f"\n--\n{helpdesk}\n"
    )


def confirm_submission(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    inbound: Inbound,
    directory: RecipientDirectory,
    now: dt.datetime,
) -> Written:
    """KIRIM to a submission token: create the held nota dinas or konsep, once."""
    held = prepared.confirming
    assert held is not None
    row = session.get(Submission, held.submission_id)
    person = session.get(Person, held.person_id)
    sender = prepared.parsed.sender
    parsed = parse_reply(new_text(reply_text(prepared.parsed)))
    draft = _draft(session, ctx, held.prepared, now)
    problem = ""
    if row is None or person is None or row.person_id != held.person_id:
        problem = "permintaan konfirmasi ini tidak dikenal"
    elif sender is None or person_by_address(session, sender.address) is not person:
        problem = "balasan tidak berasal dari alamat pejabat yang dimintai konfirmasi"
    elif not parsed.commands or parsed.commands[0].name != "KIRIM":
        problem = (
            "balasan atas email konfirmasi hanya boleh berisi KIRIM; tidak ada yang dijalankan"
        )
    elif row.expires_at < now:
        problem = "permintaan konfirmasi ini sudah kedaluwarsa; kirim ulang naskahnya"
    elif draft is None or draft.author.person.id != person.id:
        problem = "Anda tidak lagi memegang jabatan dalam organisasi; naskah tidak diteruskan"
    elif not _claim(session, row.id, inbound.id, now):
        problem = "naskah pada permintaan konfirmasi ini sudah diteruskan"
    if problem or row is None or person is None or draft is None:
        ctx.system_event(
            session,
            "submission_refused",
            now,
            inbound_id=inbound.id,
            payload={"submission_id": held.submission_id, "reason": problem},
        )
        if person is not None and not problem.startswith("balasan tidak berasal"):
            _answer(session, ctx, person, "Konfirmasi tidak dijalankan", problem, now)
        return Written("unconfirmed", problem)
    original = session.get_one(Inbound, held.inbound_id)
    ctx.system_event(
        session,
        "submission_confirmed",
        now,
        inbound_id=original.id,
        payload={"submission_id": row.id, "confirmed_by": inbound.id},
    )
    created = create_written(session, ctx, held.prepared, original, draft, directory, now)
    return Written("confirmed", created.reason, created.naskah_ids)


def _claim(session: Session, submission_id: int, inbound_id: int, now: dt.datetime) -> bool:
    """Pending to confirmed in one conditional UPDATE: two KIRIM never both create."""
    result = session.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.state == "pending")
        .values(state="confirmed", confirmed_at=now, confirmed_by_inbound_id=inbound_id)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def create_written(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    inbound: Inbound,
    draft: Draft,
    directory: RecipientDirectory,
    now: dt.datetime,
) -> Written:
    """The nota dinas registered and delivered, or the konsep registered and on its way."""
    if draft.kind == NOTA_DINAS:
        return _nota_dinas(session, ctx, prepared, inbound, draft, now)
    return _konsep(session, ctx, prepared, inbound, draft, directory, now)


def _nota_dinas(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    inbound: Inbound,
    draft: Draft,
    now: dt.datetime,
) -> Written:
    cc = {m.address.lower() for m in prepared.parsed.cc}
    targets: list[Target] = []
    for recipient in draft.positions:
        position = session.scalars(
            select(Position).where(Position.handle == recipient.position_handle)
        ).first()
        if position is None or position.id == draft.author.position.id:
            continue
        bare = f"{recipient.local}@{recipient.address.rpartition('@')[2]}"
        kind = "tembusan" if bare in cc or recipient.address in cc else "disposisi"
        if all(t.position.id != position.id for t in targets):
            targets.append(Target(position, kind))
    meta = prepared.metadata
    particulars = Particulars(
        perihal=clean_subject(prepared.parsed.subject),
        recipients=[r.address for r in draft.positions],
        keamanan=meta.keamanan,
        kecepatan=meta.kecepatan,
        jenis="Nota Dinas",
    )
    naskah, new = register_written(
        session,
        ctx,
        prepared,
        draft.author,
        draft.author.unit,
        inbound,
        NOTA_DINAS,
        particulars,
        now,
    )
    if new:
        deliver_nota_dinas(session, ctx, naskah, draft.author, targets, now)
    else:
        # The same nota dinas again: a mail system that splits recipients delivers it once
        # per group, so positions that have nothing of it yet get it now.
        missing = [t for t in targets if not given_already(session, naskah, t.position)]
        if missing:
            deliver_nota_dinas(session, ctx, naskah, draft.author, missing, now, receipt=False)
    return Written("registered", f"nota dinas {naskah.agenda_number}", (naskah.id,))


def _konsep(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    inbound: Inbound,
    draft: Draft,
    directory: RecipientDirectory,
    now: dt.datetime,
) -> Written:
    head = read_konsep_head(prepared.parsed.text)
    problems = list(head.problems)
    # [RAHASIA] in the subject counts as much as a SIFAT line: the stricter one wins.
    meta = prepared.metadata
    head.keamanan = max(head.keamanan, meta.keamanan, key=KEAMANAN_ORDER.index)
    head.kecepatan = max(head.kecepatan, meta.kecepatan, key=KECEPATAN_ORDER.index)
    unit = draft.author.unit
    if draft.outsider:
        problems.append(
            f"Anda tidak memegang jabatan di unit {draft.unit_code}; konsep untuk unit itu "
            "disusun oleh pegawainya sendiri"
        )
    elif draft.unit_code:
        found = session.scalars(select(Unit).where(Unit.code == draft.unit_code)).first()
        if found is None:
            problems.append(
                f"unit {draft.unit_code} pada alamat keluar+{draft.unit_code.lower()} tidak dikenal"
            )
        else:
            unit = found
    kepada = _recipients(session, ctx, head.kepada, directory, problems, "KEPADA")
    tembusan = _recipients(session, ctx, head.tembusan, directory, problems, "TEMBUSAN")
    if not letter_files(prepared.parsed.files):
        problems.append("konsep surat tidak terlampir: lampirkan berkasnya (PDF atau DOCX)")
    elif unsignable(ctx, prepared.parsed.files):
        problems.append(unsignable(ctx, prepared.parsed.files))
    day = local(now, ctx.settings.mail.timezone).date()
    signer = _signer(session, ctx, head, unit, draft.author, day, problems)
    _check_number(session, ctx, head, unit, now, problems)
    if head.keamanan in ("R", "SR") and any(not r.get("unit") for r in [*kepada, *tembusan]):
        problems.append(
            "surat Rahasia/Sangat Rahasia tidak dikirim lewat email ke luar organisasi; "
            "kirim secara fisik atau melalui SRIKANDI"
        )
    if problems or signer is None:
        _refuse(session, ctx, prepared, draft.author, problems, now, head.keamanan in SECRET)
        return Written("refused", "; ".join(problems)[:2000])
    route, notes = plan_route(
        session, ctx.settings.drafting, draft.author, unit, signer, head.jenis, day
    )
    particulars = Particulars(
        perihal=clean_subject(prepared.parsed.subject),
        recipients=[r["address"] for r in [*kepada, *tembusan]],
        keamanan=head.keamanan,
        kecepatan=head.kecepatan,
        klasifikasi=head.klasifikasi,
        jenis=head.jenis or "Surat Dinas",
    )
    naskah, new = register_written(
        session, ctx, prepared, draft.author, unit, inbound, "konsep", particulars, now
    )
    if not new:
        return Written("registered", f"konsep {naskah.agenda_number} (salinan)", (naskah.id,))
    konsep = Konsep(
        naskah_id=naskah.id,
        drafter_person_id=draft.author.person.id,
        drafter_position_id=draft.author.position.id,
        signer_position_id=signer.id,
        kepada=kepada,
        tembusan=tembusan,
        reserved_number=head.nomor or None,
        version=1,
        route=[p.id for p in route],
        step=0,
        state=KonsepState.PARAF,
        signature={},
    )
    session.add(konsep)
    session.flush()
    ctx.system_event(
        session,
        "konsep_route",
        now,
        naskah_id=naskah.id,
        payload={"route": [p.handle for p in route], "skipped": notes, "signer": signer.handle},
    )
    ask_current(session, ctx, naskah, konsep, now)
    _konsep_receipt(session, ctx, naskah, draft.author, route, notes, head, now)
    return Written("registered", f"konsep {naskah.agenda_number}", (naskah.id,))


def _recipients(
    session: Session,
    ctx: Services,
    written: list[Addressee],
    directory: RecipientDirectory,
    problems: list[str],
    label: str,
) -> list[dict[str, Any]]:
    """Each addressee: internal (a position or unit of the organisation) or external."""
    found: list[dict[str, Any]] = []
    for item in written:
        if item.handle:
            position = session.scalars(
                select(Position).where(Position.handle == item.handle, Position.active.is_(True))
            ).first()
            if position is None:
                problems.append(f"{label} {item.written!r}: kode jabatan tidak dikenal")
                continue
            unit = session.get_one(Unit, position.unit_id)
            address = f"{position.handle}@{ctx.settings.mail.domain}"
            found.append(
                {
                    "address": address,
                    "name": position.title,
                    "unit": unit.code,
                    "position": position.handle,
                }
            )
            continue
        recipient = directory.resolve(item.address)
        if recipient is not None and recipient.unit_code:
            found.append(
                {
                    "address": item.address,
                    "name": item.name,
                    "unit": recipient.unit_code,
                    "position": recipient.position_handle,
                }
            )
        elif item.address.endswith("@" + ctx.settings.mail.domain.lower()):
            problems.append(f"{label} {item.written!r}: alamat organisasi yang tidak dikenal")
        else:
            found.append(
                {"address": item.address, "name": item.name, "unit": None, "position": None}
            )
    return found


def _signer(
    session: Session,
    ctx: Services,
    head: KonsepHead,
    unit: Unit,
    author: Author,
    day: dt.date,
    problems: list[str],
) -> Position | None:
    """PENANDATANGAN, else the unit's configured signer or head. Only a superior of the
    drafter, or the signer configured for the unit (and jenis), may sign: nobody signs
    and sends a letter without the people above them seeing it."""
    configured = default_signer(session, ctx.settings.drafting, unit, head.jenis)
    if head.penandatangan:
        signer = session.scalars(
            select(Position).where(Position.handle == head.penandatangan, Position.active.is_(True))
        ).first()
        if signer is None:
            problems.append(f"PENANDATANGAN {head.penandatangan!r}: kode jabatan tidak dikenal")
            return None
    elif configured is None:
        problems.append(f"unit {unit.code} tidak memiliki penandatangan; tulis PENANDATANGAN:")
        return None
    else:
        signer = configured
    above = {p.id for p in superiors(session, author.position)}
    if signer.id not in above and (configured is None or signer.id != configured.id):
        problems.append(
            f"PENANDATANGAN {signer.title} bukan atasan Anda maupun penandatangan yang "
            f"ditetapkan untuk unit {unit.code}"
        )
        return None
    if not holders(session, signer, day):
        problems.append(f"jabatan penandatangan {signer.title} kosong hari ini (tanpa Plt/Plh)")
    return signer


def _check_number(
    session: Session,
    ctx: Services,
    head: KonsepHead,
    unit: Unit,
    now: dt.datetime,
    problems: list[str],
) -> None:
    """A reserved number must be new in the series and year; a KKA the table knows; and
    a number format that needs a KKA gets one."""
    year = local(now, ctx.settings.mail.timezone).year
    if head.nomor:
        found = existing_number(session, unit.id, year, head.nomor)
        if found is not None:
            problems.append(
                f"NOMOR {head.nomor} sudah dipakai surat keluar lain tahun {year} "
                f"(perihal: {clip_subject(found.perihal)}, "
                f"dikirim {waktu(found.registered_at, ctx.settings.mail.timezone)})"
            )
    elif (
        not head.klasifikasi
        and "{kka" in ctx.settings.numbering.format_for(unit.code, SURAT_KELUAR).lower()
    ):
        problems.append(
            "KLASIFIKASI wajib diisi: nomor surat keluar unit ini memuat kode klasifikasi"
        )
    loaded = session.scalar(select(Klasifikasi.code).limit(1)) is not None
    if head.klasifikasi and loaded and not _known_kka(session, head.klasifikasi):
        problems.append(f"KLASIFIKASI {head.klasifikasi} tidak ada dalam tabel kode klasifikasi")


def _known_kka(session: Session, code: str) -> bool:
    """The code, or the nearest code above it, is in the table: the seed holds only the
    first two levels of Permendagri 83/2022, so 000.8.3.3 counts through 000.8."""
    parts = code.split(".")
    candidates = [".".join(parts[:n]) for n in range(len(parts), 0, -1)]
    found = session.scalar(select(Klasifikasi.code).where(Klasifikasi.code.in_(candidates)))
    return found is not None


def _refuse(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    author: Author,
    problems: list[str],
    now: dt.datetime,
    secret: bool,
) -> None:
    """Nothing is created; the drafter reads what was wrong and the correct form."""
    listed = "".join(f"  - {clip(p, 400)}\n" for p in problems)
    text = (
        "Konsep surat keluar Anda BELUM dicatat karena:\n"
        f"{listed}\n"
        "Perbaiki lalu kirim ulang ke alamat yang sama. Baris pertama email berisi data surat, "
        "misalnya:\n\n"
        + "".join(f"  {line}\n" for line in EXAMPLE.splitlines())
        + "\nPerihal diambil dari subjek email; konsep surat dilampirkan (PDF atau DOCX)."
    )
    about = "(rahasia)" if secret else clip_subject(prepared.parsed.subject)
    _answer(session, ctx, author.person, f"Konsep belum dicatat: {about}", text, now)


def _konsep_receipt(
    session: Session,
    ctx: Services,
    naskah: Any,
    author: Author,
    route: list[Position],
    notes: list[str],
    head: KonsepHead,
    now: dt.datetime,
) -> None:
    steps = "".join(
        f"  {i + 1}. {p.title}{' (penandatangan)' if i == len(route) - 1 else ''}\n"
        for i, p in enumerate(route)
    )
    skipped = "".join(f"  ({n})\n" for n in notes)
    reserved = f"  Nomor surat  : {head.nomor} (nomor yang Anda tetapkan)\n" if head.nomor else ""
    text = (
        f"Konsep surat keluar Anda telah dicatat.\n\n"
        f"  Nomor konsep : {naskah.agenda_number} (BUKAN nomor surat; nomor surat diberikan "
        "setelah ditandatangani)\n"
        f"  Perihal      : {'(rahasia)' if naskah.is_secret else clip_subject(naskah.perihal)}\n"
        f"{reserved}\n"
        f"Alur persetujuan:\n{steps}{skipped}\n"
        "Anda akan menerima pemberitahuan bila ada REVISI, penolakan, atau bila surat sudah "
        "dikirim."
    )
    _answer(
        session,
        ctx,
        author.person,
        f"[TNDE {naskah.agenda_number}] Konsep tercatat",
        text,
        now,
        naskah.id,
    )


def _answer(
    session: Session,
    ctx: Services,
    person: Person,
    subject: str,
    body: str,
    now: dt.datetime,
    naskah_id: int | None = None,
) -> None:
    """A receipt to the official's address in the organisation (never to a From header)."""
    address = primary_email(person)
    if address is None:
        return
    mail = OutgoingMail(
        kind="receipt",
        to_address=address,
        to_name=person.name,
        subject=subject,
        text=f"Yth. {person.name},\n\n{body}\n\n--\n{ctx.settings.mail.helpdesk}\n",
        auto_submitted="auto-replied",
    )
    ctx.queue_mail(session, mail, now, naskah_id=naskah_id, person_id=person.id)


def held_submission(
    session: Session, submission_id: int, person_id: int
) -> tuple[int, str, list[str]] | None:
    """(inbound id, MAIL FROM, RCPT TOs) of a pending held submission, for preparing it."""
    row = session.get(Submission, submission_id)
    if row is None or row.person_id != person_id or row.state != "pending":
        return None
    inbound = session.get_one(Inbound, row.inbound_id)
    return inbound.id, inbound.mail_from, list(inbound.rcpt_tos)


__all__ = ["HeldSubmission", "Written", "confirm_submission", "held_submission", "take_written"]
