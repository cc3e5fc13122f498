"""The worker, the one orchestrator of inbound mail: claim, prepare, dispatch, finish.

Read it top to bottom: `claim` takes a received row; `process` prepares it outside the
write lock (parse, classify, route) and finishes it in one transaction, where `_finish`
dispatches to a stage: machine mail, a reply (workflow), or letters (registration, then
the routing decision becomes dispositions). Any unexpected error rolls the transaction
back and quarantines the message with the reason and traceback; the raw bytes stay, and
`tnde requeue` sends it through again. A second pass over a processed row changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from gateway import logs
from gateway.audit import record_event
from gateway.core.directory import Recipient, RecipientDirectory
from gateway.core.prepared import (
    HeldSubmission,
    LetterForUnit,
    PdfSignatureCheck,
    Prepared,
    RecipientGone,
    SenderTrust,
    prepare,
)
from gateway.core.states import InboundState
from gateway.core.tokens import TokenError, read_submission_token
from gateway.db.aftercommit import after_commit
from gateway.db.blobs import get_blob
from gateway.db.claims import claim_rows, holds_claim, new_token
from gateway.db.engine import Database
from gateway.db.models import (
    Disposition,
    Inbound,
    Naskah,
    NaskahSource,
    ReplyCommand,
    Submission,
    Unit,
)
from gateway.isolation.memory import TRIM_AFTER_BYTES, return_memory
from gateway.parsing.message import MessageTooComplex
from gateway.parsing.pdftext import TextReader, pdf_text
from gateway.pipeline.written import (
    Written,
    confirm_submission,
    held_submission,
    take_written,
)
from gateway.registration.letter import Registered, register_letter
from gateway.routing.cache import RoutingCache
from gateway.routing.route import quarantine_reason, route_all, route_letter
from gateway.senderauth.verify import Verifier
from gateway.services import Services
from gateway.timefmt import local
from gateway.workflow.apply import apply_decision
from gateway.workflow.bounces import bounced_outbox_id, handle_bounce
from gateway.workflow.matching import find_token, match_incoming
from gateway.workflow.replies import ReplyOutcome, handle_reply
from gateway.workflow.threads import thread_reply

log = logging.getLogger("tnde.worker")
# States a pass that committed leaves (a number noted on the way is then real).
_COMMITTED = (InboundState.REGISTERED, InboundState.DUPLICATE, InboundState.REPLY)
# Machine mail: recorded, never answered, never acts (RFC 3834).
MACHINE_KINDS = ("loop", "bounce", "auto")


@dataclass(frozen=True)
class Outcome:
    """What happened to one inbound message."""

    inbound_id: int
    state: str
    registered: tuple[Registered, ...] = ()
    reason: str = ""


class Worker:
    """Processes inbound rows; several workers (threads or processes) may run at once."""

    def __init__(
        self,
        db: Database,
        ctx: Services,
        directory: Callable[[Session], RecipientDirectory],
        routing: RoutingCache,
        trust: SenderTrust,
        verifier: Verifier | None = None,
        pdf_signatures: PdfSignatureCheck | None = None,
        pdf_reader: Callable[[], TextReader] = lambda: pdf_text,
    ) -> None:
        self.db = db
        self.ctx = ctx
        self.directory = directory
        self.routing = routing
        self.trust = trust
        # Checks SPF/DKIM/ARC/DMARC of mail received directly over SMTP; None when a
        # trusted MTA in front has checked already ([auth] verify_smtp = false).
        self.verifier = verifier
        # Validates electronic signatures (TTE) in PDF files; None when switched off.
        self.pdf_signatures = pdf_signatures
        # A reader of one letter's PDF text: a child process with memory and time limits
        # for all of the letter's PDFs together (the app's).
        self.pdf_reader = pdf_reader

    def claim(self, limit: int = 1) -> tuple[list[int], str]:
        """Claim the oldest received messages (or ones whose worker died), up to `limit`,
        under one token; ([], token) when there is nothing to do."""
        token = new_token()
        now = self.ctx.clock()
        with self.db.write() as session:
            ids = claim_rows(
                session,
                Inbound,
                ready=Inbound.state == InboundState.RECEIVED,
                now=now,
                lease=dt.timedelta(seconds=self.ctx.settings.worker.lease_seconds),
                token=token,
                busy_state=InboundState.PROCESSING,
                limit=limit,
            )
        return ids, token

    def release(self, inbound_ids: list[int], token: str) -> None:
        """Give back claimed messages not yet worked on, for any worker to take."""
        with self.db.write() as session:
            session.execute(
                update(Inbound)
                .where(
                    Inbound.id.in_(inbound_ids),
                    Inbound.claim_token == token,
                    Inbound.state == InboundState.PROCESSING,
                )
                .values(state=InboundState.RECEIVED, claim_token=None, claimed_at=None)
            )

    def process(self, inbound_id: int, token: str) -> Outcome:
        """Prepare outside the write lock, then finish in one transaction; every line
        logged meanwhile names the inbound (and its Message-ID and agenda number once
        known)."""
        with logs.letter(inbound_id=inbound_id):
            outcome = self._process(inbound_id, token)
            numbers = ", ".join(r.agenda_number for r in outcome.registered)
            if not numbers and outcome.state in _COMMITTED:
                numbers = logs.current().agenda_number  # a nota dinas or konsep
            with logs.letter(agenda_number=numbers):  # never a rolled-back number
                log.info("inbound %s: %s", inbound_id, outcome.state)
        return outcome

    def _process(self, inbound_id: int, token: str) -> Outcome:
        try:
            prepared = self._prepare(inbound_id)
        except (MessageTooComplex, RecipientGone) as err:
            return_memory()  # a bomb's parse may have grown the heap: give it back
            return self.quarantine(inbound_id, token, str(err), "")
        except Exception as err:
            return_memory()
            return self.quarantine(inbound_id, token, _describe(err), traceback.format_exc())
        logs.note(message_id=prepared.parsed.message_id[:998])
        try:
            return self._complete(inbound_id, token, prepared)
        finally:
            if prepared.parsed.size > TRIM_AFTER_BYTES:
                return_memory()

    def _complete(self, inbound_id: int, token: str, prepared: Prepared) -> Outcome:
        try:
            # The agenda number registration notes is kept inside this block and copied
            # out only once the transaction committed: after a rollback the number goes
            # to the next letter, so the quarantine or retry line must not name it.
            with logs.letter():
                with self.db.write() as session:
                    outcome = self._finish(session, inbound_id, token, prepared)
                committed = logs.current().agenda_number
        except IntegrityError as err:
            # A concurrent worker registered the same letter first: retry sees it as a copy.
            return self._retry_or_quarantine(inbound_id, token, err)
        except OperationalError as err:
            # Database trouble (lock timeout, connection lost): leave it for a later pass.
            log.warning("inbound %s: database error, will retry: %s", inbound_id, err)
            return Outcome(inbound_id, InboundState.PROCESSING, reason=_describe(err))
        except Exception as err:
            return self.quarantine(inbound_id, token, _describe(err), traceback.format_exc())
        logs.note(agenda_number=committed)
        return outcome

    def _prepare(self, inbound_id: int) -> Prepared:
        """Parse, classify, extract and route: everything that needs no write lock."""
        with self.db.read() as session:
            inbound = session.get_one(Inbound, inbound_id)
            raw = get_blob(session, inbound.raw_sha256)
            directory = self.directory(session)
            routing = self.routing.get(session)
            mail_from, rcpt_tos = inbound.mail_from, list(inbound.rcpt_tos)
            received_at = inbound.received_at
            released = inbound.release_quarantine
            own_auth = inbound.auth_header
            source, peer, helo = inbound.source, inbound.peer or "", inbound.helo or ""
        direct = self.verifier is not None and self.trust.checks_itself(source, peer)
        if direct and self.verifier is not None and _check_again(own_auth):
            # DNS happens here, after the 250 and outside any transaction: a slow or dead
            # resolver delays this letter's registration (within [auth] dns_budget), never
            # the SMTP session or another writer. Stored at once, so a requeue after a
            # failure reuses it instead of checking against keys rotated since.
            own_auth = self.verifier.header(raw, peer, mail_from, helo)
            with self.db.write() as session:
                session.get_one(Inbound, inbound_id).auth_header = own_auth
        settings = self.ctx.settings
        prepared = self._parse(raw, mail_from, rcpt_tos, directory, own_auth, direct)
        route_all(routing, prepared, received_at, settings.mail.timezone, released)
        prepared.confirming = self._held(prepared, directory)
        return prepared

    def _held(self, prepared: Prepared, directory: RecipientDirectory) -> HeldSubmission | None:
        """A reply to a submission token: the held nota dinas or konsep, prepared as well
        (with the verdicts it had; nothing new proves its From, the token does)."""
        token = find_token(prepared, self.ctx.settings.mail.reply_local)
        if not token:
            return None
        today = local(self.ctx.clock(), self.ctx.settings.mail.timezone).date()
        with self.db.read() as session:
            try:
                submission_id, person_id = read_submission_token(
                    self.ctx.reply_secret(session), token, today
                )
            except TokenError:
                return None
            found = held_submission(session, submission_id, person_id)
            if found is None:
                return HeldSubmission(submission_id, person_id, 0, prepared)
            inbound_id, mail_from, rcpt_tos = found
            inbound = session.get_one(Inbound, inbound_id)
            raw = get_blob(session, inbound.raw_sha256)
            own_auth, source, peer = inbound.auth_header, inbound.source, inbound.peer or ""
        direct = self.verifier is not None and self.trust.checks_itself(source, peer)
        original = self._parse(raw, mail_from, rcpt_tos, directory, own_auth, direct)
        return HeldSubmission(submission_id, person_id, inbound_id, original)

    def _parse(
        self,
        raw: bytes,
        mail_from: str,
        rcpt_tos: list[str],
        directory: RecipientDirectory,
        own_auth: str | None,
        direct: bool,
    ) -> Prepared:
        """core.prepared.prepare with this worker's limits, trust and PDF readers."""
        return prepare(
            raw,
            mail_from,
            rcpt_tos,
            directory,
            self.ctx.limits,
            self.trust,
            own_auth,
            self.pdf_signatures,
            direct,
            self.pdf_reader(),
        )

    def _finish(self, session: Session, inbound_id: int, token: str, prepared: Prepared) -> Outcome:
        if not holds_claim(session, Inbound, inbound_id, token, InboundState.PROCESSING):
            return Outcome(inbound_id, "lost-claim", reason="another worker took over")
        now = self.ctx.clock()
        inbound = session.get_one(Inbound, inbound_id)
        # A pass that committed also counted an attempt: a row never attempted needs no
        # look for what an earlier pass wrote (three queries saved per letter).
        done = previous_outcome(session, inbound_id) if inbound.attempts else None
        if done is not None:
            # A second pass (a lease taken over after the first pass committed) changes
            # nothing: the state the first pass left is restored, nothing is registered.
            inbound.state, inbound.claim_token = done, None
            return Outcome(inbound_id, done, reason="already processed")
        outcome = self._dispatch(session, inbound, prepared, now)
        # Stamped after the stage, not before: the row then takes one UPDATE at commit,
        # together with the state the stage set, instead of one more in the stage's
        # first flush. No stage reads these four columns.
        inbound.message_id = prepared.parsed.message_id[:998]
        inbound.attempts += 1
        inbound.claim_token = None
        inbound.processed_at = now
        return outcome

    def _dispatch(
        self, session: Session, inbound: Inbound, prepared: Prepared, now: dt.datetime
    ) -> Outcome:
        """Machine mail, a reply to our mail, a new letter (a message can be both a reply
        and a letter when it is also addressed to a unit)."""
        automatic = prepared.automatic
        if automatic is not None and automatic.kind in MACHINE_KINDS:
            return self._machine_mail(
                session, inbound, prepared, automatic.kind, automatic.reason, now
            )
        if prepared.confirming is not None:
            return self._submitted(session, inbound, prepared, now)
        # A reply first: an official answering a notice with a position in Cc still has
        # their commands run; the position's copy then becomes their nota dinas.
        reply = self._reply(session, inbound, prepared, now)
        if reply is not None and reply.unit_code:
            self._to_unit(session, inbound, prepared, reply.unit_code)
        written = take_written(session, self.ctx, prepared, inbound, self.directory(session), now)
        if written is not None and not prepared.letters:
            if reply is not None and reply.state != "unmatched":
                return self._gateway_only(session, inbound, prepared, reply, now)
            return self._written(inbound, written)
        if not prepared.letters:
            return self._gateway_only(session, inbound, prepared, reply, now)
        held = quarantine_reason(prepared)
        if held:
            return self._hold(session, inbound, held, now)
        return self._letters(session, inbound, prepared, now)

    def _submitted(
        self, session: Session, inbound: Inbound, prepared: Prepared, now: dt.datetime
    ) -> Outcome:
        """Stage: KIRIM to a submission token creates the held nota dinas or konsep."""
        held = prepared.confirming
        assert held is not None
        if held.inbound_id == 0:
            written = Written("unconfirmed", "permintaan konfirmasi ini sudah tidak berlaku")
        else:
            written = confirm_submission(
                session, self.ctx, prepared, inbound, self.directory(session), now
            )
        inbound.kind, inbound.state = "submission", InboundState.REPLY
        inbound.reason = f"{written.state}: {written.reason}"[:2000]
        return Outcome(inbound.id, InboundState.REPLY, reason=inbound.reason)

    def _written(self, inbound: Inbound, written: Written) -> Outcome:
        """Stage: a nota dinas or konsep created, held for confirmation, or refused."""
        state = {
            "registered": InboundState.REGISTERED,
            "held": InboundState.REPLY,
            "refused": InboundState.IGNORED,
        }.get(written.state, InboundState.REPLY)
        inbound.kind = "naskah_dinas"
        inbound.state, inbound.reason = state, f"{written.state}: {written.reason}"[:2000]
        return Outcome(inbound.id, state, reason=inbound.reason)

    def _reply(
        self, session: Session, inbound: Inbound, prepared: Prepared, now: dt.datetime
    ) -> ReplyOutcome | None:
        """Stage: mail to the gateway's own addresses answers (or forges) one of our mails;
        a draft to keluar@ answers nothing (it is taken as a konsep)."""
        draft_local = self.ctx.settings.drafting.draft_local.lower()
        if all(r.local == draft_local for r in prepared.gateway_recipients):
            return None
        reply = handle_reply(session, self.ctx, prepared, inbound.id, now)
        if reply.disposition_id is not None:
            number = session.scalar(
                select(Naskah.agenda_number)
                .join(Disposition, Disposition.naskah_id == Naskah.id)
                .where(Disposition.id == reply.disposition_id)
            )
            line = (inbound.id, reply.disposition_id, reply.state, number or "")
            # Logged once the transaction committed: a rollback answered nothing.
            after_commit(session, lambda: _answered(*line))
        return reply

    def _to_unit(
        self, session: Session, inbound: Inbound, prepared: Prepared, unit_code: str
    ) -> None:
        """A reply to a receipt that is not STATUS: the agency writing to the unit again,
        registered there as a new letter and routed like any other."""
        if any(letter.unit_code == unit_code for letter in prepared.letters):
            return  # also addressed to the unit itself: registered there already
        directory = self.directory(session)
        local = next((k for k, code in directory.units.items() if code == unit_code), None)
        if local is None:
            return  # the unit has no address any more: it stays a recorded reply
        address = f"{local}@{directory.domain}".lower()
        letter = LetterForUnit(unit_code, [Recipient(address, local, "", "unit", unit_code)])
        zone = self.ctx.settings.mail.timezone
        letter.decision = route_letter(
            self.routing.get(session),
            prepared,
            letter,
            inbound.received_at,
            zone,
            inbound.release_quarantine,
        )
        letter.unit_code = letter.decision.unit
        prepared.letters.append(letter)

    def _gateway_only(
        self,
        session: Session,
        inbound: Inbound,
        prepared: Prepared,
        reply: ReplyOutcome | None,
        now: dt.datetime,
    ) -> Outcome:
        """Stage: addressed to no unit; a reply when it matched something, else ignored."""
        if reply is not None and reply.state != "unmatched":
            inbound.kind, inbound.state = "reply", InboundState.REPLY
            inbound.reason = f"{reply.state}: {reply.reason}" if reply.reason else reply.state
            return Outcome(inbound.id, InboundState.REPLY, reason=inbound.reason)
        addresses = ", ".join(r.address for r in prepared.gateway_recipients)
        reason = f"addressed only to the gateway ({addresses}) and answers nothing of ours"
        return self._ignore(session, inbound, "gateway", reason, now)

    def _letters(
        self, session: Session, inbound: Inbound, prepared: Prepared, now: dt.datetime
    ) -> Outcome:
        """Stage: register each unit's copy, then turn its routing decision into dispositions."""
        results = []
        for letter in prepared.letters:
            registered = register_letter(session, self.ctx, prepared, letter, inbound, now)
            if not registered.is_copy and letter.decision is not None:
                naskah = registered.naskah or session.get_one(Naskah, registered.naskah_id)
                unit = registered.unit or session.get_one(Unit, naskah.unit_id)
                thread_reply(session, self.ctx, naskah, prepared, letter.decision, now)
                apply_decision(
                    session, self.ctx, naskah, unit, letter.decision, prepared, letter, now
                )
            results.append(registered)
        inbound.kind = "letter"
        all_copies = all(r.is_copy for r in results)
        inbound.state = InboundState.DUPLICATE if all_copies else InboundState.REGISTERED
        inbound.reason = None
        return Outcome(inbound.id, inbound.state, tuple(results))

    def _machine_mail(
        self,
        session: Session,
        inbound: Inbound,
        prepared: Prepared,
        kind: str,
        reason: str,
        now: dt.datetime,
    ) -> Outcome:
        """Bounces mark our message undeliverable; auto-replies to notices are noted.

        Neither ever runs a command, sends a receipt or changes a disposition's state.
        """
        settings = self.ctx.settings
        bounced = bounced_outbox_id(prepared, settings.mail.sender_local)
        if kind == "bounce" and bounced is not None:
            reason = handle_bounce(session, self.ctx, bounced, prepared.dsn, now)
        elif kind == "auto" and prepared.gateway_recipients:
            match = match_incoming(session, self.ctx, prepared, now)
            if match is not None:
                disposition = session.get(Disposition, match.disposition_id)
                record_event(
                    session,
                    type="auto_reply",
                    actor=prepared.parsed.sender.address if prepared.parsed.sender else "system",
                    channel="email",
                    now=now,
                    naskah_id=disposition.naskah_id if disposition else None,
                    disposition_id=match.disposition_id,
                    payload={"subject": prepared.parsed.subject[:300], "reason": reason},
                )
        return self._ignore(session, inbound, kind, reason, now)

    def _ignore(
        self, session: Session, inbound: Inbound, kind: str, reason: str, now: dt.datetime
    ) -> Outcome:
        """Machine mail and mail to the gateway itself: recorded, never answered."""
        inbound.kind, inbound.state, inbound.reason = kind, InboundState.IGNORED, reason
        self.ctx.system_event(
            session,
            "ignored",
            now,
            inbound_id=inbound.id,
            payload={"kind": kind, "reason": reason},
        )
        return Outcome(inbound.id, InboundState.IGNORED, reason=reason)

    def _hold(self, session: Session, inbound: Inbound, reason: str, now: dt.datetime) -> Outcome:
        """A rule asked for an operator's look before registration."""
        inbound.kind, inbound.state, inbound.reason = "letter", InboundState.QUARANTINED, reason
        record_event(
            session,
            type="quarantined",
            actor="rules",
            channel="rule",
            now=now,
            inbound_id=inbound.id,
            payload={"reason": reason, "by_rule": True},
        )
        return Outcome(inbound.id, InboundState.QUARANTINED, reason=reason)

    def _retry_or_quarantine(self, inbound_id: int, token: str, err: Exception) -> Outcome:
        with self.db.write() as session:
            if not holds_claim(session, Inbound, inbound_id, token, InboundState.PROCESSING):
                return Outcome(inbound_id, "lost-claim")
            inbound = session.get_one(Inbound, inbound_id)
            inbound.attempts += 1
            if inbound.attempts < self.ctx.settings.worker.max_conflict_retries:
                inbound.state, inbound.claim_token = InboundState.RECEIVED, None
                return Outcome(inbound_id, InboundState.RECEIVED, reason="retry after conflict")
        return self.quarantine(inbound_id, token, _describe(err), traceback.format_exc())

    def quarantine(self, inbound_id: int, token: str, reason: str, trace: str) -> Outcome:
        """Keep the message, out of the pipeline, with the reason an operator reads."""
        # The reason's first line: an error's detail lines may quote what the mail held.
        log.warning("inbound %s quarantined: %s", inbound_id, reason.partition("\n")[0][:500])
        now = self.ctx.clock()
        with self.db.write() as session:
            if not holds_claim(session, Inbound, inbound_id, token, InboundState.PROCESSING):
                return Outcome(inbound_id, "lost-claim")
            inbound = session.get_one(Inbound, inbound_id)
            inbound.state, inbound.reason = InboundState.QUARANTINED, reason[:2000]
            inbound.traceback, inbound.claim_token = trace or None, None
            inbound.processed_at = now
            self.ctx.system_event(
                session,
                "quarantined",
                now,
                inbound_id=inbound_id,
                payload={"reason": reason[:2000]},
            )
        return Outcome(inbound_id, InboundState.QUARANTINED, reason=reason)

    def run_once(self) -> Outcome | None:
        """Claim and process one message; None when there was nothing to do."""
        ids, token = self.claim()
        return self.process(ids[0], token) if ids else None

    def run_batch(self, stopping: Callable[[], bool] = lambda: False) -> Outcome | None:
        """Claim up to [worker] claim_batch messages in one transaction and process them
        in turn (one claim commit for several letters); the last outcome, or None.

        The lease runs from the claim: the messages not yet begun go back for any worker
        when the batch has used a third of it (slow DNS), when `stopping()` says so
        (SIGTERM), or when processing one of them failed unexpectedly."""
        worker = self.ctx.settings.worker
        ids, token = self.claim(max(1, worker.claim_batch))
        started = time.monotonic()
        outcome = None
        begun = 0
        try:
            for inbound_id in ids:
                late = time.monotonic() - started > worker.lease_seconds / 3
                if begun and (late or stopping()):
                    break
                begun += 1
                outcome = self.process(inbound_id, token)
        finally:
            if begun < len(ids):
                self.release(ids[begun:], token)
        return outcome

    async def run(self, stop: asyncio.Event, wake: asyncio.Event) -> None:
        """Work until `stop`; sleep until `wake` (new mail) or the poll interval."""
        interval = self.ctx.settings.worker.poll_interval
        while not stop.is_set():
            # Cleared before the pass: a wake-up during it is kept for the wait below.
            wake.clear()
            try:
                outcome = await asyncio.to_thread(self.run_batch, stop.is_set)
            except Exception:
                log.exception("worker pass failed (database unavailable?); retrying")
                outcome = None
            if outcome is not None or stop.is_set():
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), interval)


def _answered(inbound_id: int, disposition_id: int, state: str, number: str) -> None:
    with logs.letter(agenda_number=number):
        log.info("inbound %s answers disposition %s: %s", inbound_id, disposition_id, state)


def _check_again(stored: str | None) -> bool:
    """Check a sender when never checked, or when DNS failed last time (a requeue)."""
    return stored is None or "dmarc=temperror" in stored


def previous_outcome(session: Session, inbound_id: int) -> str | None:
    """The state an earlier, committed pass over this inbound left, from what it wrote."""
    roles = set(
        session.scalars(select(NaskahSource.role).where(NaskahSource.inbound_id == inbound_id))
    )
    if roles:
        return InboundState.REGISTERED if "original" in roles else InboundState.DUPLICATE
    replied = session.scalar(
        select(ReplyCommand.id).where(ReplyCommand.inbound_id == inbound_id).limit(1)
    )
    if replied is not None:
        return InboundState.REPLY
    held = session.scalar(
        select(Submission.id)
        .where(
            (Submission.inbound_id == inbound_id)
            | (Submission.confirmed_by_inbound_id == inbound_id)
        )
        .limit(1)
    )
    return InboundState.REPLY if held is not None else None


def _describe(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"


def requeue(
    db: Database,
    inbound_ids: list[int] | None,
    now: dt.datetime,
    actor: str,
    release: bool = False,
    channel: str = "cli",
) -> list[int]:
    """Send quarantined messages through the pipeline again (all when ids is None).

    `release` is the operator's verdict that a rule's quarantine does not apply.
    """
    with db.write() as session:
        query = select(Inbound).where(Inbound.state == InboundState.QUARANTINED)
        if inbound_ids is not None:
            query = query.where(Inbound.id.in_(inbound_ids))
        rows = list(session.scalars(query.order_by(Inbound.id)))
        for row in rows:
            row.state, row.claim_token, row.claimed_at = InboundState.RECEIVED, None, None
            row.release_quarantine = row.release_quarantine or release
            record_event(
                session,
                type="released" if release else "requeued",
                actor=actor,
                channel=channel,
                now=now,
                inbound_id=row.id,
                payload={"previous_reason": row.reason},
            )
        return [row.id for row in rows]


def discard(
    db: Database, inbound_ids: list[int], now: dt.datetime, actor: str, reason: str, channel: str
) -> list[int]:
    """Set quarantined messages aside for good, with a reason: kept (never deleted), out
    of the quarantine list, and on the audit trail."""
    with db.write() as session:
        query = select(Inbound).where(
            Inbound.state == InboundState.QUARANTINED, Inbound.id.in_(inbound_ids)
        )
        rows = list(session.scalars(query.order_by(Inbound.id)))
        for row in rows:
            previous = row.reason
            row.state = InboundState.IGNORED
            row.reason = f"dibuang dari karantina oleh {actor}: {reason}"[:2000]
            record_event(
                session,
                type="discarded",
                actor=actor,
                channel=channel,
                now=now,
                inbound_id=row.id,
                payload={"previous_reason": previous, "reason": reason},
            )
        return [row.id for row in rows]
