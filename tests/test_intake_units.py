"""Intake units: the chunked DATA reader, bare newlines, the fast address path."""

from __future__ import annotations

import asyncio
import random
import re

import pytest
from aiosmtpd.handlers import Sink
from aiosmtpd.smtp import SMTP

from gateway.intake.dataread import DataRead, read_data
from gateway.intake.smtp import _PLAIN_PATH, GatewaySMTP, has_bare_newline

LINE_LIMIT = 1001  # aiosmtpd's, the CRLF counted


def stuffed(body: bytes) -> bytes:
    """The body as a client sends it: leading dots doubled, then the end-of-data line."""
    return re.sub(rb"(?m)^\.", b"..", body) + b".\r\n"


def read(
    wire: bytes, *, pieces: int = 1, limit: int | None = None, budget: int = 1 << 30
) -> tuple[DataRead, bytes]:
    """Feed `wire` plus a following command in `pieces` random parts; return what
    read_data made of it and what it left in the stream."""

    async def go() -> tuple[DataRead, bytes]:
        reader = asyncio.StreamReader(limit=LINE_LIMIT)
        data = wire + b"QUIT\r\n"
        cuts = sorted(random.Random(len(wire)).sample(range(1, len(data)), pieces - 1))
        for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
            reader.feed_data(data[start:end])
        reader.feed_eof()
        result = await read_data(reader, limit, LINE_LIMIT, lambda n: n <= budget)
        return result, await reader.read()

    return asyncio.run(go())


BODIES = [
    b"",
    b"Subject: x\r\n\r\nisi\r\n",
    b".\r\n..\r\n. \r\n.x\r\n",  # lines that are or start with dots
    b"Subject: t\r\n\r\nTerima kasih.\r\nHormat kami.\r\n.\r\nlagi\r\n",
    b"Subject: b\r\n\r\n" + b"QUJD" * 19 + b"\r\n" * 1 + (b"QUJD" * 19 + b"\r\n") * 600,
]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("pieces", [1, 3, 50])
def test_a_stuffed_body_reads_back_unchanged_and_the_next_command_stays(
    body: bytes, pieces: int
) -> None:
    result, rest = read(stuffed(body), pieces=min(pieces, len(body) + 3))
    assert result == DataRead(body)
    assert rest == b"QUIT\r\n"


def test_random_bodies_read_back_unchanged() -> None:
    rng = random.Random(7)
    alphabet = [b".", b"\r\n", b"a", b"..", b".\r\n", b"Z" * 40]
    for _ in range(300):
        body = b"".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 200)))
        body = body if body.endswith(b"\r\n") or not body else body + b"\r\n"
        result, rest = read(stuffed(body), pieces=rng.randrange(1, 8))
        assert result == DataRead(body) and rest == b"QUIT\r\n", body


def test_a_body_past_the_size_limit_is_read_to_its_end_and_refused() -> None:
    body = b"x" * 70 + b"\r\n"
    assert read(stuffed(body * 10), limit=720)[0] == DataRead(body * 10)
    result, rest = read(stuffed(body * 11), limit=720, pieces=4)
    assert result == DataRead(b"", "size") and rest == b"QUIT\r\n"


def test_a_line_past_the_line_limit_is_refused() -> None:
    assert read(stuffed(b"y" * 999 + b"\r\n"))[0].refused == ""
    assert read(stuffed(b"y" * 1000 + b"\r\n"))[0] == DataRead(b"", "line")


def test_a_body_the_budget_cannot_cover_is_refused_after_its_end() -> None:
    body = (b"QUJD" * 19 + b"\r\n") * 100
    result, rest = read(stuffed(body), budget=4000, pieces=9)
    assert result == DataRead(b"", "budget") and rest == b"QUIT\r\n"


@pytest.mark.parametrize(
    ("raw", "bare"),
    [
        (b"a\r\nb\r\n", False),
        (b"", False),
        (b"a\rb\r\n", True),
        (b"a\nb\r\n", True),
        (b"a\n\rb", True),  # as many CRs as LFs, but no pair
        (b"a\r\r\nb", True),
        (b"a\n\r\nb", True),
        (b"x" * 5000 + b"\r\n" + b"\n", True),
    ],
)
def test_bare_newlines_are_found_however_they_hide(raw: bytes, bare: bool) -> None:
    assert has_bare_newline(raw) is bare


def test_the_fast_address_path_agrees_with_aiosmtpd_on_every_argument() -> None:
    ours, theirs = GatewaySMTP(Sink()), SMTP(Sink())
    rng = random.Random(2)
    locals_ = ["a", "Z9", "x.y", "!#", "+tag", "-", "_", "..", '"q"', "[1.2.3.4]", "é", "ü"]
    domains = ["go", "id", "b-c", "x1", "-a", "a-", "[127.0.0.1]", "é"]
    tails = ["", " ", " SIZE=5", " SIZE=5 BODY=8BITMIME", "x", "  A=B"]
    fast = 0
    for _ in range(20_000):
        local = "".join(rng.choice(locals_) for _ in range(rng.randrange(1, 4)))
        domain = ".".join(rng.choice(domains) for _ in range(rng.randrange(1, 4)))
        arg = f"{rng.choice(['', ' '])}<{local}@{domain}>{rng.choice(tails)}"
        fast += _PLAIN_PATH.match(arg) is not None
        assert ours._getaddr(arg) == theirs._getaddr(arg), arg
    assert fast > 1000  # the fast path was taken, not only the fallback
    assert ours._getaddr("<>") == theirs._getaddr("<>")
    assert ours._getaddr("") == theirs._getaddr("")
