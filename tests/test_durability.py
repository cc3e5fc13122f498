"""Faults during DATA: 451 and nothing half-written; after recovery, registered once."""

from __future__ import annotations

import datetime as dt
import smtplib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from gateway.app import App
from gateway.db.models import Blob, Inbound, Naskah, Outbox
from gateway.intake.store import Envelope, store_inbound
from tests.support.gateway import RunningGateway, gateway_settings, serve_env, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import count, naskah_rows, settled
from tests.support.tcpproxy import TcpProxy

SENDER = "tu@dinkes.jatengprov.go.id"


def send(gateway: RunningGateway, raw: bytes) -> tuple[int, bytes]:
    with gateway.smtp() as client:
        client.ehlo()
        client.mail(SENDER)
        assert client.rcpt(f"setda@{DOMAIN}")[0] == 250
        return client.data(raw)


def test_postgres_down_during_data_gives_451_then_registers_once(
    proxied_pg: tuple[RunningGateway, TcpProxy], pg_url: str
) -> None:
    gateway, proxy = proxied_pg
    assert send(gateway, letter(subject="sebelum"))[0] == 250
    wait_for(lambda: count(gateway.app, Naskah) == 1, what="first letter registered")
    outage_letter = letter(subject="saat gangguan")
    proxy.cut()
    code, reply = send(gateway, outage_letter)
    assert code == 451 and reply.startswith(b"4.3.0 "), reply
    proxy.restore()
    # Nothing of the refused message exists: one inbound row, one raw blob.
    assert count(gateway.app, Inbound) == 1
    assert count(gateway.app, Blob) == 1
    # The client keeps the message and retries after recovery.
    assert send(gateway, outage_letter)[0] == 250
    wait_for(lambda: settled(gateway.app) and count(gateway.app, Naskah) == 2)
    subjects = sorted(n.subject for n in naskah_rows(gateway.app))
    assert subjects == ["saat gangguan", "sebelum"]
    assert [n.seq for n in naskah_rows(gateway.app)] == [1, 2]


def test_sqlite_locked_during_data_gives_451_then_registers_once(
    sqlite_template: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'tnde.db'}"
    (tmp_path / "tnde.db").write_bytes(sqlite_template.read_bytes())
    settings = gateway_settings(url, database={"busy_timeout": 1.0})
    gateway = RunningGateway(App.build(settings)).start()
    try:
        # Another process holds the write lock longer than our busy timeout.
        blocker = sqlite3.connect(tmp_path / "tnde.db", isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        code, reply = send(gateway, letter())
        blocker.execute("ROLLBACK")
        blocker.close()
        assert code == 451 and reply.startswith(b"4.3.0 "), reply
        assert count(gateway.app, Inbound) == 0
        assert send(gateway, letter(message_id="<sama@dinkes.jatengprov.go.id>"))[0] == 250
        wait_for(lambda: count(gateway.app, Naskah) == 1 and settled(gateway.app))
    finally:
        gateway.stop()


def _stale_claim(app: App, inbound_id: int) -> None:
    """What a worker that died mid-message leaves: its claim, older than the lease."""
    stale = app.clock() - dt.timedelta(seconds=app.settings.worker.lease_seconds + 1)
    with app.db.write() as session:
        changed = session.execute(
            update(Inbound)
            .where(Inbound.id == inbound_id)
            .values(state="processing", claim_token="dead-worker", claimed_at=stale)
        )
        assert getattr(changed, "rowcount", 0) == 1  # a real row, or the test proves nothing


def test_a_dead_workers_claim_is_taken_over_after_the_lease(sqlite_url: str) -> None:
    app = App.build(gateway_settings(sqlite_url))
    # Stored before any worker runs, then claimed by a worker that "died".
    envelope = Envelope(source="smtp", mail_from=SENDER, rcpt_tos=[f"setda@{DOMAIN}"])
    inbound_id = store_inbound(app.db, letter(), envelope, app.clock())
    _stale_claim(app, inbound_id)
    gateway = RunningGateway(app).start()
    try:
        wait_for(lambda: count(app, Naskah) == 1, what="lease expiry and takeover")
        wait_for(lambda: settled(app))
    finally:
        gateway.stop()
    (naskah,) = naskah_rows(app)
    with app.db.read() as session:
        inbound = session.get_one(Inbound, inbound_id)
        receipts = session.scalars(select(Outbox).where(Outbox.kind == "receipt")).all()
    assert naskah.seq == 1 and inbound.state == "registered" and inbound.attempts == 1
    assert inbound.claim_token is None and len(receipts) == 1


def _states(app: App) -> list[str]:
    with app.db.read() as session:
        return list(session.scalars(select(Inbound.state).order_by(Inbound.id)))


def test_a_worker_claims_a_batch_and_gives_back_what_it_cannot_begin_in_time(
    sqlite_url: str,
) -> None:
    envelope = Envelope(source="smtp", mail_from=SENDER, rcpt_tos=[f"setda@{DOMAIN}"])
    app = App.build(gateway_settings(sqlite_url, worker={"claim_batch": 4}))
    try:
        for n in range(6):
            store_inbound(app.db, letter(subject=f"Surat {n}"), envelope, app.clock())
        # One claim for four letters, all four registered in one pass.
        assert app.worker().run_batch() is not None
        assert _states(app) == ["registered"] * 4 + ["received"] * 2
        # Stopping (SIGTERM): the letter begun is finished, the rest go back at once.
        app.worker().run_batch(stopping=lambda: True)
        assert _states(app) == ["registered"] * 5 + ["received"]
        for n in range(6, 8):
            store_inbound(app.db, letter(subject=f"Surat {n}"), envelope, app.clock())
    finally:
        app.close()
    # A lease so short that after the first letter a third of it is gone: the rest of the
    # batch goes back unclaimed, for any worker, instead of outliving its lease.
    hurried = App.build(
        gateway_settings(sqlite_url, worker={"claim_batch": 4, "lease_seconds": 0.003})
    )
    try:
        hurried.worker().run_batch()
        assert _states(hurried) == ["registered"] * 6 + ["received"] * 2
        with hurried.db.read() as session:
            tokens = set(session.scalars(select(Inbound.claim_token)))
        assert tokens == {None}
    finally:
        hurried.close()


def test_a_second_pass_over_a_registered_inbound_changes_nothing(
    sqlite_gateway: RunningGateway,
) -> None:
    """A slow worker's lease taken over after it committed: the letter stays as it was."""
    app = sqlite_gateway.app
    assert send(sqlite_gateway, letter())[0] == 250
    wait_for(lambda: settled(app))
    with app.db.read() as session:
        (inbound,) = session.scalars(select(Inbound)).all()
        outbox_before = session.scalar(select(func.count()).select_from(Outbox))
    assert inbound.state == "registered"
    _stale_claim(app, inbound.id)
    wait_for(lambda: settled(app), what="the second pass")
    with app.db.read() as session:
        again = session.get_one(Inbound, inbound.id)
        outbox_after = session.scalar(select(func.count()).select_from(Outbox))
        (naskah,) = session.scalars(select(Naskah)).all()
    assert again.state == "registered"  # not relabelled "duplicate"
    assert naskah.copies == 1 and naskah.seq == 1
    assert outbox_after == outbox_before  # no second receipt, no second notice
    assert again.attempts == inbound.attempts


def test_disk_full_during_data_gives_451_and_loses_nothing(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """A file-size limit (RLIMIT_FSIZE) makes SQLite's writes fail as on a full disk."""
    import os
    import signal
    import subprocess
    import sys

    from tests.fixtures.ports import free_port, wait_for_port

    database = tmp_path / "tnde.db"
    database.write_bytes(sqlite_template.read_bytes())
    port = free_port()
    env = serve_env(f"sqlite:///{database}", port)
    limit = database.stat().st_size + 256 * 1024

    tnde = str(Path(sys.executable).with_name("tnde"))
    big = letter(
        attachments=[
            ("lampiran.pdf", "application/pdf", b"%PDF-1.4\n" + os.urandom(2 * 1024 * 1024))
        ]
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        # prlimit (util-linux) caps the size of every file the server writes.
        server = subprocess.Popen(
            ["prlimit", f"--fsize={limit}", tnde, "serve"], env=env, stdout=output, stderr=output
        )
    try:
        wait_for_port("127.0.0.1", port, 30)
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            client.ehlo()
            client.mail(SENDER)
            client.rcpt(f"setda@{DOMAIN}")
            code, reply = client.data(big)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    assert code == 451 and reply.startswith(b"4.3.0 "), reply
    assert b"disk I/O error" in log.read_bytes() or b"full" in log.read_bytes()
    # Space is back: the sender's retry is stored and registered exactly once.
    app = App.build(gateway_settings(f"sqlite:///{database}"))
    gateway = RunningGateway(app).start()
    try:
        assert count(app, Inbound) == 0 and count(app, Blob) == 0
        assert send(gateway, big)[0] == 250
        wait_for(lambda: settled(app) and count(app, Naskah) == 1, timeout=30)
    finally:
        gateway.stop()


def _held_lock(path: Path) -> sqlite3.Connection:
    """Another process's view: a connection holding SQLite's write lock."""
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    return blocker


def test_a_writer_polls_for_the_lock_and_gets_it_when_it_goes(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BEGIN IMMEDIATE is retried in our loop (SQLite's own handler sleeps up to 100 ms a
    try and starved SMTP intake behind the worker); reads keep the busy_timeout."""
    import threading
    import time

    from sqlalchemy import text

    from gateway.db import engine

    tries: list[int] = []
    busy = engine._busy
    monkeypatch.setattr(engine, "_busy", lambda err: tries.append(1) or busy(err))
    (tmp_path / "tnde.db").write_bytes(sqlite_template.read_bytes())
    url = f"sqlite:///{tmp_path / 'tnde.db'}"
    db = App.build(gateway_settings(url, database={"busy_timeout": 5.0})).db
    blocker = _held_lock(tmp_path / "tnde.db")
    released = threading.Event()

    def release() -> None:
        time.sleep(0.3)
        released.set()  # first: the writer may get in the instant the lock goes
        blocker.execute("ROLLBACK")

    threading.Thread(target=release).start()
    try:
        with db.write() as session:  # BEGIN IMMEDIATE runs with the first statement
            timeout = session.execute(text("PRAGMA busy_timeout")).scalar_one()
            assert released.is_set()  # it waited for the holder, then got in
        assert timeout == 5000
        assert len(tries) > 20  # ~300 tries a millisecond apart, not SQLite's long sleeps
    finally:
        blocker.close()
        db.dispose()


def test_a_lock_held_past_busy_timeout_is_sqlalchemys_error_and_the_letter_waits(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """The worker leaves a letter it cannot begin for a later pass (never quarantine),
    which it recognises by SQLAlchemy's OperationalError."""
    from sqlalchemy import exc, text

    (tmp_path / "tnde.db").write_bytes(sqlite_template.read_bytes())
    url = f"sqlite:///{tmp_path / 'tnde.db'}"
    app = App.build(gateway_settings(url, database={"busy_timeout": 0.3}))
    envelope = Envelope(source="smtp", mail_from=SENDER, rcpt_tos=[f"setda@{DOMAIN}"])
    try:
        store_inbound(app.db, letter(), envelope, app.clock())
        worker = app.worker()
        (inbound_id,), token = worker.claim()
        blocker = _held_lock(tmp_path / "tnde.db")
        try:
            with pytest.raises(exc.OperationalError, match="locked"), app.db.write() as session:
                session.execute(text("SELECT 1"))
            outcome = worker.process(inbound_id, token)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert outcome.state == "processing", outcome
        with app.db.write() as session:  # the pooled connection has its timeout back
            assert session.execute(text("PRAGMA busy_timeout")).scalar_one() == 300
        assert _states(app) == ["processing"]  # left for a later pass, not quarantined
    finally:
        app.close()
