"""Reads one DATA body in chunks, reserving memory for it as its bytes arrive."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

END_OF_DATA = b"\r\n.\r\n"
# A line ending in a dot: where an end of data may be. Searching for it, not for every
# CRLF, reads a base64 attachment in stream-buffer-sized pieces instead of line by line.
_DOT_LINE_END = b".\r\n"


@dataclass(frozen=True)
class DataRead:
    """The body as the client meant it (dot-stuffing removed), or why it is refused."""

    content: bytes
    # "" (fine), "size" (past the size limit), "line" (a line past the line limit) or
    # "budget" (the process's budget for message data in memory is spent).
    refused: str = ""


def _longest_line(body: bytes) -> int:
    """The length of the body's longest line, without its CRLF. By `find` in C, without
    copying the body (a regex such as [^\r\n]{1000} retried at every position and cost
    5 ms per 20 KiB; splitting copied every line)."""
    longest = start = 0
    while (end := body.find(b"\r\n", start)) >= 0:
        longest = max(longest, end - start)
        start = end + 2
    return max(longest, len(body) - start)


async def read_data(
    reader: asyncio.StreamReader,
    size_limit: int | None,
    line_length_limit: int,
    reserve_up_to: Callable[[int], bool],
) -> DataRead:
    """Read until the end-of-data line; the whole body always, so the answer comes after
    it (RFC 5321 4.2.5), but keep nothing of a body already refused.

    `reserve_up_to(n)` is asked to cover `n` bytes held whenever the body grows past what
    it covered; when it says no the body is refused with "budget"."""
    held = bytearray()
    refused = ""
    total = 0
    while True:
        try:
            chunk = await reader.readuntil(_DOT_LINE_END)
        except asyncio.LimitOverrunError as err:
            # No dot line within the stream's buffer limit: take what can hold no part
            # of an end-of-data line (the reader keeps the last bytes back).
            chunk = await reader.readexactly(err.consumed)
        total += len(chunk)
        held += chunk
        if not refused:
            if size_limit and total - len(_DOT_LINE_END) > size_limit:
                refused = "size"
            elif not reserve_up_to(len(held)):
                refused = "budget"
        if refused:
            # Keep nothing of a refused body: only whether its end has come still matters.
            held = held[-len(END_OF_DATA) :]
        if held.endswith(END_OF_DATA) or (total == len(_DOT_LINE_END) and held == b".\r\n"):
            break
    if refused:
        return DataRead(b"", refused)
    # The buffer goes once its bytes are taken: at most two copies of the body at once.
    del held[-len(_DOT_LINE_END) :]
    body = bytes(held)
    del held
    # The limit counts the CRLF, as aiosmtpd's does.
    if _longest_line(body) > line_length_limit - 2:
        return DataRead(b"", "line")
    # Undo dot-stuffing (RFC 5321 4.5.2): a line's leading dot was doubled by the client.
    if body.startswith(b"."):
        body = body[1:]
    return DataRead(body.replace(b"\r\n.", b"\r\n") if b"\r\n." in body else body)
