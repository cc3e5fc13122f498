"""A settable clock for tests of time-dependent behaviour (years, deadlines, leases)."""

from __future__ import annotations

import datetime as dt
import threading

# Tuesday 1 December 2026, 10:00 WIB: a working day inside office hours. Gateways in tests
# run on this clock unless a test sets another, so routing does not depend on when CI runs.
OFFICE_HOURS = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)


class FakeClock:
    """Returns `now` until told otherwise; safe to read from worker threads."""

    def __init__(self, now: dt.datetime) -> None:
        self._now = now
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, now: dt.datetime) -> None:
        with self._lock:
            self._now = now

    def advance(self, **delta: float) -> None:
        with self._lock:
            self._now += dt.timedelta(**delta)
