"""Read one IMAP account: claim in the ledger, fetch with BODY.PEEK[], store, then move.

A crash at any point is safe: a message is moved or flagged only after its Inbound row is
committed, and on every pass the ledger and the mailbox are reconciled (claimed-but-not-
stored messages are fetched again; stored-but-not-moved ones are moved). \\Seen is never
used. The account runs in its own thread; its failures are retried with backoff and never
touch other accounts, SMTP intake or the panel.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from gateway.config import ImapAccount, Settings
from gateway.core.directory import RecipientDirectory
from gateway.db.engine import Database
from gateway.intake.imap import ledger
from gateway.intake.imap.connection import connect
from gateway.intake.store import Envelope
from gateway.logs import letter, raw_message_id

log = logging.getLogger("tnde.imap")
# imapclient traces the IMAP protocol at DEBUG (what a mailbox holds): never in our logs.
logging.getLogger("imapclient.imaplib").setLevel(logging.INFO)
DELETED = b"\\Deleted"
MAX_BACKOFF = 300.0
# IDLE is checked in slices this long, so a stop request is seen within seconds.
IDLE_SLICE = 2.0


@dataclass
class PollerDeps:
    """What a poller needs from the application."""

    db: Database
    settings: Settings
    clock: Callable[[], dt.datetime]
    directory: Callable[[], RecipientDirectory]
    on_stored: Callable[[int], None]
    on_too_big: Callable[[ImapAccount, str, int, int], None]


def chunks(items: list[int], size: int) -> Iterator[list[int]]:
    """Fixed-size slices: long UID sets in one command fail on some servers."""
    for start in range(0, len(items), max(size, 1)):
        yield items[start : start + max(size, 1)]


class AccountPoller:
    """The reading loop of one account."""

    def __init__(self, deps: PollerDeps, account: ImapAccount) -> None:
        self.deps = deps
        self.account = account
        self.max_size = account.max_message_size or deps.settings.mail.max_message_size
        self._folders_ensured: set[str] = set()
        # UIDNEXT of each folder as the last sync saw it: mail that arrives between a sync
        # and the IDLE command shows up as a larger UIDNEXT when IDLE's folder is selected.
        self._uidnext: dict[str, int] = {}

    # ------------------------------------------------------------------ loop

    def run(self, stop: threading.Event) -> None:
        """Connect, sync, wait (IDLE or poll); on failure back off and reconnect."""
        backoff = 1.0
        while not stop.is_set():
            try:
                self.session(stop)
                backoff = 1.0
            except Exception as err:  # every failure of this account stays in this account
                message = f"IMAP account {self.account.name}: {err}"
                debug = log.isEnabledFor(logging.DEBUG)
                log.warning("%s; retrying in %.0fs", message, backoff, exc_info=debug)
                self._health(message)
                stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    def session(self, stop: threading.Event) -> None:
        """One connection: sync every folder, then wait for news until told to stop."""
        client = connect(self.account)
        self._folders_ensured.clear()
        try:
            capabilities = " ".join(c.decode() for c in client.capabilities())
            self._health(None, capabilities)
            while not stop.is_set():
                self.sync_all(client)
                self._health(None)
                self.wait(client, stop)
        finally:
            with contextlib.suppress(Exception):  # the connection may already be gone
                client.logout()

    def sync_all(self, client: IMAPClient) -> int:
        stored = 0
        for folder in self.account.folders:
            try:
                stored += self.sync_folder(client, folder)
            except IMAPClientError as err:
                raise IMAPClientError(f"folder {folder!r}: {err}") from err
        return stored

    def wait(self, client: IMAPClient, stop: threading.Event) -> None:
        """IDLE on the first folder when possible; otherwise sleep until the next poll."""
        if not (self.account.idle and client.has_capability("IDLE")):
            stop.wait(self.account.poll_interval)
            return
        folder = self.account.folders[0]
        info = client.select_folder(folder)
        if int(info.get(b"UIDNEXT", 0)) != self._uidnext.get(folder):
            return  # something arrived since the sync: sync again before idling
        client.idle()
        started = time.monotonic()
        limit = min(self.account.idle_restart, self.account.reconcile_interval)
        quick_empty = 0
        try:
            while not stop.is_set() and time.monotonic() - started < limit:
                before = time.monotonic()
                responses = client.idle_check(timeout=IDLE_SLICE)
                if any(r[1] in (b"EXISTS", b"RECENT") for r in responses if len(r) > 1):
                    break
                quick = not responses and time.monotonic() - before < IDLE_SLICE / 2
                quick_empty = quick_empty + 1 if quick else 0
                if quick_empty >= 3:
                    # Readable again and again with nothing to read: the server hung up.
                    raise ConnectionError("server closed the connection during IDLE")
        except BaseException:
            with contextlib.suppress(Exception):
                client.idle_done()
            raise
        client.idle_done()

    # ------------------------------------------------------------------ one folder

    def sync_folder(self, client: IMAPClient, folder: str) -> int:
        """Reconcile ledger and folder, then claim, fetch, store and dispose of new mail."""
        info = client.select_folder(folder)
        uidvalidity = int(info[b"UIDVALIDITY"])
        self._uidnext[folder] = int(info.get(b"UIDNEXT", 0))
        name = self.account.name
        with self.deps.db.read() as session:
            highest, unfinished = ledger.progress(session, name, folder, uidvalidity)
            resync = highest is None and ledger.has_history(session, name, folder)
        if resync:
            log.warning(
                "IMAP %s/%s: UIDVALIDITY is now %s: full resync (dedup by hash)",
                name,
                folder,
                uidvalidity,
            )
        start = 1 if highest is None else highest + 1
        # "UID n:*" always returns the last message, even when n is past it.
        new = [u for u in client.search(["UID", f"{start}:*"]) if u >= start]
        retry = [u for u, state in unfinished.items() if state == "claimed"]
        pending = [u for u, state in unfinished.items() if state in ledger.NEEDS_MAILBOX_ACTION]
        stored = self._take(client, folder, uidvalidity, sorted(set(new) | set(retry)), pending)
        return stored

    def _take(
        self, client: IMAPClient, folder: str, uidvalidity: int, uids: list[int], pending: list[int]
    ) -> int:
        now = self.deps.clock()
        wanted = self._claim_sizes(client, folder, uidvalidity, uids, now)
        stored = 0
        for chunk in chunks(wanted, self.account.fetch_chunk):
            fetched = client.fetch(chunk, ["BODY.PEEK[]"])
            done, vanished = [], []
            for uid in chunk:
                body = fetched.get(uid, {}).get(b"BODY[]")
                if body is None:  # deleted from the mailbox between SEARCH and FETCH
                    vanished.append(uid)
                    continue
                if self._store(folder, uidvalidity, uid, bytes(body)):
                    stored += 1
                done.append(uid)
            if vanished:
                db, name, now = self.deps.db, self.account.name, self.deps.clock()
                ledger.mark(db, name, folder, uidvalidity, vanished, "vanished", now)
            self._dispose(client, folder, uidvalidity, done)
        if pending:
            self._dispose(client, folder, uidvalidity, pending)
        return stored

    def _claim_sizes(
        self, client: IMAPClient, folder: str, uidvalidity: int, uids: list[int], now: dt.datetime
    ) -> list[int]:
        """Check sizes before downloading; too-big ones are recorded, never fetched."""
        wanted, too_big = [], []
        for chunk in chunks(uids, 500):
            sizes = client.fetch(chunk, ["RFC822.SIZE"])
            with self.deps.db.write() as session:
                for uid in chunk:
                    if uid not in sizes:
                        continue  # expunged by someone between SEARCH and FETCH
                    size = int(sizes[uid].get(b"RFC822.SIZE", 0))
                    state = "too_big" if size > self.max_size else "claimed"
                    fresh = ledger.claim(
                        session, self.account.name, folder, uidvalidity, uid, size, state, now
                    )
                    if state == "claimed":
                        wanted.append(uid)
                    elif fresh:
                        too_big.append((uid, size))
        for uid, size in too_big:  # after the commit: reporting writes in its own transaction
            self.deps.on_too_big(self.account, folder, uid, size)
            self._move_too_big(client, uid)
        return wanted

    def _store(self, folder: str, uidvalidity: int, uid: int, raw: bytes) -> bool:
        headers = BytesHeaderParser().parsebytes(raw)  # once, for sender and recipients
        envelope = Envelope(
            source="imap",
            mail_from=_return_path(headers),
            rcpt_tos=self._recipients(headers),
            source_ref=f"{self.account.name}/{folder}/{uidvalidity}/{uid}",
            peer=self.account.host,
        )
        inbound_id = ledger.store(
            self.deps.db,
            self.account.name,
            folder,
            uidvalidity,
            uid,
            raw,
            envelope,
            self.deps.clock(),
        )
        if inbound_id is not None:
            with letter(message_id=raw_message_id(raw), inbound_id=inbound_id):
                log.info("IMAP %s: stored %s as inbound %s", self.account.name, uid, inbound_id)
            self.deps.on_stored(inbound_id)
        return inbound_id is not None

    def _recipients(self, headers: Message) -> list[str]:
        """Our addresses named in the headers; else the account's deliver_to address."""
        named = [
            str(v)
            for key in ("to", "cc", "delivered-to", "x-original-to")
            for v in headers.get_all(key, [])
        ]
        directory = self.deps.directory()
        ours = []
        for _, address in getaddresses(named):
            recipient = directory.resolve(address)
            if (
                recipient is not None
                and recipient.kind != "gateway"
                and recipient.address not in ours
            ):
                ours.append(recipient.address)
        return ours or [self.account.deliver_to.lower()]

    # ------------------------------------------------------------------ mailbox actions

    def _dispose(self, client: IMAPClient, folder: str, uidvalidity: int, uids: list[int]) -> None:
        """After the commit: move to the registered folder (or flag) - never before."""
        if not uids:
            return
        if self.account.after == "flag":
            client.add_flags(uids, [self.account.flag.encode()])
            state = "flagged"
        else:
            self._move(client, uids, self.account.move_to)
            state = "moved"
        ledger.mark(
            self.deps.db, self.account.name, folder, uidvalidity, uids, state, self.deps.clock()
        )

    def _move(self, client: IMAPClient, uids: list[int], target: str) -> None:
        self._ensure_folder(client, target)
        if client.has_capability("MOVE"):
            client.move(uids, target)
            return
        # RFC 6851 fallback: COPY, mark \Deleted, expunge only these (UIDPLUS) if possible.
        client.copy(uids, target)
        client.add_flags(uids, [DELETED])
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            client.expunge()

    def _move_too_big(self, client: IMAPClient, uid: int) -> None:
        if self.account.too_big_folder:
            self._move(client, [uid], self.account.too_big_folder)

    def _ensure_folder(self, client: IMAPClient, folder: str) -> None:
        if folder in self._folders_ensured:
            return
        if not client.folder_exists(folder):
            client.create_folder(folder)
        self._folders_ensured.add(folder)

    def _health(self, error: str | None, capabilities: str | None = None) -> None:
        try:
            ledger.record_health(
                self.deps.db, self.account.name, self.deps.clock(), error, capabilities
            )
        except Exception as err:  # the database may be the thing that is down
            log.warning("IMAP %s: cannot record health: %s", self.account.name, err)


def _return_path(headers: Message) -> str:
    """The envelope sender as the delivering MTA recorded it (Return-Path: <> is a bounce);
    a mailbox without Return-Path headers gives the From address instead."""
    if "return-path" in headers:
        value = str(headers.get("return-path", "")).strip().strip("<>")
        return value if "@" in value else ""
    addresses = getaddresses([str(headers.get("from", ""))])
    return addresses[0][1] if addresses and "@" in addresses[0][1] else ""


def describe(info: dict[Any, Any]) -> dict[str, int]:
    """SELECT response values as plain ints (for `tnde imap test`)."""
    return {k.decode(): int(v) for k, v in info.items() if isinstance(v, int)}
