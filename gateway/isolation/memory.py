"""Handing freed heap back to the system after a large message (glibc keeps it)."""

from __future__ import annotations

import contextlib
import ctypes

# Below this a message's memory is not worth a trim (a trim costs about a millisecond).
TRIM_AFTER_BYTES = 8 * 1024 * 1024


def return_memory() -> None:
    """Ask glibc to release free heap pages, so RSS at rest returns near idle."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)
