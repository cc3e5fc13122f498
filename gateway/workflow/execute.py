"""Carry out reply commands for a verified official, one command at a time.

Each command either executes (a line for the receipt) or fails with a problem that says
what was wrong and shows the correct form. Nothing here trusts the reply beyond the
verified actor: targets, instructions and dates are checked against the organisation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.core.batas import in_the_past, parse_batas
from gateway.core.calendar import resolve_spec
from gateway.core.states import APPROVAL_KINDS, OPEN, STATUS_LABEL, DispositionStatus
from gateway.db.blobs import get_blob, put_blob
from gateway.db.models import Attachment, Disposition, Naskah, Person, Position, Unit
from gateway.outbound.clip import clip_block
from gateway.parsing.message import AttachmentData
from gateway.routing.vocab import vocabulary_from_db
from gateway.services import Services
from gateway.timefmt import local, waktu
from gateway.workflow.agency import settle_letter
from gateway.workflow.apply import calendar_for, registrar_of
from gateway.workflow.commands import EXAMPLES, HELP, SPECS, Command, Problem
from gateway.workflow.konsep import (
    Decider,
    KonsepProblem,
    approve,
    fresh_link,
    reject,
    resubmit,
    revise,
    withdraw,
)
from gateway.workflow.messages import notify_givers
from gateway.workflow.notices import ACTING_PREFIX, NoticeSource, queue_notices
from gateway.workflow.report import status_text
from gateway.workflow.sending import DuplicateNumber
from gateway.workflow.targets import is_below, resolve_written
from rules.errors import RuleError


@dataclass
class Actor:
    """The verified official acting on one disposition."""

    person: Person
    disposition: Disposition
    position: Position
    acting: str | None
    naskah: Naskah
    unit: Unit

    @property
    def label(self) -> str:
        prefix = ACTING_PREFIX.get(self.acting or "", "")
        return f"{self.person.name} ({prefix}{self.position.title})"


@dataclass
class Results:
    """What the receipt reports: executed lines, problems, extra sections."""

    executed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sections: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Execution:
    """Everything a command needs besides itself."""

    session: Session
    ctx: Services
    actor: Actor
    files: list[AttachmentData]
    now: dt.datetime
    results: Results = field(default_factory=Results)
    # The reply came to the address bound to this disposition and holder (or confirmed a
    # token mailed to them): what approving a konsep requires.
    by_token: bool = False

    def decider(self) -> Decider:
        actor = self.actor
        return Decider(
            actor.person,
            actor.position,
            actor.acting,
            actor.disposition,
            actor.naskah,
            actor.label,
            local(self.now, self.ctx.settings.mail.timezone).date(),
        )

    def event(
        self, kind: str, payload: dict[str, object], disposition_id: int | None = None
    ) -> None:
        record_event(
            self.session,
            type=kind,
            actor=self.actor.label,
            channel="email",
            now=self.now,
            naskah_id=self.actor.naskah.id,
            disposition_id=disposition_id or self.actor.disposition.id,
            actor_person_id=self.actor.person.id,
            payload=payload,
        )

    def problem(self, command: Command, reason: str) -> None:
        self.results.problems.append(Problem(command.line, reason, EXAMPLES[command.name]))


def mark_read(run: Execution) -> bool:
    """Any verified reply means the official has read the disposition."""
    disposition = run.actor.disposition
    if disposition.read_at is not None:
        return False
    disposition.read_at = run.now
    if disposition.status == DispositionStatus.SENT:
        disposition.status = DispositionStatus.READ
    run.event("read", {"via": "reply"})
    return True


# What each kind of konsep step may be answered with; every other command is refused.
KONSEP_COMMANDS = {
    "paraf": {"SETUJU", "REVISI", "TOLAK", "TANGGAPAN", "STATUS", "BANTUAN", "KONFIRMASI"},
    "ttd": {"SETUJU", "REVISI", "TOLAK", "TAUTAN", "TANGGAPAN", "STATUS", "BANTUAN", "KONFIRMASI"},
    "revisi": {"KIRIM", "BATAL", "TANGGAPAN", "STATUS", "BANTUAN", "KONFIRMASI"},
}
# Commands that only a konsep's steps take.
KONSEP_ONLY = {"SETUJU", "REVISI", "KIRIM", "TAUTAN"}


def execute_all(run: Execution, commands: list[Command]) -> Results:
    kind = run.actor.disposition.kind
    for command in commands:
        allowed = KONSEP_COMMANDS.get(kind)
        if allowed is not None and command.name not in allowed:
            listed = ", ".join(sorted(allowed - {"KONFIRMASI", "BANTUAN", "STATUS"}))
            run.problem(command, f"perintah ini tidak berlaku untuk konsep; gunakan {listed}")
            continue
        if allowed is None and command.name in KONSEP_ONLY:
            run.problem(
                command,
                f"{command.name} hanya berlaku sebagai balasan atas email permintaan paraf, "
                "tanda tangan atau revisi konsep surat keluar",
            )
            continue
        HANDLERS[command.name](run, command)
    settle_letter(run.session, run.ctx, run.actor.naskah, run.now)
    return run.results


def _open(run: Execution, command: Command) -> bool:
    """Commands other than STATUS/BANTUAN need the disposition to be still open."""
    status = run.actor.disposition.status
    if status in OPEN:
        return True
    run.problem(command, f"disposisi ini sudah berstatus {STATUS_LABEL.get(status, status)}")
    return False


Handler = Callable[["Execution", Command], None]
# Handlers by command name; every command in commands.COMMANDS has exactly one.
HANDLERS: dict[str, Handler] = {}


def handles(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of reply command `name`."""

    def register(handler: Handler) -> Handler:
        HANDLERS[name] = handler
        return handler

    return register


@handles("TERIMA")
def do_terima(run: Execution, command: Command) -> None:
    run.results.executed.append("TERIMA: disposisi ditandai sudah dibaca")


@handles("DISPOSISI")
def do_disposisi(run: Execution, command: Command) -> None:
    if command.batas_unreadable or not _open(run, command):
        return  # The parser already reported the unreadable BATAS.
    session, actor = run.session, run.actor
    day = local(run.now, run.ctx.settings.mail.timezone).date()
    targets: list[Position] = []
    for resolved in (r for text in command.targets for r in resolve_written(session, text, day)):
        if resolved.position is None:
            run.problem(command, resolved.problem)
            return
        allowed = run.ctx.settings.workflow.dispose_to_anyone or is_below(
            session, resolved.position, actor.position
        )
        if not allowed:
            run.problem(command, f"{resolved.position.title} tidak berada di bawah jabatan Anda")
            return
        if all(p.id != resolved.position.id for p in targets):  # one disposition each
            targets.append(resolved.position)
    instructions = _instructions(run, command)
    ok, due = _due(run, command)
    if not ok:
        return
    given = [_give(run, position, instructions, command.catatan, due) for position in targets]
    if actor.disposition.status != DispositionStatus.DONE:
        actor.disposition.status = DispositionStatus.FORWARDED
    names = ", ".join(p.title for p in targets)
    run.results.executed.append(
        f"DISPOSISI kepada {names}"
        + (f", batas {waktu(given[0].due_at)}" if given[0].due_at else "")
    )


def _instructions(run: Execution, command: Command) -> list[str]:
    """Codes for known instructions; free-text ones travel in the note (and are reported)."""
    vocabulary = vocabulary_from_db(run.session)
    codes, free = [], []
    for text in command.instruksi:
        try:
            codes.append(vocabulary.instruction(text, "INSTRUKSI"))
        except RuleError:
            free.append(text)
    if free:
        known = ", ".join(sorted(vocabulary.instructions)[:8])
        reason = (
            f"instruksi {', '.join(repr(f) for f in free)} tidak ada dalam daftar; "
            f"dikirim sebagai catatan (kode yang dikenal, mis. {known})"
        )
        run.results.problems.append(Problem(command.line, reason, EXAMPLES["instruksi"]))
        extra = "Instruksi: " + ", ".join(free)
        command.catatan = f"{command.catatan}\n{extra}".strip() if command.catatan else extra
    return codes


def _due(run: Execution, command: Command) -> tuple[bool, dt.datetime | None]:
    """(readable, the BATAS instant): no BATAS inherits the giver's due or the SLA."""
    settings = run.ctx.settings
    calendar = calendar_for(run.session, run.ctx)
    if not command.batas:
        parent_due = run.actor.disposition.due_at
        if parent_due is not None:
            return True, parent_due
        spec = resolve_spec("", run.actor.naskah.kecepatan, settings.workflow.sla())
        return True, calendar.due(spec, run.now)
    due = parse_batas(command.batas, run.now, calendar)
    if due is None or in_the_past(due, run.now, settings.mail.timezone):
        why = "sudah lewat" if due is not None else "tidak dipahami"
        reason = f"BATAS '{command.batas}' {why}; DISPOSISI tidak dilaksanakan"
        run.results.problems.append(Problem(command.line, reason, EXAMPLES["batas"]))
        return False, None
    return True, due


def _give(
    run: Execution, position: Position, instructions: list[str], note: str, due: dt.datetime | None
) -> Disposition:
    actor = run.actor
    child = Disposition(
        naskah_id=actor.naskah.id,
        parent_id=actor.disposition.id,
        kind="disposisi",
        from_position_id=actor.position.id,
        from_person_id=actor.person.id,
        from_acting=actor.acting,
        to_position_id=position.id,
        instructions=instructions,
        note=note,
        due_at=due,
        status=DispositionStatus.SENT,
        channel="email",
        created_at=run.now,
    )
    run.session.add(child)
    run.session.flush()
    run.event(
        "disposed",
        {
            "to": position.handle,
            "instructions": instructions,
            "note": note,
            "due_at": due.isoformat() if due else None,
        },
        child.id,
    )
    source = NoticeSource(
        disposed_by=actor.label,
        registrar=registrar_of(run.session, actor.unit),
        files=lambda: letter_files(run.session, actor.naskah),
    )
    queue_notices(run.session, run.ctx, actor.naskah, actor.unit, child, position, source, run.now)
    return child


def letter_files(session: Session, naskah: Naskah) -> list[tuple[str, str, bytes]]:
    """The letter's own files (not follow-up documents), for notices of new dispositions."""
    rows = session.scalars(
        select(Attachment).where(
            Attachment.naskah_id == naskah.id,
            Attachment.role == "file",
            Attachment.origin != "tindak_lanjut",
        )
    )
    return [
        (a.filename, a.sniffed_type or a.declared_type, get_blob(session, a.sha256)) for a in rows
    ]


def _store_files(run: Execution) -> list[tuple[str, str, bytes]]:
    """Files of the reply become the tindak lanjut documents of the letter."""
    stored = []
    for item in run.files:
        digest = put_blob(run.session, item.data)
        run.session.add(
            Attachment(
                naskah_id=run.actor.naskah.id,
                disposition_id=run.actor.disposition.id,
                filename=item.filename,
                declared_type=item.declared_type,
                sniffed_type=item.sniffed_type,
                size=len(item.data),
                sha256=digest,
                origin="tindak_lanjut",
                part_path=item.part_path,
                role="file",
            )
        )
        stored.append((item.filename, item.sniffed_type or item.declared_type, item.data))
    return stored


@handles("SELESAI")
def do_selesai(run: Execution, command: Command) -> None:
    if not _open(run, command):
        return
    disposition = run.actor.disposition
    disposition.status, disposition.done_at = DispositionStatus.DONE, run.now
    disposition.closed_by_person_id = run.actor.person.id
    disposition.result_note = command.text
    files = _store_files(run)
    run.event("done", {"note": command.text, "files": [f[0] for f in files]})
    body = (
        f"{run.actor.label} menyelesaikan disposisi surat {run.actor.naskah.agenda_number}."
        + (f"\nCatatan: {clip_block(command.text)}" if command.text else "")
        + (f"\nBerkas tindak lanjut: {', '.join(f[0] for f in files)}" if files else "")
    )
    notify_givers(
        run.session,
        run.ctx,
        run.actor.naskah,
        disposition,
        "Disposisi selesai",
        body,
        run.now,
        files,
    )
    extra = f" dengan {len(files)} berkas tindak lanjut" if files else ""
    run.results.executed.append(f"SELESAI: disposisi ditutup{extra}")


@handles("TANGGAPAN")
def do_tanggapan(run: Execution, command: Command) -> None:
    if not _open(run, command):
        return
    disposition = run.actor.disposition
    if disposition.status in (DispositionStatus.SENT, DispositionStatus.READ):
        disposition.status = DispositionStatus.ANSWERED
    files = _store_files(run)
    run.event("answered", {"text": command.text, "files": [f[0] for f in files]})
    agenda = run.actor.naskah.agenda_number
    body = f"Tanggapan dari {run.actor.label} atas surat {agenda}:\n\n{clip_block(command.text)}"
    sent = notify_givers(
        run.session, run.ctx, run.actor.naskah, disposition, "Tanggapan", body, run.now, files
    )
    run.results.executed.append(f"TANGGAPAN dikirim kepada pemberi disposisi ({sent} penerima)")


def _konsep(run: Execution, command: Command, step: Callable[[Decider], str]) -> None:
    """Run one konsep step: approvals only by a reply to the holder's own address."""
    if not run.by_token:
        run.problem(
            command,
            "persetujuan konsep hanya sah sebagai balasan langsung atas email permintaan "
            "kepada Anda (alamat balasan khusus); tidak ada yang diubah",
        )
        return
    # Every refusal is raised before anything is written (no savepoint: rolling one back
    # would leave the audit chain's cached head pointing at a discarded event).
    try:
        line = step(run.decider())
    except (KonsepProblem, DuplicateNumber) as err:
        run.problem(command, str(err))
        return
    run.results.executed.append(line)


@handles("SETUJU")
def do_setuju(run: Execution, command: Command) -> None:
    _konsep(run, command, lambda d: approve(run.session, run.ctx, d, command.text, run.now))


@handles("REVISI")
def do_revisi(run: Execution, command: Command) -> None:
    _konsep(run, command, lambda d: revise(run.session, run.ctx, d, command.text, run.now))


@handles("TAUTAN")
def do_tautan(run: Execution, command: Command) -> None:
    _konsep(run, command, lambda d: fresh_link(run.session, run.ctx, d, run.now))


@handles("KIRIM")
def do_kirim(run: Execution, command: Command) -> None:
    _konsep(
        run,
        command,
        lambda d: resubmit(run.session, run.ctx, d, run.files, command.text, run.now),
    )


@handles("TOLAK")
def do_tolak(run: Execution, command: Command) -> None:
    if run.actor.disposition.kind in APPROVAL_KINDS:
        _konsep(run, command, lambda d: reject(run.session, run.ctx, d, command.text, run.now))
        return
    if not _open(run, command):
        return
    disposition = run.actor.disposition
    disposition.status, disposition.result_note = DispositionStatus.REJECTED, command.text
    disposition.done_at = run.now
    run.event("rejected", {"reason": command.text})
    body = (
        f"{run.actor.label} mengembalikan disposisi surat {run.actor.naskah.agenda_number}.\n"
        f"Alasan: {clip_block(command.text)}"
    )
    notify_givers(
        run.session, run.ctx, run.actor.naskah, disposition, "Disposisi dikembalikan", body, run.now
    )
    run.results.executed.append("TOLAK: disposisi dikembalikan kepada pemberinya")


@handles("BATAL")
def do_batal(run: Execution, command: Command) -> None:
    """Cancel dispositions this official gave on this letter, only while still unread;
    on a revision request: withdraw the konsep."""
    if run.actor.disposition.kind == "revisi":
        _konsep(run, command, lambda d: withdraw(run.session, run.ctx, d, run.now))
        return
    session = run.session
    given = list(
        session.scalars(
            select(Disposition).where(
                Disposition.parent_id == run.actor.disposition.id,
                Disposition.kind == "disposisi",
                Disposition.status.in_(OPEN),
            )
        )
    )
    if command.targets:
        day = local(run.now, run.ctx.settings.mail.timezone).date()
        wanted = {r.position for t in command.targets for r in resolve_written(session, t, day)}
        given = [d for d in given if session.get(Position, d.to_position_id) in wanted]
    if not given:
        run.problem(command, "tidak ada disposisi dari Anda pada surat ini yang dapat dibatalkan")
        return
    cancelled, kept = [], []
    for child in given:
        handle = session.get_one(Position, child.to_position_id).title
        if child.status != DispositionStatus.SENT:
            kept.append(handle)
            continue
        child.status, child.done_at = DispositionStatus.CANCELLED, run.now
        run.event("cancelled", {"by": run.actor.label}, child.id)
        cancelled.append(handle)
    if cancelled:
        run.results.executed.append(f"BATAL: disposisi kepada {', '.join(cancelled)} dibatalkan")
    if kept:
        run.problem(
            command, f"disposisi kepada {', '.join(kept)} sudah dibaca, tidak dapat dibatalkan"
        )
    if (
        cancelled
        and not any(c.status in OPEN for c in given)
        and run.actor.disposition.status == DispositionStatus.FORWARDED
    ):
        run.actor.disposition.status = DispositionStatus.READ


@handles("STATUS")
def do_status(run: Execution, command: Command) -> None:
    run.results.sections.append(
        ("STATUS", status_text(run.session, run.actor.naskah, run.ctx, run.now))
    )
    run.results.executed.append("STATUS: riwayat surat terlampir di bawah")


@handles("BANTUAN")
def do_bantuan(run: Execution, command: Command) -> None:
    run.results.sections.append(("BANTUAN", HELP))
    run.results.executed.append("BANTUAN: daftar perintah terlampir di bawah")


@handles("KONFIRMASI")
def do_konfirmasi(run: Execution, command: Command) -> None:
    """Reached only when the reply was not an answer to a confirmation request."""
    run.problem(
        command,
        "tidak ada perintah yang menunggu konfirmasi pada balasan ini; KONFIRMASI hanya "
        "berlaku sebagai balasan atas email permintaan konfirmasi",
    )


_unhandled = set(SPECS) ^ set(HANDLERS)
if _unhandled:  # A command in the table without a handler (or the reverse) is a bug.
    raise RuntimeError(f"reply commands without a handler or spec: {sorted(_unhandled)}")
