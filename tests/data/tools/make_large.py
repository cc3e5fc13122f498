"""Writes the large-attachment case (default 20 MiB PDF) on demand; never committed to the repo."""

from __future__ import annotations

import base64
import hashlib
import sys
from pathlib import Path

SENDER = "p2p@dinkes.banyumaskab.go.id"
RECIPIENT = "bappeda@tnde.banyumaskab.go.id"
FILENAME = "Profil_Kesehatan_Kabupaten_Banyumas_2025.pdf"
BOUNDARY = "----=_NextPart_000_01A7_01DC8B4E.7C2F9A30"

HEADERS = f"""Received: from DESKTOP-P2P07 (unknown [10.10.3.71])
	(Authenticated sender: {SENDER})
	by mail.dinkes.banyumaskab.go.id (Postfix) with ESMTPSA id 4dX9qL2mVnz3kTb
	for <{RECIPIENT}>; Tue, 27 Jan 2026 13:58:40 +0700 (WIB)
From: "Bidang P2P Dinkes Banyumas" <{SENDER}>
To: <{RECIPIENT}>
Subject: Profil Kesehatan Kabupaten Banyumas Tahun 2025
Date: Tue, 27 Jan 2026 13:57:12 +0700
Message-ID: <01a701dc8b4e$7c2f9a30$74b4ce90$@dinkes.banyumaskab.go.id>
MIME-Version: 1.0
Content-Type: multipart/mixed;
	boundary="{BOUNDARY}"
X-Mailer: Microsoft Outlook 16.0
Thread-Index: AdyLTnwvmjB0tM6QQ1Sm2p9fGkVw7g==
Content-Language: id

This is a multipart message in MIME format.

--{BOUNDARY}
Content-Type: text/plain;
	charset="us-ascii"
Content-Transfer-Encoding: 7bit

Yth. Kepala Bappeda Kabupaten Banyumas

Nomor    : 400.7/0388/2026
Sifat    : Biasa
Lampiran : 1 (satu) berkas
Perihal  : Penyampaian Dokumen Profil Kesehatan Kabupaten Banyumas Tahun 2025

Bersama ini kami sampaikan dokumen Profil Kesehatan Kabupaten Banyumas
Tahun 2025 sebagai bahan penyusunan RKPD Tahun 2027. Karena ukuran berkas
cukup besar (hasil pindai dengan resolusi tinggi), mohon dapat diunduh
melalui jaringan kantor.

Purwokerto, 27 Januari 2026
Kepala Bidang Pencegahan dan Pengendalian Penyakit

--{BOUNDARY}
Content-Type: application/pdf;
	name="{FILENAME}"
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
	filename="{FILENAME}"

"""

PAGE_LINES = [
    "PEMERINTAH KABUPATEN BANYUMAS",
    "DINAS KESEHATAN",
    "PROFIL KESEHATAN KABUPATEN BANYUMAS TAHUN 2025",
    "Nomor : 400.7/0388/2026",
    "Purwokerto, 27 Januari 2026",
]


def _text(value: str) -> bytes:
    return b"(" + value.encode("cp1252").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf_parts(filler_len: int) -> tuple[bytes, bytes]:
    """(head, tail) around the filler of a valid PDF whose 7th object is a big stream."""
    content = b"\n".join(
        b"BT /F1 11 Tf 1 0 0 1 72 " + str(780 - 16 * i).encode() + b" Tm " + _text(t) + b" Tj ET"
        for i, t in enumerate(PAGE_LINES)
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> "
        b"/XObject << /Im0 7 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Producer (tnde-gateway test corpus \\(make_large.py\\)) >>",
    ]
    head = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(head))
        head += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    offsets.append(len(head))
    # A 1x1 greyscale image whose stream is padded: real scans are mostly image bytes.
    head += (
        b"7 0 obj\n<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length " + str(filler_len).encode() + b" >>\nstream\n"
    )
    tail = bytearray(b"\nendstream\nendobj\n")
    xref_at = len(head) + filler_len + len(tail)
    tail += b"xref\n0 8\n0000000000 65535 f \n"
    for offset in offsets:
        tail += f"{offset:010d} 00000 n \n".encode()
    tail += (
        f"trailer\n<< /Size 8 /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    )
    return bytes(head), bytes(tail)


def large_pdf(size: int) -> bytes:
    """A valid one-page PDF of exactly ``size`` bytes (text page + padded image stream)."""
    filler_len = size
    for _ in range(10):
        head, tail = _pdf_parts(filler_len)
        wanted = size - len(head) - len(tail)
        if wanted < 1:
            raise ValueError(f"size {size} is too small for the PDF skeleton")
        if wanted == filler_len:
            break
        filler_len = wanted
    head, tail = _pdf_parts(filler_len)
    data = head + hashlib.shake_256(b"tnde-large-attachment").digest(filler_len) + tail
    if len(data) != size:
        raise AssertionError(f"built {len(data)} bytes, wanted {size}")
    return data


def write_large_attachment_eml(path: Path, size: int = 20 * 1024 * 1024) -> None:
    """Write the message to ``path``: CRLF throughout, the PDF base64 in 76-column lines."""
    pdf = large_pdf(size)
    chunk = 57 * 4096  # a multiple of 57 bytes gives whole 76-character lines
    with Path(path).open("wb") as out:
        out.write(HEADERS.replace("\n", "\r\n").encode("ascii"))
        for start in range(0, len(pdf), chunk):
            text = base64.b64encode(pdf[start : start + chunk])
            lines = [text[i : i + 76] for i in range(0, len(text), 76)]
            out.write(b"\r\n".join(lines) + b"\r\n")
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode("ascii"))


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/large_attachment_20mb.eml")
    write_large_attachment_eml(target)
    print(target)
