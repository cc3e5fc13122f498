"""Group commit: messages from many sessions stored in one transaction, one fsync.

A durable commit costs an fsync and, on SQLite, a turn at the single write lock (which a
worker may hold for a letter's registration). While one commit runs, the messages that
arrive wait for the next one, which takes them all: an idle gateway commits each message
at once, a busy one pays one commit for many. Each session's 250 still comes only after
the commit that holds its message; when a shared commit fails, its messages are stored
one by one, so one bad message cannot cost the others their 250.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import OperationalError

from gateway.db.engine import Database
from gateway.intake.store import Envelope, add_inbounds, store_inbound

log = logging.getLogger("tnde.intake")
# At most this many messages, or this many bytes, share one transaction.
MAX_MESSAGES = 64
MAX_BYTES = 32 * 1024 * 1024


@dataclass
class _Waiting:
    raw: bytes
    envelope: Envelope
    done: asyncio.Future[int]


def store_together(
    db: Database, messages: list[tuple[bytes, Envelope]], now: dt.datetime
) -> list[int]:
    """Commit every message in one transaction; their Inbound ids, in order."""
    with db.write() as session:
        return add_inbounds(session, messages, now)


@dataclass
class GroupCommit:
    """The intake's storage: `await store(raw, envelope)` returns once it is durable."""

    db: Database
    clock: Callable[[], dt.datetime]
    max_messages: int = MAX_MESSAGES
    max_bytes: int = MAX_BYTES
    _queue: list[_Waiting] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None  # the commit loop while it runs (kept alive)
    batches: int = 0  # commits so far (for tests and the benchmark)

    async def store(self, raw: bytes, envelope: Envelope) -> int:
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.append(_Waiting(raw, envelope, done))
        if self._task is None or self._task.done():
            # A context of its own: the loop commits other sessions' messages too, so its
            # lines must not carry this session's letter (its Message-ID).
            self._task = asyncio.get_running_loop().create_task(
                self._commit_all(), context=contextvars.Context()
            )
        return await done

    def _next_batch(self) -> list[_Waiting]:
        batch: list[_Waiting] = []
        size = 0
        while self._queue and len(batch) < self.max_messages:
            if self._queue[0].done.done():
                self._queue.pop(0)  # its session went away before the commit: not stored
                continue
            if batch and size + len(self._queue[0].raw) > self.max_bytes:
                break
            size += len(self._queue[0].raw)
            batch.append(self._queue.pop(0))
        return batch

    async def _commit_all(self) -> None:
        batch: list[_Waiting] = []
        try:
            while self._queue:
                batch = self._next_batch()
                if batch:
                    await self._commit(batch)
        except asyncio.CancelledError:
            # Shutting down: whoever still waits gets an error (451), not silence. (A
            # batch whose commit was under way may be stored: a resend is a duplicate
            # that registration recognises.)
            for waiting in [*batch, *self._queue]:
                _settle(waiting, error=ConnectionAbortedError("shutting down"))
            self._queue.clear()
            raise
        finally:
            self._task = None

    async def _commit(self, batch: list[_Waiting]) -> None:
        messages = [(w.raw, w.envelope) for w in batch]
        try:
            ids = await asyncio.to_thread(store_together, self.db, messages, self.clock())
        except Exception as err:
            if len(batch) == 1 or isinstance(err, OperationalError):
                # The database itself (locked, gone): every message of the batch gets its
                # 451 now, rather than each waiting out its own timeout in turn.
                for waiting in batch:
                    _settle(waiting, error=err)
                return
            log.warning("group commit of %d messages failed (%s); one by one", len(batch), err)
            for waiting in batch:
                if not waiting.done.done():  # a session gone meanwhile is not stored
                    await self._commit_one(waiting)
            return
        self.batches += 1
        for waiting, inbound_id in zip(batch, ids, strict=True):
            _settle(waiting, inbound_id)

    async def _commit_one(self, waiting: _Waiting) -> None:
        try:
            inbound_id = await asyncio.to_thread(
                store_inbound, self.db, waiting.raw, waiting.envelope, self.clock()
            )
        except Exception as err:
            _settle(waiting, error=err)
            return
        self.batches += 1
        _settle(waiting, inbound_id)


def _settle(waiting: _Waiting, inbound_id: int = 0, error: Exception | None = None) -> None:
    if waiting.done.done():  # the session went away (cancelled); the row stays stored
        return
    if error is not None:
        waiting.done.set_exception(error)
    else:
        waiting.done.set_result(inbound_id)
