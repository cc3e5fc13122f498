"""Pure parsing pieces: headers, charsets, flowed text, metadata, numbering, hashes."""

from __future__ import annotations

import datetime as dt
from email import policy
from email.parser import BytesParser

import pytest

from gateway.core.directory import RecipientDirectory
from gateway.core.numbering import NumberFormatError, NumberParts, format_number, validate_format
from gateway.parsing.automatic import classify_automatic, may_auto_respond
from gateway.parsing.charset import decode_bytes
from gateway.parsing.flowed import unflow
from gateway.parsing.headers import decode_header_value, header_text
from gateway.parsing.html import html_to_text, sanitise_html
from gateway.parsing.message import Limits, MessageTooComplex, content_sha256, parse_message
from gateway.parsing.naskah import (
    clean_subject,
    extract_metadata,
    parse_indonesian_date,
    parse_lampiran,
    sifat_from_words,
)


def parse(raw: bytes):  # type: ignore[no-untyped-def]
    return BytesParser(policy=policy.default).parsebytes(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"Subject: =?utf-8?B?U3VyYXQgRGluYXMg4oCUIFBlbnRpbmc=?=\r\n\r\n", "Surat Dinas — Penting"),
        (b"Subject: =?utf8?Q?Undangan_Rapat?=\r\n\r\n", "Undangan Rapat"),
        (b"Subject: =?utf-8?B?SGFsbyBkdW5pYQ?=\r\n\r\n", "Halo dunia"),  # missing padding
        (b"Subject: Surat \xc3\xa9dit\r\n\r\n", "Surat édit"),  # raw UTF-8
        (b"Subject: Surat \xe9dit\r\n\r\n", "Surat édit"),  # raw windows-1252
        (b"Subject: =?utf-8?q?tidak_selesai\r\n\r\n", "tidak selesai"),
        (b"Subject: a\x00b\r\n\r\n", "a b"),
    ],
)
def test_header_text_survives_broken_and_8bit_headers(raw: bytes, expected: str) -> None:
    assert header_text(parse(raw), "subject") == expected


def test_decode_header_value_keeps_undecodable_words() -> None:
    assert decode_header_value("=?x-nonsense?B?@@@?= ok") in (
        "=?x-nonsense?B?@@@?= ok",
        " ok",
        "ok",
    )


def test_charset_fallbacks() -> None:
    assert decode_bytes("Agüs".encode("cp1252")) == ("Agüs", "windows-1252")
    assert decode_bytes("“kutip”".encode("cp1252"))[0] == "“kutip”"
    assert decode_bytes(b"plain") == ("plain", "us-ascii")
    assert decode_bytes("é".encode(), "no-such-charset") == ("é", "utf-8")
    assert decode_bytes("é".encode("latin-1"), "utf-8")[1] == "windows-1252"  # wrong label


def test_flowed_text_is_joined_and_quotes_kept() -> None:
    text = "Perihal: Permintaan \nData TIK\n> kutipan \n> lanjut\n-- \nTTD"
    assert unflow(text) == "Perihal: Permintaan Data TIK\n> kutipan lanjut\n-- \nTTD"
    assert unflow("a \nb", delsp=True) == "ab"


def test_html_to_text_and_sanitising() -> None:
    html = (
        "<html><head><style>p{}</style></head><body><p>Nomor: 1/2</p>"
        "<table><tr><td>Hal:</td><td>Rapat</td></tr></table><script>x()</script></body></html>"
    )
    text = html_to_text(html)
    assert "Nomor: 1/2" in text and "Hal: Rapat" in text and "x()" not in text
    assert "<script" not in sanitise_html(html) and "onclick" not in sanitise_html(
        '<a onclick="x">a</a>'
    )


def test_content_hash_ignores_trace_headers_only() -> None:
    raw = b"From: a@b.c\r\nSubject: x\r\n\r\nbody\r\n"
    traced = b"Received: from x\r\n by y\r\nReturn-Path: <a@b.c>\r\n" + raw
    assert content_sha256(raw) == content_sha256(traced)
    assert content_sha256(raw) != content_sha256(raw.replace(b"body", b"bodY"))


def test_mime_limits_quarantine_reason() -> None:
    raw = b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for depth in range(5):
        raw += (
            f"--b{depth}\r\nContent-Type: multipart/mixed; boundary=b{depth + 1}\r\n\r\n".encode()
        )
    with pytest.raises(MessageTooComplex, match="deeper than 3"):
        parse_message(raw, Limits(max_depth=3))


def test_missing_message_id_is_synthesised_from_the_content() -> None:
    first = parse_message(b"From: a@b.c\r\nSubject: x\r\n\r\nbody\r\n")
    again = parse_message(b"Received: by relay\r\nFrom: a@b.c\r\nSubject: x\r\n\r\nbody\r\n")
    assert first.message_id_synthesized and first.message_id == again.message_id


def test_display_name_spoofing_is_flagged_and_address_comes_from_addr_spec() -> None:
    parsed = parse_message(b'From: "sekda@banyumaskab.go.id" <x@evil.example>\r\n\r\nhi\r\n')
    assert parsed.sender is not None
    assert parsed.sender.address == "x@evil.example"
    assert "address-in-display-name" in parsed.sender.flags


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("RE: FW: TR: Fwd: Permohonan Data", "Permohonan Data"),
        ("Bls: Re[2]: Undangan", "Undangan"),
        ("SANGAT SEGERA - RAHASIA: Evaluasi Program", "Evaluasi Program"),
        ("[SEGERA] Laporan KLB.", "Laporan KLB"),
        ("Segera ditindaklanjuti: laporan", "ditindaklanjuti: laporan"),
    ],
)
def test_clean_subject(subject: str, expected: str) -> None:
    assert clean_subject(subject) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Purwokerto, 12 Januari 2026", dt.date(2026, 1, 12)),
        ("3 Agt. 2026", dt.date(2026, 8, 3)),
        ("12-01-2026", dt.date(2026, 1, 12)),
        ("2026-02-03", dt.date(2026, 2, 3)),
        ("31 Februari 2026", None),
        ("tanpa tanggal", None),
    ],
)
def test_indonesian_dates(text: str, expected: dt.date | None) -> None:
    assert parse_indonesian_date(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1 (satu) berkas", 1),
        ("dua berkas", 2),
        ("-", 0),
        ("Nihil", 0),
        ("satu bundel", 1),
        ("?", None),
    ],
)
def test_lampiran_values(value: str, expected: int | None) -> None:
    assert parse_lampiran(value) == expected


def test_sifat_words() -> None:
    assert sifat_from_words("SANGAT SEGERA / RAHASIA") == ("SANGAT_SEGERA", "R")
    assert sifat_from_words("Sangat Rahasia") == (None, "SR")
    assert sifat_from_words("Segera, Terbatas") == ("SEGERA", "T")


def test_metadata_records_where_each_field_came_from() -> None:
    raw = (
        b"From: TU <tu@kemkes.go.id>\r\nSubject: Fwd: surat\r\n\r\n"
        b"Yth. Kepala Dinas\r\nNomor   : PK.01.02/1/234/2026\r\nSifat : Segera\r\n"
        b"Lampiran: 2 (dua) berkas\r\nHal : Penguatan Surveilans\r\n\r\n"
        b"Jakarta, 5 Februari 2026\r\n"
    )
    meta = extract_metadata(parse_message(raw), [])
    assert (meta.perihal, meta.nomor_surat, meta.kecepatan) == (
        "Penguatan Surveilans",
        "PK.01.02/1/234/2026",
        "SEGERA",
    )
    assert meta.tanggal_surat == dt.date(2026, 2, 5) and meta.lampiran_count == 2
    assert meta.sources["perihal"] == {"source": "body", "line": 5, "text": "Penguatan Surveilans"}
    assert meta.sources["tanggal_surat"]["line"] == 7


def test_pdf_text_is_a_source_when_the_body_has_no_fields() -> None:
    raw = b"From: a@kemkes.go.id\r\nSubject: surat\r\n\r\nTerlampir.\r\n"
    meta = extract_metadata(
        parse_message(raw), [("surat.pdf", "Nomor : 400.7/9/2026\nPerihal : Vaksinasi")]
    )
    assert meta.nomor_surat == "400.7/9/2026" and meta.klasifikasi == "400.7"
    assert meta.sources["nomor_surat"]["source"] == "pdf:surat.pdf"


def test_automatic_mail_classification() -> None:
    def parsed(headers: str, subject: str = "Surat"):  # type: ignore[no-untyped-def]
        return parse_message(
            f"From: a@b.go.id\r\nSubject: {subject}\r\n{headers}\r\nx\r\n".encode()
        )

    assert classify_automatic(parsed(""), "a@b.go.id") is None
    assert classify_automatic(parsed("Auto-Submitted: no\r\n"), "a@b.go.id") is None
    assert classify_automatic(parsed(""), "").kind == "bounce"  # type: ignore[union-attr]
    assert classify_automatic(parsed("", "Automatic reply: cuti"), "a@b.go.id").kind == "auto"  # type: ignore[union-attr]
    assert may_auto_respond(parsed(""), "no-reply@b.go.id")[0] is False
    assert may_auto_respond(parsed(""), "a@b.go.id") == (True, "")


def test_numbering_formats() -> None:
    parts = NumberParts(seq=7, unit="SETDA", year=2026, month=11, kka="400.7", series="SM")
    assert format_number("{seq:05d}/SM/{unit}/{year}", parts) == "00007/SM/SETDA/2026"
    assert format_number("SM/{SEQ:04}/{YYYY}", parts) == "SM/0007/2026"
    assert format_number("{KKA}/{seq}/{unit}/{ROMAN_MM}/{yyyy}", parts) == "400.7/7/SETDA/XI/2026"
    with pytest.raises(NumberFormatError, match="nomor"):
        validate_format("{nomor}/{seq}")
    with pytest.raises(NumberFormatError, match="no \\{seq\\}"):
        validate_format("SM/{year}")
    with pytest.raises(NumberFormatError, match="bad width"):
        validate_format("{seq:abc}")


def test_recipient_directory() -> None:
    directory = RecipientDirectory(
        "gw.test", {"setda": "SETDA"}, {"kabag.umum": "SETDA"}, frozenset({"tnde"})
    )
    assert directory.resolve("SETDA+x@GW.TEST").address == "setda+x@gw.test"  # type: ignore[union-attr]
    assert directory.resolve("kabag.umum@gw.test").kind == "position"  # type: ignore[union-attr]
    assert directory.resolve("tnde+bounce-4@gw.test").kind == "gateway"  # type: ignore[union-attr]
    for address in ("setda@other.test", "setda@gw.test.other", "x@gw.test", "set da@gw.test"):
        assert directory.resolve(address) is None


@pytest.mark.parametrize("label", ["rot13", "base64", "zlib_codec", "hex", "bz2", "uu"])
def test_a_charset_that_is_no_text_encoding_is_guessed_not_fatal(label: str) -> None:
    # Python knows these names as codecs, but they do not decode bytes to text: a letter
    # declaring one is read as an undeclared one, never refused or quarantined for it.
    raw = (
        b"From: a@b.go.id\r\nTo: setda@x.go.id\r\nSubject: t\r\nMessage-ID: <1@b.go.id>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=" + label.encode() + b"\r\n\r\n"
        b"Nomor: 1/2/2026\r\nPerihal: Uji\r\n"
    )
    parsed = parse_message(raw)
    assert "Perihal: Uji" in parsed.text
    assert decode_bytes(b"caf\xe9", label) == ("caf\xe9", "windows-1252")


def test_parsed_headers_do_not_outlive_their_message() -> None:
    # A parsed address header is a large tree (60 addresses: about 0.5 MB); a cache of
    # them that outlived the message would let a sender fill a worker's memory.
    import gc
    import tracemalloc

    tracemalloc.start()
    try:
        for n in range(40):
            to = ", ".join(f"Pejabat {i} <p{n}x{i}@dinas.go.id>" for i in range(60))
            assert len(to) < 2000
            raw = f"From: a@b.go.id\r\nTo: {to}\r\nSubject: s{n}\r\n\r\nisi\r\n".encode()
            assert len(parse_message(raw).to) == 60
        gc.collect()
        retained, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert retained < 8 * 1024 * 1024, retained
