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


def _limit(memory_bytes: int, cpu_seconds: int) -> None:
    """In the child: cap its address space and CPU time (the kernel enforces both)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def _extract(data: bytes) -> str:
    from gateway.parsing.pdftext import pdf_text

    return pdf_text(data)


MAX_TASKS_PER_CHILD = 25


class Overrun(Exception):
    """The extraction went past its memory or time: no text for this file."""


class PdfTextSandbox:
    """One child process, reused; replaced when it was killed or died."""

    def __init__(self, timeout: float = 10.0, memory_mb: int = 512) -> None:
        self.timeout = timeout
        self.memory = memory_mb * 1024 * 1024
        self._lock = threading.Lock()
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            # spawn: the parent runs threads (event loop, pollers); forking it is unsafe.
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                # A fresh child now and then: memory a big PDF took goes back to the system.
                max_tasks_per_child=MAX_TASKS_PER_CHILD,
                initializer=_limit,
                initargs=(self.memory, max(1, int(self.timeout) + 1)),
            )
        return self._pool

    def text(self, data: bytes, timeout: float | None = None) -> str:
        """The text of a PDF's first pages; raises Overrun past the limits."""
        limit = self.timeout if timeout is None else min(timeout, self.timeout)
        if limit <= 0:
            raise Overrun("the letter's time for reading PDF text is spent")
        with self._lock:  # one extraction at a time: each has the child to itself
            future = self._executor().submit(_extract, data)
            try:
                return future.result(timeout=limit)
            except (concurrent.futures.TimeoutError, BrokenProcessPool, MemoryError) as err:
                self._kill()
                raise Overrun(type(err).__name__) from err

    def for_letter(self) -> PdfText:
        """A reader for one letter's PDFs: all of them together get `timeout` seconds."""
        deadline = time.monotonic() + self.timeout

        def read(data: bytes) -> str:
            return self.text(data, deadline - time.monotonic())

        return read

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
