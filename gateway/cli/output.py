"""Printing helpers: JSON for scripts, aligned tables and progress for people."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from gateway.timefmt import waktu


def dump_json(data: Any, stream: TextIO | None = None) -> None:
    """Pretty JSON with UTF-8 kept readable (perihal in Bahasa Indonesia)."""
    stream = stream or sys.stdout
    json.dump(data, stream, ensure_ascii=False, indent=2, default=_default)
    stream.write("\n")


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def table(
    rows: Sequence[Sequence[object]], headers: list[str], stream: TextIO | None = None
) -> None:
    """A plain aligned table; long cells are cut so a row fits a terminal line."""
    stream = stream or sys.stdout
    cut = [[_cut(str(c)) for c in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cut)) if cut else len(h) for i, h in enumerate(headers)
    ]
    stream.write(
        "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n"
    )
    for row in cut:
        stream.write(
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n"
        )


def _cut(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Progress:
    """Progress on stderr: a bar on a terminal, a line every few seconds otherwise."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total, self.label, self.stream = total, label, stream or sys.stderr
        self.done = 0
        self.started = self._last = time.monotonic()
        self.tty = self.stream.isatty()

    def step(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._last < (0.1 if self.tty else 5.0) and self.done < self.total:
            return
        self._last = now
        self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.done / max(now - self.started, 1e-6)
        share = self.done / self.total if self.total else 1.0
        if self.tty:
            bar = "#" * int(share * 30)
            self.stream.write(f"\r{self.label} [{bar:<30}] {self.done}/{self.total} ({rate:.0f}/s)")
        else:
            self.stream.write(
                f"{self.label}: {self.done}/{self.total} ({share:.0%}, {rate:.0f}/s)\n"
            )
        self.stream.flush()

    def finish(self) -> None:
        self._draw(time.monotonic())
        if self.tty:
            self.stream.write("\n")


def shown_time(value: str | None, zone: str) -> str:
    """An ISO 8601 instant as a person reads it: Jumat, 27 November 2026 20.15 WIB."""
    if not value:
        return "-"
    return waktu(dt.datetime.fromisoformat(value), zone)
