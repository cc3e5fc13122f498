"""What the crash and multi-node tests share: a client that records every 250, a
`tnde serve` starter, and queries that tell whether everything settled."""

from __future__ import annotations

import random
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.utils import make_msgid
from pathlib import Path

from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Inbound, Naskah, Outbox, Unit
from tests.fixtures.ports import wait_for_port
from tests.support.gateway import wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.sink import Sink

TNDE = str(Path(sys.executable).with_name("tnde"))
UNIT = "DINKES"


@dataclass
class Client:
    """Sends letter after letter; a letter is resent (same Message-ID, same bytes) until
    it gets 250, as an MTA would retry it."""

    port: int
    # Distinguishes the subjects of several clients sending at once.
    name: str = ""
    # Seconds between letters (0: as fast as the gateway answers).
    pause: float = 0.0
    acknowledged: list[str] = field(default_factory=list)
    acknowledged_at: list[float] = field(default_factory=list)  # time.monotonic() of each 250
    refused: Counter[str] = field(default_factory=Counter)
    # (time.monotonic(), SMTP code or 0 for a connection error) of each refused attempt
    refusals: list[tuple[float, int]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            subject = f"Surat uji ketahanan {self.name}{number}"
            raw = letter(
                to=f"{UNIT.lower()}@{DOMAIN}",
                subject=subject,
                message_id=make_msgid(domain="kemkes.go.id"),
            )
            while not self._deliver(raw):
                if self.stop.is_set():
                    return
                time.sleep(0.05)
            self.acknowledged_at.append(time.monotonic())
            self.acknowledged.append(subject)
            if self.pause:
                self.stop.wait(self.pause)

    def _deliver(self, raw: bytes) -> bool:
        try:
            with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as client:
                client.sendmail("tu@kemkes.go.id", [f"{UNIT.lower()}@{DOMAIN}"], raw)
            return True
        except (OSError, smtplib.SMTPException) as err:
            self.refused[type(err).__name__] += 1
            self.refusals.append((time.monotonic(), int(getattr(err, "smtp_code", 0) or 0)))
            return False


def start_serve(
    env: dict[str, str], port: int, log: Path, workers: int = 0
) -> subprocess.Popen[bytes]:
    """`tnde serve --workers N`, once its SMTP port answers."""
    argv = [TNDE, "serve", "--workers", str(workers)]
    with open(log, "ab") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=out)
    wait_for_port("127.0.0.1", port, 30)
    return process


def smarthost_sink() -> Iterator[Sink]:
    """A smarthost that keeps every mail it is given."""
    with Sink() as running:
        yield running


def all_sent(app: App) -> bool:
    with app.db.read() as session:
        states = Counter(session.scalars(select(Outbox.state)))
    return states["queued"] == 0 and states["sending"] == 0


def outbox_sent(app: App) -> list[str]:
    """The Message-IDs of all mail recorded as sent (each row once)."""
    with app.db.read() as session:
        rows = session.scalars(select(Outbox).where(Outbox.state == "sent")).all()
        return [row.message_id for row in rows]


def message_id_of(data: bytes) -> str:
    message = message_from_bytes(data, policy=policy.compat32)
    return str(message["Message-ID"]).strip()


def settled(app: App) -> bool:
    """Nothing received and waiting, nothing claimed and held (leases taken over)."""
    with app.db.read() as session:
        states = Counter(session.scalars(select(Inbound.state)))
    return states["received"] == 0 and states["processing"] == 0


def registered_letters(app: App) -> list[tuple[str, int]]:
    with app.db.read() as session:
        unit_id = session.scalars(select(Unit.id).where(Unit.code == UNIT)).one()
        rows = session.execute(
            select(Naskah.subject, Naskah.seq).where(
                Naskah.unit_id == unit_id, Naskah.kind == "surat_masuk"
            )
        ).all()
        return [(subject, seq) for subject, seq in rows]


def assert_each_once(acknowledged: list[str], registered: list[tuple[str, int]]) -> None:
    """Every acknowledged letter registered exactly once, nothing twice, and the unit's
    numbers 1..N without a gap."""
    subjects = Counter(subject for subject, _ in registered)
    assert [s for s in acknowledged if subjects[s] != 1] == []  # each exactly once
    assert [s for s, n in subjects.items() if n > 1] == []  # nothing twice
    seqs = sorted(seq for _, seq in registered)
    assert seqs == list(range(1, len(seqs) + 1))  # gapless, 1..N


def kill_again_and_again(
    process: subprocess.Popen[bytes],
    restart: Callable[[int], subprocess.Popen[bytes]],
    kills: int,
    chance: random.Random,
    gap: tuple[float, float],
) -> subprocess.Popen[bytes]:
    """SIGKILL the server `kills` times at random moments (`gap` seconds apart) and start
    it again each time, by chance with or without a worker process (restart(workers)):
    kills of either kind, and restarts that change the mode, must lose nothing."""
    for _ in range(kills):
        time.sleep(chance.uniform(*gap))
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        process = restart(chance.choice([0, 1]))
    return process


def settled_outcome(app: App) -> tuple[list[tuple[str, int]], list[str]]:
    """Once everything is processed and sent: (registered letters, sent Message-IDs).
    The wait allows for the backlog: intake outruns registration, and after 200 kills
    thousands of letters can be waiting (at least 10 a second are registered)."""
    wait_for(lambda: settled(app), timeout=60 + _waiting(app) / 10, what="every inbound processed")
    registered = registered_letters(app)
    wait_for(lambda: all_sent(app), timeout=60, what="every queued mail sent")
    return registered, outbox_sent(app)


def _waiting(app: App) -> int:
    with app.db.read() as session:
        states = Counter(session.scalars(select(Inbound.state)))
    return states["received"] + states["processing"]
