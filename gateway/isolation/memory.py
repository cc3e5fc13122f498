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


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
MMAP_THRESHOLD_BYTES = 1024 * 1024


def large_allocations_returnable() -> None:
    """Serve every allocation of 1 MiB or more by mmap, so freeing it returns it to the
    system at once. glibc otherwise raises this threshold after large frees, and later
    multi-megabyte messages land in the heap, where fragments keep RSS high at rest."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
