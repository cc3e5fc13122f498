"""The outbox worker: claims due messages, relays them, schedules retries with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import logs
from gateway.config import Settings
from gateway.core.states import OutboxState
from gateway.db.claims import claim_rows, holds_claim, new_token
from gateway.db.engine import Database
from gateway.db.models import Naskah, Outbox
from gateway.outbound.dkimsign import DkimSigner
from gateway.outbound.relay import DeliveryResult, SmarthostSession

log = logging.getLogger("tnde.outbox")
# Deliveries whose results are committed together (at most this many are sent again
# after a crash between the smarthost's 250 and our commit).
RECORD_EVERY = 5

# Told, inside the transaction that marks the row failed, that a message was refused for
# good (5xx): the workflow marks the address and alerts the TU desk. Injected by the app.
Undeliverable = Callable[[Session, Outbox, str, dt.datetime], None]


class OutboxSender:
    """Relays queued outbox rows; does nothing while no smarthost is configured."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Callable[[], dt.datetime],
        on_undeliverable: Undeliverable,
        signer: DkimSigner | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.on_undeliverable = on_undeliverable
        # Signs each message as it leaves (the stored copy stays unsigned, so a new key
        # applies to retries too); None when [dkim] has no key.
        self.signer = signer
        self.helo = self.settings.smtp.hostname or self.settings.mail.domain

    @property
    def enabled(self) -> bool:
        return bool(self.settings.outbound.smarthost.strip())

    def run_once(self) -> int:
        """Deliver one batch of due messages; return how many were attempted."""
        token = new_token()
        now = self.clock()
        out = self.settings.outbound
        with self.db.write() as session:
            ids = claim_rows(
                session,
                Outbox,
                ready=(Outbox.state == OutboxState.QUEUED) & (Outbox.next_attempt_at <= now),
                now=now,
                lease=dt.timedelta(seconds=out.lease_seconds),
                token=token,
                busy_state=OutboxState.SENDING,
                limit=out.batch_size,
            )
        # One connection to the smarthost for the batch, and the results committed a few
        # at a time: a commit per mail queued behind registration for SQLite's write lock
        # and fell behind under load. A crash between the smarthost's 250 and the commit
        # sends those few again, with the same Message-ID (at least once; receivers can
        # drop the copy).
        done: list[tuple[int, DeliveryResult]] = []
        try:
            with SmarthostSession(out, self.helo) as smarthost:
                for outbox_id in ids:
                    done.append((outbox_id, self._deliver_one(smarthost, outbox_id)))
                    if len(done) >= RECORD_EVERY:
                        self._record(done, token)
                        done = []
        finally:
            if done:  # what was sent is recorded even when a later mail failed oddly
                self._record(done, token)
        return len(ids)

    def _deliver_one(self, smarthost: SmarthostSession, outbox_id: int) -> DeliveryResult:
        with self.db.read() as session:
            row = session.execute(
                select(Outbox.mail_from, Outbox.rcpt_to, Outbox.message).where(
                    Outbox.id == outbox_id
                )
            ).one()
            about = _about(session, outbox_id)
        message = bytes(row[2])
        if self.signer is not None:
            message = self.signer.sign(message)
        with logs.letter(**about):
            result = smarthost.send(row[0], row[1], message)
            log.debug("outbox %s: %s (%s)", outbox_id, result.outcome, result.detail)
        return result

    def _record(self, results: list[tuple[int, DeliveryResult]], token: str) -> None:
        """The outcome of each delivery, in one transaction."""
        now = self.clock()
        out = self.settings.outbound
        with self.db.write() as session:
            for outbox_id, result in results:
                if not holds_claim(session, Outbox, outbox_id, token, OutboxState.SENDING):
                    continue  # Our lease expired and someone else took it over.
                row = session.get_one(Outbox, outbox_id)
                row.attempts += 1
                row.claim_token = None
                row.last_error = None if result.outcome == "sent" else result.detail
                if result.outcome == "sent":
                    row.state, row.sent_at = OutboxState.SENT, now
                elif result.outcome == "permanent" or now - row.created_at > dt.timedelta(
                    seconds=out.give_up_after
                ):
                    about = _about(session, outbox_id)
                    log.warning(
                        "outbox %s failed permanently: %s", outbox_id, result.detail, extra=about
                    )
                    row.state = OutboxState.FAILED
                    if result.outcome == "permanent":
                        # A 5xx for a notice is a bounce: mark the address, alert the TU.
                        self.on_undeliverable(session, row, result.detail, now)
                else:
                    row.state = OutboxState.QUEUED
                    attempt = row.attempts - 1
                    delay = min(out.first_retry_delay * 2**attempt, out.max_retry_delay)
                    row.next_attempt_at = now + dt.timedelta(seconds=delay)
                    about = _about(session, outbox_id)
                    text = "outbox %s retry in %.0fs: %s"
                    log.info(text, outbox_id, delay, result.detail, extra=about)

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until `stop` is set, polling for due messages."""
        while not stop.is_set():
            attempted = 0
            if self.enabled:
                try:
                    attempted = await asyncio.to_thread(self.run_once)
                except Exception:
                    log.exception("outbox pass failed; will retry")
            if not attempted:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.outbound.poll_interval)


def _about(session: Session, outbox_id: int) -> dict[str, Any]:
    """The log fields of one outgoing mail: its row, Message-ID, and the inbound and
    agenda number it belongs to (when it does)."""
    row = session.execute(
        select(Outbox.message_id, Outbox.inbound_id, Naskah.agenda_number)
        .outerjoin(Naskah, Naskah.id == Outbox.naskah_id)
        .where(Outbox.id == outbox_id)
    ).one()
    return {
        "outbox_id": outbox_id,
        "message_id": row.message_id,
        "inbound_id": row.inbound_id,
        "agenda_number": row.agenda_number or "",
    }
