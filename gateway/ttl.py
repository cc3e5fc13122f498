"""A value reused for a while before it is loaded again (thread-safe)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Reused(Generic[T]):
    """Holds the last loaded value for `seconds` (0: load every time)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._value: T | None = None
        self._loaded = 0.0
        self._lock = threading.Lock()

    def get(self, load: Callable[[], T]) -> T:
        with self._lock:
            fresh = self._value is not None and time.monotonic() - self._loaded < self.seconds
            if not fresh:
                self._value = load()
                self._loaded = time.monotonic()
            assert self._value is not None
            return self._value
