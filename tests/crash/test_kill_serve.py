"""`tnde serve` killed with SIGKILL at random moments, again and again, while a client
sends letters and records every 250: at the end every acknowledged letter is registered
exactly once, the unit's numbers are 1..N, and nothing is stuck half-way; every mail
the gateway queued (receipts, notices) reached the smarthost at least once and is
recorded as sent once.

TNDE_CRASH_KILLS sets the number of kills (default 20); TNDE_CRASH_SEED replays a run
(the seed is printed).
"""

from __future__ import annotations

import os
import random
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.utils import make_msgid
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Inbound, Naskah, Outbox, Unit
from tests.fixtures.ports import free_port, wait_for_port
from tests.support.gateway import gateway_settings, serve_env, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.sink import Sink

TNDE = str(Path(sys.executable).with_name("tnde"))
KILLS = int(os.environ.get("TNDE_CRASH_KILLS", "20"))
# A claim by a killed worker is taken over after the lease: short, so the run is short.
LEASE = "3"
UNIT = "DINKES"


@dataclass
class Client:
    """Sends letter after letter; a letter is resent (same Message-ID, same bytes) until
    it gets 250, as an MTA would retry it."""

    port: int
    acknowledged: list[str] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            subject = f"Surat uji ketahanan {number}"
            raw = letter(
                to=f"{UNIT.lower()}@{DOMAIN}",
                subject=subject,
                message_id=make_msgid(domain="kemkes.go.id"),
            )
            while not self._deliver(raw):
                if self.stop.is_set():
                    return
                time.sleep(0.05)
            self.acknowledged.append(subject)

    def _deliver(self, raw: bytes) -> bool:
        try:
            with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as client:
                client.sendmail("tu@kemkes.go.id", [f"{UNIT.lower()}@{DOMAIN}"], raw)
            return True
        except (OSError, smtplib.SMTPException) as err:
            self.refused[type(err).__name__] += 1
            return False


def start_serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        process = subprocess.Popen([TNDE, "serve"], env=env, stdout=out, stderr=out)
    wait_for_port("127.0.0.1", port, 30)
    return process


@pytest.mark.slow
def test_every_acknowledged_letter_survives_repeated_sigkill(
    db_url: str, tmp_path: Path, smarthost: Sink
) -> None:
    seed = int(os.environ.get("TNDE_CRASH_SEED", str(random.randrange(2**32))))
    print(f"TNDE_CRASH_SEED={seed} TNDE_CRASH_KILLS={KILLS}")
    chance = random.Random(seed)
    port = free_port()
    env = serve_env(
        db_url,
        port,
        {
            "TNDE_WORKER__LEASE_SECONDS": LEASE,
            "TNDE_WORKER__POLL_INTERVAL": "0.05",
            # Receipts and notices go to a smarthost; a killed sender's claims come back.
            "TNDE_OUTBOUND__SMARTHOST": f"127.0.0.1:{smarthost.port}",
            "TNDE_OUTBOUND__TIMEOUT": "2",
            "TNDE_OUTBOUND__LEASE_SECONDS": LEASE,
            "TNDE_OUTBOUND__POLL_INTERVAL": "0.05",
        },
    )
    log = tmp_path / "serve.log"
    process = start_serve(env, port, log)
    client = Client(port)
    sender = threading.Thread(target=client.run, daemon=True)
    sender.start()
    try:
        for _ in range(KILLS):
            # Anywhere: in DATA, between the commit and the 250, mid-registration.
            time.sleep(chance.uniform(0.05, 0.6))
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            process = start_serve(env, port, log)
        time.sleep(0.5)
    finally:
        client.stop.set()
        sender.join(30)
    app = App.build(gateway_settings(db_url))
    try:
        wait_for(lambda: _settled(app), timeout=60, what="every inbound processed")
        registered = _registered(app)
        wait_for(lambda: _all_sent(app), timeout=60, what="every queued mail sent")
        outbox = _outbox(app)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        app.close()
    acknowledged = client.acknowledged
    print(f"{len(acknowledged)} letters acknowledged, retries {dict(client.refused)}")
    assert len(acknowledged) > KILLS  # the load kept going between the kills
    subjects = Counter(subject for subject, _ in registered)
    assert [s for s in acknowledged if subjects[s] != 1] == []  # each exactly once
    assert [s for s, n in subjects.items() if n > 1] == []  # nothing twice
    seqs = sorted(seq for _, seq in registered)
    assert seqs == list(range(1, len(seqs) + 1))  # gapless, 1..N
    # The outbox: every mail recorded as sent once and received at least once, resends
    # (a kill between the smarthost's 250 and our commit) with the same Message-ID.
    received = Counter(_message_id(m.data) for m in smarthost.messages)
    assert [m for m in outbox if received[m] == 0] == []
    resent = {m: n for m, n in received.items() if n > 1}
    print(f"{len(outbox)} mails sent, {len(resent)} sent again after a kill")
    assert len(resent) <= KILLS


@pytest.fixture
def smarthost() -> Iterator[Sink]:
    with Sink() as running:
        yield running


def _all_sent(app: App) -> bool:
    with app.db.read() as session:
        states = Counter(session.scalars(select(Outbox.state)))
    return states["queued"] == 0 and states["sending"] == 0


def _outbox(app: App) -> list[str]:
    """The Message-IDs of all mail recorded as sent (each row once)."""
    with app.db.read() as session:
        rows = session.scalars(select(Outbox).where(Outbox.state == "sent")).all()
        return [row.message_id for row in rows]


def _message_id(data: bytes) -> str:
    message = message_from_bytes(data, policy=policy.compat32)
    return str(message["Message-ID"]).strip()


def _settled(app: App) -> bool:
    """Nothing received and waiting, nothing claimed and held (leases taken over)."""
    with app.db.read() as session:
        states = Counter(session.scalars(select(Inbound.state)))
    return states["received"] == 0 and states["processing"] == 0


def _registered(app: App) -> list[tuple[str, int]]:
    with app.db.read() as session:
        unit_id = session.scalars(select(Unit.id).where(Unit.code == UNIT)).one()
        rows = session.execute(
            select(Naskah.subject, Naskah.seq).where(
                Naskah.unit_id == unit_id, Naskah.kind == "surat_masuk"
            )
        ).all()
        return [(subject, seq) for subject, seq in rows]
