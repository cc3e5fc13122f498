"""Group commit: concurrent messages share commits; a failing one costs only itself."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import select

from gateway import logs
from gateway.app import App
from gateway.db.blobs import get_blob
from gateway.db.models import Inbound
from gateway.intake.groupcommit import GroupCommit
from gateway.intake.store import Envelope
from tests.support.gateway import gateway_settings


def _envelope(n: int) -> Envelope:
    return Envelope("smtp", f"tu{n}@kemkes.go.id", ["dinkes@x.go.id"], peer="127.0.0.1:1")


async def _store_all(committer: GroupCommit, messages: list[tuple[bytes, Any]]) -> list[Any]:
    return await asyncio.gather(
        *(committer.store(raw, envelope) for raw, envelope in messages), return_exceptions=True
    )


def test_concurrent_messages_share_commits_and_each_gets_its_own_row(db_url: str) -> None:
    app = App.build(gateway_settings(db_url))
    try:
        committer = GroupCommit(app.db, app.clock)
        messages = [(f"Subject: {n}\r\n\r\nisi {n}\r\n".encode(), _envelope(n)) for n in range(40)]
        ids = asyncio.run(_store_all(committer, messages))
        assert len(set(ids)) == 40 and all(isinstance(i, int) for i in ids)
        # 40 arrivals, far fewer commits: those that came during a commit shared the next.
        assert committer.batches < 20, committer.batches
        with app.db.read() as session:
            for inbound_id, (raw, envelope) in zip(ids, messages, strict=True):
                row = session.get_one(Inbound, inbound_id)
                assert row.mail_from == envelope.mail_from
                assert get_blob(session, row.raw_sha256) == raw
    finally:
        app.close()


def test_one_message_that_cannot_be_stored_fails_alone(sqlite_url: str) -> None:
    app = App.build(gateway_settings(sqlite_url))
    try:
        committer = GroupCommit(app.db, app.clock)
        broken = Envelope(None, "x@y.go.id")  # type: ignore[arg-type]  # NOT NULL column
        messages: list[tuple[bytes, Any]] = [
            (b"Subject: a\r\n\r\na\r\n", _envelope(n)) for n in range(5)
        ]
        messages.insert(2, (b"Subject: b\r\n\r\nb\r\n", broken))
        results = asyncio.run(_store_all(committer, messages))
        assert isinstance(results[2], Exception)
        stored = [r for i, r in enumerate(results) if i != 2]
        assert all(isinstance(r, int) for r in stored), results
        with app.db.read() as session:
            assert sorted(session.scalars(select(Inbound.id))) == sorted(stored)
    finally:
        app.close()


class _Lines(logging.Handler):
    """The records logged, with the letter fields a real handler would add."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(logs.LetterFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_shared_commit_is_not_logged_as_the_first_sessions_letter(sqlite_url: str) -> None:
    """Session A starts the commit loop; B and C arrive while A's commit waits for the
    write lock and share the next batch, which fails: its line is about no one letter,
    least of all A's (the loop must not inherit A's Message-ID)."""
    app = App.build(gateway_settings(sqlite_url))
    lines = _Lines()
    intake = logging.getLogger("tnde.intake")
    intake.addHandler(lines)
    try:
        committer = GroupCommit(app.db, app.clock)
        broken = Envelope(None, "x@y.go.id")  # type: ignore[arg-type]  # NOT NULL column

        def session(message_id: str, envelope: Envelope) -> asyncio.Task[int]:
            # As IntakeHandler.handle_DATA: the store call runs inside the letter's block.
            with logs.letter(message_id=message_id):
                raw = f"Message-ID: {message_id}\r\n\r\nisi\r\n".encode()
                return asyncio.ensure_future(committer.store(raw, envelope))

        async def overlapping() -> list[Any]:
            with app.db.write() as held:
                held.connection()  # BEGIN IMMEDIATE: A's commit waits for this lock
                a = session("<a@kemkes.go.id>", _envelope(1))
                while not committer._queue:
                    await asyncio.sleep(0)
                while committer._queue:  # taken by the commit loop, now in its thread
                    await asyncio.sleep(0.01)
                b = session("<b@kemkes.go.id>", _envelope(2))
                c = session("<c@kemkes.go.id>", broken)
                while len(committer._queue) < 2:
                    await asyncio.sleep(0)
            return await asyncio.gather(a, b, c, return_exceptions=True)

        results = asyncio.run(overlapping())
    finally:
        intake.removeHandler(lines)
        app.close()
    assert isinstance(results[0], int) and isinstance(results[1], int), results
    assert isinstance(results[2], Exception), results
    failed = [r for r in lines.records if "one by one" in r.getMessage()]
    assert len(failed) == 1, [r.getMessage() for r in lines.records]
    assert failed[0].getMessage().startswith("group commit of 2 messages failed (")
    assert getattr(failed[0], "message_id", None) is None, failed[0].message_id  # type: ignore[attr-defined]
