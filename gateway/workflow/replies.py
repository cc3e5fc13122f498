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

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.db.blobs import get_blob
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
from gateway.outbound.compose import OutgoingMail
from gateway.parsing.html import html_to_text
from gateway.parsing.message import AttachmentData, ParsedMessage, parse_message
from gateway.pipeline.context import PipelineContext
from gateway.pipeline.prepare import Prepared
from gateway.routing.tags import subject_tag
from gateway.timefmt import local
from gateway.workflow.commands import ParsedReply, parse_reply
from gateway.workflow.execute import Actor, Execution, Results, execute_all, mark_read
from gateway.workflow.matching import Match, match_incoming
from gateway.workflow.messages import notify_givers, queue_mail
from gateway.workflow.quotes import new_text
from gateway.workflow.status import refresh_letter_status
from gateway.workflow.unverified import alert_unverified, hold_for_confirmation


@dataclass(frozen=True)
class ReplyOutcome:
    """How the reply was taken: acted, unverified, duplicate, or unmatched."""

    state: str  # acted | unverified | duplicate | unmatched
    reason: str = ""
    disposition_id: int | None = None


def reply_text(parsed: ParsedMessage) -> str:
    """The reply's text: the plain part, or the HTML without its quoted history."""
    if parsed.text_source == "plain":
        return parsed.text
    if parsed.html_raw:
        return html_to_text(parsed.html_raw, drop_quotes=True)
    return parsed.text


def handle_reply(
    session: Session, ctx: PipelineContext, prepared: Prepared, inbound_id: int, now: dt.datetime
) -> ReplyOutcome:
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
    if match.verified and match.confirmation_id is not None and _confirms(parsed):
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
    ctx: PipelineContext,
    prepared: Prepared,
    disposition: Disposition,
    match: Match,
    parsed: ParsedReply,
    now: dt.datetime,
) -> Results:
    """Run the held commands the confirmation token names, once, while they are valid."""
    held = session.get(ReplyConfirmation, match.confirmation_id)
    problem = ""
    if (
        held is None
        or held.disposition_id != disposition.id
        or held.person_id != match.owner_person_id
    ):
        problem = "permintaan konfirmasi ini tidak dikenal"
    elif held.state != "pending":
        problem = "perintah pada permintaan konfirmasi ini sudah dijalankan"
    elif held.expires_at < now:
        problem = "permintaan konfirmasi ini sudah kedaluwarsa; kirim ulang perintah Anda"
    if problem or held is None:
        person = session.get_one(Person, match.owner_person_id)
        today = local(now, ctx.settings.mail.timezone).date()
        run = Execution(session, ctx, _actor(session, disposition, person, today), [], now)
        run.problem(parsed.commands[0], problem)
        _receipt(session, ctx, prepared, run.actor, parsed, run.results, now)
        return run.results
    held.state, held.confirmed_at = "confirmed", now
    commands = parse_reply(held.text)
    files = _held_files(session, ctx, held.inbound_id)
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
    return _act(session, ctx, prepared, disposition, match, commands, now, files)


def _held_files(session: Session, ctx: PipelineContext, inbound_id: int) -> list[AttachmentData]:
    """The attachments of the held reply (SELESAI's tindak lanjut), read from its blob."""
    inbound = session.get_one(Inbound, inbound_id)
    return parse_message(get_blob(session, inbound.raw_sha256), ctx.limits).files


def _act(
    session: Session,
    ctx: PipelineContext,
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
    )
    mark_read(run)
    if parsed.commands:
        results = execute_all(run, parsed.commands)
    else:
        results = run.results
        if parsed.comment:
            _comment(run, parsed.comment)
        refresh_letter_status(session, run.actor.naskah)
    if parsed.commands or parsed.problems:
        _receipt(session, ctx, prepared, run.actor, parsed, results, now)
    return results


def _comment(run: Execution, text: str) -> None:
    """A reply without commands: on the timeline, and forwarded to the giver."""
    run.event("comment", {"text": text[:4000], "verified": True})
    body = f"Komentar dari {run.actor.label} atas surat {run.actor.naskah.agenda_number}:\n\n{text}"
    notify_givers(
        run.session, run.ctx, run.actor.naskah, run.actor.disposition, "Komentar", body, run.now
    )


def _receipt(
    session: Session,
    ctx: PipelineContext,
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
    queue_mail(
        session,
        ctx,
        mail,
        now,
        naskah_id=actor.naskah.id,
        disposition_id=actor.disposition.id,
        person_id=actor.person.id,
    )


def _unverified(
    session: Session,
    ctx: PipelineContext,
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
