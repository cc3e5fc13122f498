"""Handle a reply to one of our notices, inside the worker's transaction.

Matched and verified: mark read, run the commands (or record the comment), answer with
a receipt. Matched but not verified (another sender, forged From, expired address, DMARC
failure, no token and no proven From): change nothing, record it as a comment from an
unverified sender; the official the notice went to gets either a confirmation request
(their own address, commands, no proof) or an hourly alert (see workflow.unverified).
KONFIRMASI to a confirmation token runs the held commands. The same reply (by
Message-ID) acts only once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.core.prepared import Prepared
from gateway.core.states import OPEN, STATUS_LABEL
from gateway.db.models import (
    Assignment,
    Disposition,
    Inbound,
    Naskah,
    Person,
    Position,
    ReplyCommand,
    ReplyConfirmation,
    Unit,
)
from gateway.org.holders import covers, primary_email
from gateway.outbound.clip import clip, clip_block
from gateway.outbound.compose import OutgoingMail
from gateway.parsing.message import AttachmentData
from gateway.services import Services
from gateway.timefmt import local
from gateway.workflow.agency import settle_letter, tracking_reply
from gateway.workflow.commands import EXAMPLES, Command, ParsedReply, Problem, parse_reply
from gateway.workflow.execute import Actor, Execution, Results, execute_all, mark_read
from gateway.workflow.konsep import letter_files
from gateway.workflow.matching import Match, find_token, match_incoming
from gateway.workflow.messages import notify_givers
from gateway.workflow.quotes import new_text, reply_text
from gateway.workflow.tags import subject_tag
from gateway.workflow.unverified import alert_unverified, hold_for_confirmation


@dataclass(frozen=True)
class ReplyOutcome:
    """How the reply was taken: acted, unverified, duplicate, or unmatched."""

    state: str  # acted | unverified | duplicate | unmatched | to_unit
    reason: str = ""
    disposition_id: int | None = None
    # to_unit: register the message as a new letter in this unit (a reply to a receipt).
    unit_code: str | None = None


def handle_reply(
    session: Session, ctx: Services, prepared: Prepared, inbound_id: int, now: dt.datetime
) -> ReplyOutcome:
    token = find_token(prepared, ctx.settings.mail.reply_local)
    if token:
        # A reply to a receipt (its Reply-To carries a tracking token): the sending agency.
        mail_from = session.get_one(Inbound, inbound_id).mail_from
        tracked = tracking_reply(session, ctx, prepared, mail_from, token, now)
        if tracked is not None:
            return ReplyOutcome(tracked.state, tracked.reason, unit_code=tracked.unit_code)
    match = match_incoming(session, ctx, prepared, now)
    if match is None:
        return ReplyOutcome("unmatched", "answers no notice of ours")
    disposition = session.get(Disposition, match.disposition_id)
    if disposition is None:
        return ReplyOutcome("unmatched", "the disposition no longer exists")
    message_id = prepared.parsed.message_id
    done = session.scalars(
        select(ReplyCommand).where(
            ReplyCommand.reply_message_id == message_id,
            ReplyCommand.disposition_id == disposition.id,
        )
    ).first()
    if done is not None:
        record_event(
            session,
            type="reply_duplicate",
            actor="system",
            channel="email",
            now=now,
            naskah_id=disposition.naskah_id,
            disposition_id=disposition.id,
            payload={"message_id": message_id, "first_inbound": done.inbound_id},
        )
        return ReplyOutcome("duplicate", "this reply was already processed", disposition.id)
    parsed = parse_reply(new_text(reply_text(prepared.parsed)))
    results: Results | None = None
    if match.verified and match.confirmation_id is not None:
        results = _confirm(session, ctx, prepared, disposition, match, parsed, now)
    elif match.verified:
        results = _act(session, ctx, prepared, disposition, match, parsed, now)
    else:
        _unverified(session, ctx, prepared, disposition, match, parsed, inbound_id, now)
    session.add(
        ReplyCommand(
            reply_message_id=message_id,
            disposition_id=disposition.id,
            inbound_id=inbound_id,
            person_id=match.owner_person_id if match.verified else None,
            verified=match.verified,
            result=_summary(parsed, results, match),
            created_at=now,
        )
    )
    state = "acted" if match.verified else "unverified"
    return ReplyOutcome(state, match.reason, disposition.id)


def _actor(session: Session, disposition: Disposition, person: Person, today: dt.date) -> Actor:
    position = session.get_one(Position, disposition.to_position_id)
    naskah = session.get_one(Naskah, disposition.naskah_id)
    unit = session.get_one(Unit, naskah.unit_id)
    assignments = session.scalars(
        select(Assignment).where(
            Assignment.person_id == person.id, Assignment.position_id == position.id
        )
    )
    kinds = [a.kind for a in assignments if covers(a, today)]
    acting = (
        next((k for k in kinds if k in ("plt", "plh")), None) if "definitif" not in kinds else None
    )
    return Actor(person, disposition, position, acting, naskah, unit)


def _confirms(parsed: ParsedReply) -> bool:
    """The reply to a confirmation request starts with KONFIRMASI."""
    return bool(parsed.commands) and parsed.commands[0].name == "KONFIRMASI"


def _confirm(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    disposition: Disposition,
    match: Match,
    parsed: ParsedReply,
    now: dt.datetime,
) -> Results:
    """A reply to a confirmation request: KONFIRMASI runs the held commands, once, while
    they are valid and the disposition is still open; anything else runs nothing at all
    (the request quoted an attacker's lines, which a mail client may quote back)."""
    held = session.get(ReplyConfirmation, match.confirmation_id)
    problem = ""
    if (
        held is None
        or held.disposition_id != disposition.id
        or held.person_id != match.owner_person_id
    ):
        problem = "permintaan konfirmasi ini tidak dikenal"
    elif not _confirms(parsed):
        problem = (
            "balasan atas email konfirmasi hanya boleh berisi KONFIRMASI; tidak ada yang "
            "dijalankan. Untuk perintah lain, balas pemberitahuan disposisinya"
        )
    elif held.expires_at < now:
        problem = "permintaan konfirmasi ini sudah kedaluwarsa; kirim ulang perintah Anda"
    elif disposition.status not in OPEN:
        label = STATUS_LABEL.get(disposition.status, disposition.status)
        problem = f"disposisi ini sudah berstatus {label}; perintah yang ditahan tidak dijalankan"
    elif not _claim_held(session, held.id, now):
        problem = "perintah pada permintaan konfirmasi ini sudah dijalankan"
    if problem or held is None:
        return _refuse(session, ctx, prepared, disposition, match, parsed, problem, now)
    record_event(
        session,
        type="reply_confirmed",
        actor="system",
        channel="email",
        now=now,
        naskah_id=disposition.naskah_id,
        disposition_id=disposition.id,
        actor_person_id=held.person_id,
        payload={"confirmation_id": held.id, "commands": held.commands},
    )
    # The held reply's attachments are not carried over: the request did not show them.
    return _act(session, ctx, prepared, disposition, match, parse_reply(held.text), now, [])


def _claim_held(session: Session, held_id: int, now: dt.datetime) -> bool:
    """Pending to confirmed in one conditional UPDATE: two KONFIRMASI never both run."""
    result = session.execute(
        update(ReplyConfirmation)
        .where(ReplyConfirmation.id == held_id, ReplyConfirmation.state == "pending")
        .values(state="confirmed", confirmed_at=now)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def _refuse(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    disposition: Disposition,
    match: Match,
    parsed: ParsedReply,
    reason: str,
    now: dt.datetime,
) -> Results:
    """Change nothing; answer with why, and the correct form."""
    person = session.get_one(Person, match.owner_person_id)
    today = local(now, ctx.settings.mail.timezone).date()
    run = Execution(session, ctx, _actor(session, disposition, person, today), [], now)
    first = next((line for line in parsed.new_text.splitlines() if line.strip()), "(kosong)")
    run.results.problems.append(Problem(clip(first, 200), reason, EXAMPLES["KONFIRMASI"]))
    _receipt(session, ctx, prepared, run.actor, parsed, run.results, now)
    return run.results


def _act(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    disposition: Disposition,
    match: Match,
    parsed: ParsedReply,
    now: dt.datetime,
    files: list[AttachmentData] | None = None,
) -> Results:
    person = session.get_one(Person, match.owner_person_id)
    today = local(now, ctx.settings.mail.timezone).date()
    run = Execution(
        session,
        ctx,
        _actor(session, disposition, person, today),
        prepared.parsed.files if files is None else files,
        now,
        by_token=match.method == "token",
    )
    mark_read(run)
    if not parsed.commands and disposition.kind == "revisi" and letter_files(run.files):
        # The drafter answers a revision request with the new version attached.
        parsed.commands.append(Command("KIRIM", "(berkas terlampir)", parsed.new_text[:2000]))
    if parsed.commands:
        results = execute_all(run, parsed.commands)
    else:
        results = run.results
        if parsed.comment:
            _comment(run, parsed.comment)
        settle_letter(session, ctx, run.actor.naskah, now)
    if parsed.commands or parsed.problems:
        _receipt(session, ctx, prepared, run.actor, parsed, results, now)
    return results


def _comment(run: Execution, text: str) -> None:
    """A reply without commands: on the timeline, and forwarded to the giver."""
    run.event("comment", {"text": text[:4000], "verified": True})
    agenda = run.actor.naskah.agenda_number
    body = f"Komentar dari {run.actor.label} atas surat {agenda}:\n\n{clip_block(text)}"
    notify_givers(
        run.session, run.ctx, run.actor.naskah, run.actor.disposition, "Komentar", body, run.now
    )


def _receipt(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    actor: Actor,
    parsed: ParsedReply,
    results: Results,
    now: dt.datetime,
) -> None:
    """What was executed, what was not understood (with the correct form), what was ignored."""
    address = (
        prepared.parsed.sender.address if prepared.parsed.sender else primary_email(actor.person)
    )
    if not address:
        return
    text, html = ctx.renderer.render(
        "command_receipt",
        {
            "person": actor.person,
            "naskah": actor.naskah,
            "results": results,
            "problems": results.problems + parsed.problems,
            "ignored": parsed.ignored,
            "gateway_name": ctx.settings.mail.sender_name,
            "domain": ctx.settings.mail.domain,
            "helpdesk": ctx.settings.mail.helpdesk,
        },
    )
    mail = OutgoingMail(
        kind="command_receipt",
        to_address=address,
        to_name=actor.person.name,
        subject=f"{subject_tag(actor.naskah)} Hasil perintah Anda",
        text=text,
        html=html,
        in_reply_to=prepared.parsed.message_id,
        references=prepared.parsed.references,
        auto_submitted="auto-replied",
    )
    ctx.queue_mail(
        session,
        mail,
        now,
        naskah_id=actor.naskah.id,
        disposition_id=actor.disposition.id,
        person_id=actor.person.id,
    )


def _unverified(
    session: Session,
    ctx: Services,
    prepared: Prepared,
    disposition: Disposition,
    match: Match,
    parsed: ParsedReply,
    inbound_id: int,
    now: dt.datetime,
) -> None:
    """Nothing changes; the timeline records it; the owner confirms or is alerted."""
    sender = prepared.parsed.sender.address if prepared.parsed.sender else "(tanpa alamat)"
    naskah = session.get_one(Naskah, disposition.naskah_id)
    owner = session.get(Person, match.owner_person_id)
    confirmation = False
    if match.confirmable and parsed.commands and owner is not None:
        confirmation = hold_for_confirmation(
            session,
            ctx,
            naskah,
            disposition.id,
            owner,
            parsed,
            sender,
            inbound_id,
            prepared.parsed.message_id,
            [(f.filename, len(f.data)) for f in prepared.parsed.files],
            now,
        )
    record_event(
        session,
        type="comment_unverified",
        actor=sender,
        channel="email",
        now=now,
        naskah_id=naskah.id,
        disposition_id=disposition.id,
        payload={
            "from": sender,
            "reason": match.reason,
            "method": match.method,
            "text": parsed.new_text[:4000],
            "commands": [c.name for c in parsed.commands],
            "owner_person_id": match.owner_person_id,
            "confirmation": confirmation,
        },
    )
    if not confirmation:
        alert_unverified(session, ctx, naskah.id, match.owner_person_id, now)


def _summary(parsed: ParsedReply, results: Results | None, match: Match) -> dict[str, object]:
    return {
        "method": match.method,
        "verified": match.verified,
        "reason": match.reason,
        "commands": [c.name for c in parsed.commands],
        "executed": results.executed if results else [],
        "problems": [p.reason for p in (results.problems if results else [])]
        + [p.reason for p in parsed.problems],
        "ignored": parsed.ignored,
    }
