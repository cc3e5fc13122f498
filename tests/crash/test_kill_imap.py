"""The IMAP poller under repeated SIGKILL: mail keeps arriving in a real Dovecot mailbox
while `tnde serve` is killed at random moments (between fetch, commit and move, or
mid-registration) and restarted; at the end every message is registered exactly once,
numbered 1..N, and moved out of the INBOX.

TNDE_CRASH_KILLS sets the number of kills (half of it here, default 10); the seed is
printed as TNDE_CRASH_SEED.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
from collections.abc import Iterator
from email.utils import make_msgid
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Naskah, Unit
from tests.crash.harness import assert_each_once, kill_again_and_again, settled, start_serve
from tests.fixtures.dovecot import DovecotInstance
from tests.fixtures.ports import free_port
from tests.support.gateway import gateway_settings, serve_env, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.requirements import need_binary

KILLS = max(1, int(os.environ.get("TNDE_CRASH_KILLS", "20")) // 2)
USER, PASSWORD = "setda", "sandi-setda"


@pytest.fixture
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotInstance]:
    need_binary("dovecot", "dovecot-imapd")
    with DovecotInstance(tmp_path_factory.mktemp("dv"), {USER: PASSWORD}) as server:
        yield server


def _mailbox(server: DovecotInstance) -> IMAPClient:
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=10)
    client.login(USER, PASSWORD)
    return client


class Appender:
    """Appends a letter to the INBOX every few milliseconds, as the mail server would."""

    def __init__(self, server: DovecotInstance) -> None:
        self.server = server
        self.subjects: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with _mailbox(self.server) as client:
            number = 0
            while not self.stop.wait(0.02):
                number += 1
                subject = f"Surat IMAP ketahanan {number}"
                raw = letter(
                    to=f"setda@{DOMAIN}", subject=subject, message_id=make_msgid(domain="x.go.id")
                )
                client.append("INBOX", raw)
                self.subjects.append(subject)


def _registered(app: App) -> list[tuple[str, int]]:
    with app.db.read() as session:
        unit_id = session.scalars(select(Unit.id).where(Unit.code == "SETDA")).one()
        rows = session.execute(
            select(Naskah.subject, Naskah.seq).where(Naskah.unit_id == unit_id)
        ).all()
    return [(subject, seq) for subject, seq in rows]


def _counts(server: DovecotInstance) -> dict[str, int]:
    with _mailbox(server) as client:
        return {
            name: client.folder_status(name, ["MESSAGES"])[b"MESSAGES"]
            for _, _, name in client.list_folders()
        }


@pytest.mark.slow
def test_every_imap_message_survives_repeated_sigkill(
    dovecot: DovecotInstance, db_url: str, tmp_path: Path
) -> None:
    seed = int(os.environ.get("TNDE_CRASH_SEED", str(random.randrange(2**32))))
    print(f"TNDE_CRASH_SEED={seed} kills={KILLS}")
    chance = random.Random(seed)
    port = free_port()
    env = serve_env(
        db_url,
        port,
        {
            "TNDE_WORKER__POLL_INTERVAL": "0.05",
            "TNDE_WORKER__LEASE_SECONDS": "3",
            "TNDE_IMAP__0__NAME": "setda",
            "TNDE_IMAP__0__HOST": dovecot.host,
            "TNDE_IMAP__0__PORT": str(dovecot.port),
            "TNDE_IMAP__0__TLS": "none",
            "TNDE_IMAP__0__ALLOW_PLAINTEXT": "true",
            "TNDE_IMAP__0__USERNAME": USER,
            "TNDE_IMAP__0__PASSWORD": PASSWORD,
            "TNDE_IMAP__0__DELIVER_TO": f"setda@{DOMAIN}",
            "TNDE_IMAP__0__FETCH_CHUNK": "5",
            "TNDE_IMAP__0__POLL_INTERVAL": "0.2",
        },
    )
    log = tmp_path / "serve.log"
    process = start_serve(env, port, log)
    appender = Appender(dovecot)
    thread = threading.Thread(target=appender.run, daemon=True)
    thread.start()
    try:

        def restart(workers: int) -> subprocess.Popen[bytes]:
            return start_serve(env, port, log, workers)

        process = kill_again_and_again(process, restart, KILLS, chance, (0.2, 1.2))
    finally:
        appender.stop.set()
        thread.join(30)
    app = App.build(gateway_settings(db_url))
    total = len(appender.subjects)
    try:
        wait_for(
            lambda: len(_registered(app)) >= total and settled(app),
            timeout=120,
            what="every appended message registered",
        )
        registered = _registered(app)
        wait_for(lambda: _counts(dovecot).get("INBOX") == 0, timeout=30, what="INBOX emptied")
        moved = _counts(dovecot).get("Teregistrasi")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        app.close()
    print(f"{total} messages appended during {KILLS} kills")
    assert total > KILLS
    assert_each_once(appender.subjects, registered)
    assert moved == total
