"""PDF text extraction in a child process: bounded memory and time per letter.

A crafted PDF (content streams that inflate to hundreds of megabytes, or that take
minutes to parse) must not stall every other letter nor grow the worker: pypdf runs in a
separate process with an address-space limit, and is killed past its time. On overrun
the letter registers without that text and says so; it is never quarantined for it.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import resource
import threading
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool

PdfText = Callable[[bytes], str]


def _limit(memory_bytes: int) -> None:
    """In the child: cap its address space (the kernel enforces it)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


def _memory() -> tuple[int, int]:
    """The child's (resident, address space) now, in bytes: Linux /proc; elsewhere its
    peak resident memory for both."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            size, resident = statm.read().split()[:2]
        page = resource.getpagesize()
        return int(resident) * page, int(size) * page
    except (OSError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return peak, peak


def _extract(data: bytes, cpu_seconds: float) -> tuple[str, tuple[int, int]]:
    """One file's text and the child's memory after it (resident, address space). The
    child is reused, so its CPU limit is set per file: the CPU used so far plus this
    file's budget (only the soft limit, which may rise again)."""
    from gateway.parsing.pdftext import pdf_text

    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    resource.setrlimit(resource.RLIMIT_CPU, (int(spent + cpu_seconds) + 1, hard))
    return pdf_text(data), _memory()


def _warm() -> int:
    """Import pypdf before the first file's clock starts; the child's memory after it."""
    import gateway.parsing.pdftext  # noqa: F401

    return _memory()[0]


# A fresh child once a file left it holding this much more memory than at its start, so
# memory a big PDF took goes back to the system. Not after a fixed number of files: starting a
# child costs about 140 ms of CPU, which every 25 files was 5.6 ms per letter.
RECYCLE_GROWTH = 64 * 1024 * 1024
# ...and after this many files in any case (a slow leak in the PDF library).
MAX_TASKS_PER_CHILD = 5000


class Overrun(Exception):
    """The extraction went past its memory or time: no text for this file."""


class PdfTextSandbox:
    """One child process, reused; replaced when it was killed or died."""

    def __init__(
        self, timeout: float = 10.0, memory_mb: int = 512, recycle_growth: int = RECYCLE_GROWTH
    ) -> None:
        self.timeout = timeout
        self.memory = memory_mb * 1024 * 1024
        self.recycle_growth = recycle_growth
        self._lock = threading.Lock()
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._baseline = 0  # the child's resident memory when it was ready
        self.started = 0  # children started so far (for tests and the benchmark)

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            # spawn: the parent runs threads (event loop, pollers); forking it is unsafe.
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                max_tasks_per_child=MAX_TASKS_PER_CHILD,
                initializer=_limit,
                initargs=(self.memory,),
            )
            self.started += 1
            # The child's start (spawn, imports) is not the letter's time.
            self._baseline = self._pool.submit(_warm).result(timeout=60)
        return self._pool

    def text(self, data: bytes) -> str:
        """The text of a PDF's first pages; raises Overrun past the limits."""
        return self._run(data, self.timeout)[0]

    def _run(self, data: bytes, budget: float | Callable[[], float]) -> tuple[str, float]:
        """(text, seconds the child worked on it); the budget is read once it is our turn."""
        with self._lock:  # one extraction at a time: each has the child to itself
            executor = self._executor()
            limit = min(budget() if callable(budget) else budget, self.timeout)
            if limit <= 0:
                raise Overrun("the letter's time for reading PDF text is spent")
            started = time.monotonic()
            future = executor.submit(_extract, data, limit)
            try:
                text, (resident, address_space) = future.result(timeout=limit)
            except (concurrent.futures.TimeoutError, BrokenProcessPool, MemoryError) as err:
                self._kill()
                raise Overrun(type(err).__name__) from err
            took = time.monotonic() - started
            # Also when its address space nears the limit it runs under (RLIMIT_AS): a
            # fragmented heap would fail the next ordinary PDF with MemoryError.
            if resident > self._baseline + self.recycle_growth or address_space > self.memory * 0.8:
                self._retire()
            return text, took

    def for_letter(self) -> PdfText:
        """A reader for one letter's PDFs: all of them together get `timeout` seconds of
        the child's work (parsing the letter or waiting for a turn does not count)."""
        spent = [0.0]

        def read(data: bytes) -> str:
            try:
                text, took = self._run(data, lambda: self.timeout - spent[0])
            except Overrun:
                spent[0] = self.timeout  # what is left of this letter gets no more time
                raise
            spent[0] += took
            return text

        return read

    def _retire(self) -> None:
        """Let the child go after its work (it exits; the next file starts a fresh one)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)

    def _kill(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            self._kill()
