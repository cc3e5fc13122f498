"""Hostile attachments cost the worker a bounded time and memory: a PDF bomb's text is
extracted in a child process that is stopped at its limit, and a winmail.dat with more
files than the part limit is refused like any MIME bomb."""

from __future__ import annotations

import datetime as dt
import time
import zlib
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Inbound, Naskah
from gateway.isolation.pdftext import Overrun, PdfTextSandbox
from tests.data.tools.make_pdf import _assemble, _stream, build_text_pdf
from tests.data.tools.make_tnef import TnefFile, build_tnef
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import settled

TO = f"setda@{DOMAIN}"
WHEN = dt.datetime(2026, 11, 30, 9, 0)


def deflate_text_operators(size: int) -> bytes:
    """`size` bytes of text-showing operators, deflated, without holding them in memory."""
    squeeze = zlib.compressobj(9)
    block = b"BT /F1 9 Tf 72 700 Td (lampiran) Tj ET\n" * (1 << 12)
    out = [squeeze.compress(block) for _ in range(size // len(block))]
    out.append(squeeze.flush())
    return b"".join(out)


def pdf_bomb(inflated: int = 4 * 1024 * 1024) -> bytes:
    """One page whose content stream is deflated twice and inflates to `inflated` bytes of
    text operators: within pypdf's own caps (75 MB, a token budget), 1 KB of file that
    costs about 7 s of CPU and 250 MB to read in-process (measured on this machine)."""
    once = deflate_text_operators(inflated)
    twice = zlib.compress(once, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        _stream("/Filter [/FlateDecode /FlateDecode]", twice),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return _assemble(objects, {"Title": "Bom"})


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return pdf_bomb()


def test_the_sandbox_reads_an_ordinary_pdf_and_stops_a_bomb(bomb: bytes) -> None:
    sandbox = PdfTextSandbox(timeout=1.0, memory_mb=300)
    try:
        plain = build_text_pdf(["Nomor: 005/1/2026", "Perihal: Undangan"], "t", "a", "D:2026")
        assert "Perihal: Undangan" in sandbox.text(plain)
        started = time.monotonic()
        with pytest.raises(Overrun):
            sandbox.text(bomb)
        assert time.monotonic() - started < 10
        # The child was replaced: the next file is read as usual.
        assert "Perihal: Undangan" in sandbox.text(plain)
    finally:
        sandbox.close()


@pytest.fixture
def gateway(sqlite_url: str) -> Iterator[RunningGateway]:
    settings = gateway_settings(
        sqlite_url, worker={"extraction_timeout": 1.0, "extraction_memory_mb": 300}
    )
    running = RunningGateway(App.build(settings)).start()
    try:
        yield running
    finally:
        running.stop()


def test_a_letter_with_pdf_bombs_registers_flagged_and_other_letters_go_on(
    gateway: RunningGateway, bomb: bytes
) -> None:
    raw = letter(
        to=TO,
        subject="Undangan rapat",
        attachments=[(f"bom{i}.pdf", "application/pdf", bomb) for i in range(3)],
    )
    started = time.monotonic()
    with gateway.smtp() as client:
        client.sendmail("tu@kemkes.go.id", [TO], raw)
        client.sendmail("tu@kemkes.go.id", [TO], letter(to=TO, subject="Surat biasa"))
    wait_for(lambda: settled(gateway.app), timeout=60, what="pipeline")
    # Three bombs, each stopped at its 1 s budget (about 21 s of reading in-process).
    assert time.monotonic() - started < 15
    with gateway.app.db.read() as session:
        states = list(session.scalars(select(Inbound.state).order_by(Inbound.id)))
        flagged = session.scalars(select(Naskah).order_by(Naskah.id)).first()
        assert flagged is not None
        defects = list(flagged.parse_defects)
    assert states == ["registered", "registered"]
    assert sum("pdf-text-over-budget" in d for d in defects) == 3, defects


def test_a_winmail_dat_counts_its_files_toward_the_part_limit(sqlite_url: str) -> None:
    settings = gateway_settings(sqlite_url, worker={"max_mime_parts": 50})
    gateway = RunningGateway(App.build(settings)).start()
    try:
        files = [TnefFile(f"f{i}.txt", b"x", "text/plain", WHEN) for i in range(60)]
        winmail = build_tnef("Surat", "Isi\r\n", files, WHEN, "00" * 16)
        raw = letter(to=TO, attachments=[("winmail.dat", "application/ms-tnef", winmail)])
        with gateway.smtp() as client:
            client.sendmail("tu@kemkes.go.id", [TO], raw)
        wait_for(lambda: settled(gateway.app), what="pipeline")
        with gateway.app.db.read() as session:
            inbound = session.scalars(select(Inbound)).one()
            assert inbound.state == "quarantined"
            assert inbound.reason is not None and "50" in inbound.reason
    finally:
        gateway.stop()


def test_the_childs_cpu_limit_is_per_file_not_for_its_whole_life() -> None:
    # One child reads many files: a CPU limit set once at its start would run out after
    # a few costly but honest PDFs (here about 0.6 s each) and flag innocent letters.
    costly = pdf_bomb(512 * 1024)
    sandbox = PdfTextSandbox(timeout=2.0, memory_mb=400)
    try:
        for _ in range(8):
            assert "lampiran" in sandbox.text(costly)
    finally:
        sandbox.close()


def test_one_child_reads_many_files_and_a_fresh_one_follows_a_file_that_grew_it() -> None:
    # Starting a child costs about 140 ms of CPU: ordinary letters share one child.
    plain = build_text_pdf(["Nomor: 005/1/2026", "Perihal: Undangan"], "t", "a", "D:2026")
    sandbox = PdfTextSandbox(timeout=5.0, memory_mb=600)
    try:
        for _ in range(60):
            assert "Perihal: Undangan" in sandbox.text(plain)
        assert sandbox.started == 1
    finally:
        sandbox.close()
    # A child left holding more memory than its start plus the allowance is sent away
    # after its file (here any memory at all counts), and the next file gets a fresh one.
    strict = PdfTextSandbox(timeout=5.0, memory_mb=600, recycle_growth=-1)
    try:
        for _ in range(3):
            assert "Perihal: Undangan" in strict.text(plain)
        assert strict.started == 3
    finally:
        strict.close()


def test_a_winmail_dat_with_20000_files_is_refused_before_it_is_expanded() -> None:
    from gateway.parsing.message import Limits, MessageTooComplex, parse_message

    files = [TnefFile(f"f{i}.txt", b"x", "text/plain", WHEN) for i in range(20_000)]
    winmail = build_tnef("Surat", "Isi\r\n", files, WHEN, "00" * 16)
    raw = letter(to=TO, attachments=[("winmail.dat", "application/ms-tnef", winmail)])
    started = time.monotonic()
    with pytest.raises(MessageTooComplex, match=r"winmail\.dat"):
        parse_message(raw, Limits(max_parts=1000))
    # Expanding it first took tnefparse about 8 s (bench/hostile.py); counting does not.
    assert time.monotonic() - started < 2
