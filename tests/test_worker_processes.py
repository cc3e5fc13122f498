"""`tnde serve --workers N`: registration in processes of its own, restarted when one
dies, gone when the serving process is killed."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Inbound, Naskah
from tests.fixtures.ports import free_port, wait_for_port
from tests.support.gateway import gateway_settings, serve_env, wait_for
from tests.support.mail import DOMAIN, letter

TNDE = str(Path(sys.executable).with_name("tnde"))
TO = f"dinkes@{DOMAIN}"


def _workers(serve: subprocess.Popen[bytes]) -> list[psutil.Process]:
    """The live `tnde worker` children (a killed one not yet reaped is not one)."""
    found = []
    for child in psutil.Process(serve.pid).children():
        try:
            if _alive(child.pid) and "worker" in child.cmdline():
                found.append(child)
        except psutil.Error:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _send(port: int, first: int, count: int) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        for n in range(first, first + count):
            client.sendmail("tu@kemkes.go.id", [TO], letter(to=TO, subject=f"Surat {n}"))


def _counts(app: App) -> tuple[int, int]:
    """(letters registered, inbound rows) in the database."""
    with app.db.read() as session:
        naskah = len(session.scalars(select(Naskah.id)).all())
        inbound = len(session.scalars(select(Inbound.id)).all())
    return naskah, inbound


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, App]]:
    port = free_port()
    env = serve_env(db_url, port, {"TNDE_WORKER__POLL_INTERVAL": "60"})
    with open(tmp_path / "serve.log", "wb") as log:
        serve = subprocess.Popen([TNDE, "serve", "--workers", "2"], env=env, stdout=log, stderr=log)
    app = App.build(gateway_settings(db_url))
    try:
        wait_for_port("127.0.0.1", port, 30)
        yield serve, port, app
    finally:
        if serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
            serve.wait(30)
        app.close()


def test_letters_are_registered_in_the_worker_processes_which_come_back_when_killed(
    served: tuple[subprocess.Popen[bytes], int, App],
) -> None:
    serve, port, app = served
    wait_for(lambda: len(_workers(serve)) == 2, what="two worker processes")
    workers = _workers(serve)
    # With both workers paused, mail is accepted but nobody registers it: the serving
    # process does not do it itself.
    for worker in workers:
        worker.suspend()
    _send(port, 1, 5)
    time.sleep(1.0)
    assert _counts(app) == (0, 5)
    for worker in workers:
        worker.resume()
    # Woken through their pipes (the poll interval is a minute): a worker resumed looks
    # at once, having been woken while paused. Well under the minute proves the wake; the
    # margin is for a machine busy with other tests (5 letters took over 3 s at load 8).
    wait_for(lambda: _counts(app) == (5, 5), timeout=20, what="registered by the workers")
    # One killed mid-run is started again; nothing it held is lost.
    killed = workers[0].pid
    os.kill(killed, signal.SIGKILL)
    _send(port, 6, 10)
    wait_for(
        lambda: len(_workers(serve)) == 2 and killed not in [w.pid for w in _workers(serve)],
        what="the killed worker replaced",
    )
    wait_for(lambda: _counts(app) == (15, 15), timeout=20, what="every letter registered")
    with app.db.read() as session:
        seqs = sorted(session.scalars(select(Naskah.seq)))
    assert seqs == list(range(1, 16))
    # The serving process killed outright: its workers notice and leave, no orphans.
    pids = [w.pid for w in _workers(serve)]
    serve.send_signal(signal.SIGKILL)
    serve.wait(10)
    wait_for(lambda: not any(_alive(p) for p in pids), what="workers gone")


def test_a_negative_number_of_workers_is_one_line(sqlite_url: str) -> None:
    env = serve_env(sqlite_url, free_port())
    done = subprocess.run(
        [TNDE, "serve", "--workers", "-1"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0 and "--workers" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_worker_that_keeps_dying_is_restarted_ever_more_slowly_and_never_given_up(
    tmp_path: Path,
) -> None:
    from gateway.workerprocs import RESTART_PAUSE, WorkerProcesses

    def dead_for(seconds: float) -> None:
        """Wait for the slot's child to exit, then make it look dead for `seconds`."""
        child = workers.children[0]
        child.process.wait(30)
        workers.restart_dead()  # notices the death
        assert child.died is not None
        child.died -= seconds

    # A configuration that cannot be read: each child exits at once.
    workers = WorkerProcesses(1, config=str(tmp_path / "hilang.toml"))
    workers.start()
    try:
        first = workers.children[0]
        dead_for(RESTART_PAUSE)
        workers.restart_dead()
        second = workers.children[0]
        assert second is not first and second.pause == 2 * RESTART_PAUSE
        dead_for(RESTART_PAUSE)  # dead for less than its (doubled) pause: not yet
        workers.restart_dead()
        assert workers.children[0] is second
        # A start that fails (here: no interpreter) keeps the dead child in its slot and
        # waits out the pause again, instead of leaving registration stopped for good.
        second.died = (second.died or 0) - 2 * RESTART_PAUSE
        workers.python = str(tmp_path / "tidak-ada-python")
        workers.restart_dead()
        assert workers.children[0] is second
        workers.python = sys.executable
        workers.restart_dead()
        assert workers.children[0] is second  # the pause began again at the failure
        second.died = (second.died or 0) - 2 * RESTART_PAUSE
        workers.restart_dead()
        assert workers.children[0] is not second and workers.children[0].pause == 4.0
        assert workers.restarts == 2
    finally:
        workers.stop()
