"""Gapless agenda numbers under concurrency: several `tnde serve` processes on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import signal
import smtplib
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Naskah, Unit
from tests.fixtures.ports import free_port, wait_for_port
from tests.support.clock import FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, serve_env, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import count, settled

TNDE = str(Path(sys.executable).with_name("tnde"))


def _send_batch(args: tuple[int, int, int]) -> int:
    """One client process: `count` letters over one SMTP session to one server."""
    port, worker, how_many = args
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        for index in range(how_many):
            raw = letter(to=f"dinkes@{DOMAIN}", subject=f"Surat {worker}-{index}")
            client.sendmail("tu@kemkes.go.id", [f"dinkes@{DOMAIN}"], raw)
    return how_many


@pytest.fixture
def serve_processes(pg_url: str, tmp_path: Path) -> Iterator[list[int]]:
    """Three independent `tnde serve` processes sharing one PostgreSQL database."""
    processes, ports = [], []
    for index in range(3):
        port = free_port()
        workers = {"TNDE_WORKER__CONCURRENCY": "2", "TNDE_WORKER__POLL_INTERVAL": "0.05"}
        env = serve_env(pg_url, port, workers)
        log = open(tmp_path / f"serve{index}.log", "wb")  # noqa: SIM115 - closed at teardown
        processes.append((subprocess.Popen([TNDE, "serve"], env=env, stdout=log, stderr=log), log))
        ports.append(port)
    try:
        for port in ports:
            wait_for_port("127.0.0.1", port, 30)
        yield ports
    finally:
        for process, _ in processes:
            process.send_signal(signal.SIGTERM)
        for process, log in processes:
            process.wait(30)
            log.close()


@pytest.mark.slow
def test_numbers_are_exactly_1_to_n_with_three_serve_processes(
    serve_processes: list[int], pg_url: str
) -> None:
    clients, per_client = 6, 40
    jobs = [(serve_processes[i % 3], i, per_client) for i in range(clients)]
    with ProcessPoolExecutor(clients) as pool:
        sent = sum(pool.map(_send_batch, jobs))
    app = App.build(gateway_settings(pg_url))
    try:
        wait_for(
            lambda: settled(app) and count(app, Naskah) == sent, timeout=120, what="all registered"
        )
        with app.db.read() as session:
            unit_id = session.scalars(select(Unit.id).where(Unit.code == "DINKES")).one()
            seqs = sorted(session.scalars(select(Naskah.seq).where(Naskah.unit_id == unit_id)))
            numbers = set(session.scalars(select(Naskah.agenda_number)))
    finally:
        app.close()
    assert seqs == list(range(1, sent + 1))
    assert len(numbers) == sent


def test_numbers_are_gapless_with_concurrent_sessions_on_sqlite(
    sqlite_gateway: RunningGateway,
) -> None:
    port = sqlite_gateway.address("smtp")[1]
    with ThreadPoolExecutor(8) as pool:
        sent = sum(pool.map(_send_batch, [(port, i, 10) for i in range(8)]))
    app = sqlite_gateway.app
    wait_for(lambda: settled(app) and count(app, Naskah) == sent, timeout=60)
    with app.db.read() as session:
        seqs = sorted(session.scalars(select(Naskah.seq)))
    assert seqs == list(range(1, sent + 1))


def test_year_comes_from_the_registration_time_in_wib(sqlite_url: str) -> None:
    """17:00 UTC on 31 December is already 1 January in Jakarta: a new series starts."""
    clock = FakeClock(dt.datetime(2026, 12, 31, 16, 59, 59, tzinfo=dt.UTC))
    app = App.build(gateway_settings(sqlite_url), clock=clock)
    gateway = RunningGateway(app).start()
    try:
        for subject, expected in (("akhir tahun", 1), ("awal tahun", 2)):
            with gateway.smtp() as client:
                client.sendmail("a@kemkes.go.id", [f"dinkes@{DOMAIN}"], letter(subject=subject))
            wait_for(lambda n=expected: count(app, Naskah) == n)
            clock.set(dt.datetime(2026, 12, 31, 17, 0, 1, tzinfo=dt.UTC))
        with app.db.read() as session:
            rows = [
                (n.year, n.seq, n.agenda_number)
                for n in session.scalars(select(Naskah).order_by(Naskah.id))
            ]
    finally:
        gateway.stop()
    assert rows == [(2026, 1, "00001/SM/DINKES/2026"), (2027, 1, "00001/SM/DINKES/2027")]
