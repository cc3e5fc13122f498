"""Group commit: concurrent messages share commits; a failing one costs only itself."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

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
