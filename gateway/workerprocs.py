"""Registration in worker processes of their own: started, woken, watched and restarted.

`tnde serve --workers N` (or `[worker] processes = N`) keeps intake, the panel, the
outbox and the scheduler in the serving process and runs registration in N `tnde worker`
processes, so parsing and routing never hold the GIL while SMTP waits to answer. Each
child gets the read end of a pipe: the parent writes a byte when mail was stored (a
wake-up, not a message: the database is the queue, claims are leased), and the child
exits when the pipe closes, so a parent killed with SIGKILL leaves no orphan behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from gateway.config import unreadable

log = logging.getLogger("tnde.workers")
# A child that died is started again after a pause that doubles with each quick death, up
# to MAX_PAUSE (a crash loop, for example a database that refuses connections at start,
# must not spin), and is back to RESTART_PAUSE once a child lived STABLE_SECONDS.
RESTART_PAUSE = 1.0
MAX_PAUSE = 60.0
STABLE_SECONDS = 60.0
STOP_SECONDS = 30.0
# prometheus_client's multiprocess mode: where every process writes its metric values.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextlib.contextmanager
def metrics_directory(parent: str = "") -> Iterator[str | None]:
    """A fresh, empty directory for this `tnde serve`'s metrics (under `parent`, else
    the system's temporary directory), in PROMETHEUS_MULTIPROC_DIR for this process
    and the worker processes it starts; removed when serving ends. It must be set before
    prometheus_client is first imported (gateway.metrics imports it), so `tnde serve`
    enters this before it imports the gateway; this module imports it only in functions.
    None when prometheus_client is loaded already (serve run inside another program,
    e.g. a test): /metrics then shows this process's counts only."""
    if "prometheus_client" in sys.modules:
        log.warning("prometheus_client already imported: /metrics shows this process only")
        yield None
        return
    try:
        path = tempfile.mkdtemp(prefix="tnde-metrics-", dir=parent or None)
    except OSError as err:
        raise unreadable("metrics.directory", f"{parent}: {err}") from err
    previous = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = path
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = previous
        shutil.rmtree(path, ignore_errors=True)


def _process_exited(pid: int) -> None:
    """Drop a dead worker's live gauges from the metrics directory."""
    from gateway.metrics import process_exited  # see metrics_directory

    process_exited(pid)


@dataclass
class _Child:
    """One worker process and the write end of its wake-up pipe."""

    process: subprocess.Popen[bytes]
    wake_fd: int
    started: float
    pause: float = RESTART_PAUSE  # before this slot's next start, should this one die
    died: float | None = None  # when it was first seen dead (time.monotonic())
    # The read end of the pipe the child writes one byte to once it is registering
    # (first start only; see WorkerProcesses.wait_ready); None once read or not asked.
    ready_fd: int | None = None


@dataclass
class WorkerProcesses:
    """N `tnde worker` children of the serving process."""

    count: int
    config: str | None = None  # the parent's --config, passed on
    # The parent's global flags (--debug, --verbose), passed on. A child reads the same
    # configuration file and TNDE_* environment as the parent did when it starts.
    flags: tuple[str, ...] = ()
    children: list[_Child] = field(default_factory=list)
    restarts: int = 0
    python: str = sys.executable  # the interpreter the children run on

    def start(self) -> None:
        self.children = [self._spawn(ready=True) for _ in range(self.count)]

    def _spawn(self, pause: float = RESTART_PAUSE, ready: bool = False) -> _Child:
        read_fd, write_fd = os.pipe()  # not inheritable: only pass_fds reaches the child
        os.set_blocking(write_fd, False)
        try:
            ready_read, ready_write = os.pipe() if ready else (None, None)
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            raise
        argv = [self.python, "-m", "gateway.cli.main", *self.flags]
        if self.config:
            argv += ["--config", self.config]
        argv += ["worker", "--wake-fd", str(read_fd)]
        passed = [read_fd]
        if ready_write is not None:
            argv += ["--ready-fd", str(ready_write)]
            passed.append(ready_write)
        try:
            process = subprocess.Popen(argv, pass_fds=passed, stdin=subprocess.DEVNULL)
        except OSError:
            os.close(write_fd)
            if ready_read is not None:
                os.close(ready_read)
            raise
        finally:
            os.close(read_fd)
            if ready_write is not None:
                os.close(ready_write)
        return _Child(process, write_fd, time.monotonic(), pause, ready_fd=ready_read)

    async def wait_ready(self, timeout: float) -> bool:
        """Until every first-started child says it is registering (or died: its pipe
        closes), at most `timeout` s; whether all did. `serve` prints its banner after
        this, so a letter sent on reading it is registered at once, not after a worker's
        start-up."""
        pending = {c.ready_fd for c in self.children if c.ready_fd is not None}
        loop = asyncio.get_running_loop()
        all_ready = asyncio.Event()

        def readable(fd: int) -> None:  # a byte, or EOF: the child died
            loop.remove_reader(fd)
            pending.discard(fd)
            if not pending:
                all_ready.set()

        for fd in pending:
            loop.add_reader(fd, readable, fd)
        try:
            if pending:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(all_ready.wait(), timeout)
        finally:  # also when cancelled: serve was told to stop
            for fd in pending:
                loop.remove_reader(fd)
            self._close_ready()
        return not pending

    def _close_ready(self, children: list[_Child] | None = None) -> None:
        for child in self.children if children is None else children:
            if child.ready_fd is not None:
                os.close(child.ready_fd)
                child.ready_fd = None

    def wake(self) -> None:
        """Tell every child that mail is waiting (cheap; a full pipe means already told).
        Never raises: the mail is committed whatever happens to a wake-up."""
        for child in list(self.children):
            with contextlib.suppress(OSError):
                os.write(child.wake_fd, b"\0")

    def pids(self) -> list[int]:
        return [c.process.pid for c in self.children]

    def restart_dead(self) -> None:
        """Start again each child that exited, once its slot's pause has passed since it
        died. The pause doubles when a child lived less than STABLE_SECONDS. A failed
        start keeps the dead child in its slot and waits out the pause again."""
        now = time.monotonic()
        for slot, child in enumerate(self.children):
            if child.process.poll() is None:
                continue
            if child.died is None:
                child.died = now
                lived = now - child.started
                log.warning(
                    "worker process %s exited with %s after %.0f s",
                    child.process.pid,
                    child.process.returncode,
                    lived,
                )
                child.pause = RESTART_PAUSE if lived >= STABLE_SECONDS else child.pause
                _process_exited(child.process.pid)
            if now - child.died < child.pause:
                continue
            try:
                replacement = self._spawn(min(MAX_PAUSE, child.pause * 2))
            except OSError as err:
                log.error("cannot start a worker process: %s; trying again later", err)
                child.died = now  # wait out the pause again
                continue
            os.close(child.wake_fd)
            self._close_ready([child])
            self.children[slot] = replacement
            self.restarts += 1

    async def watch(self, stop: asyncio.Event) -> None:
        """Restart dead children until `stop`."""
        while not stop.is_set():
            self.restart_dead()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RESTART_PAUSE / 2)

    def stop(self) -> None:
        """SIGTERM to every child; each finishes its letter (SIGKILL after STOP_SECONDS)."""
        live, self.children = self.children, []  # no wake-up writes to closed pipes
        self._close_ready(live)
        for child in live:
            with contextlib.suppress(ProcessLookupError):
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for child in live:
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
            os.close(child.wake_fd)
            _process_exited(child.process.pid)


async def run_worker_process(app: object, wake_fd: int | None, ready_fd: int | None = None) -> None:
    """The body of `tnde worker`: registration workers only, until SIGTERM, SIGINT or
    (with a wake pipe) the parent's end of the pipe closing."""
    from gateway.app import App
    from gateway.metrics import PROCESSES

    assert isinstance(app, App)
    PROCESSES.labels("worker").set(1)
    stop = asyncio.Event()
    wake = asyncio.Event()
    loop = asyncio.get_running_loop()

    def halt() -> None:
        stop.set()
        wake.set()  # an idle worker waits on `wake`: it must look at `stop` now

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, halt)
    if wake_fd is not None:
        os.set_blocking(wake_fd, False)

        def readable() -> None:
            try:
                data = os.read(wake_fd, 4096)
            except BlockingIOError:
                return
            if not data:  # the serving process is gone: so is this one
                loop.remove_reader(wake_fd)
                halt()
                return
            wake.set()

        loop.add_reader(wake_fd, readable)
    tasks = [
        asyncio.create_task(app.worker().run(stop, wake))
        for _ in range(max(1, app.settings.worker.concurrency))
    ]
    if ready_fd is not None:  # registering from here on: the parent may print its banner
        with contextlib.suppress(OSError):
            os.write(ready_fd, b"r")
        os.close(ready_fd)
    await stop.wait()
    await asyncio.gather(*tasks, return_exceptions=True)
