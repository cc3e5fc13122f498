"""Tiny valid PDF writer (Helvetica text, image-only scans); running it rebuilds the corpus."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

# A line is plain text, or (style, text) with style "kop" (bold, centred, 13pt),
# "kop2" (centred 9pt), "rule" (a horizontal line; text ignored), "b" (bold) or "" (normal).
# An empty string is a blank line.
Line = str | tuple[str, str]

PAGE_W, PAGE_H = 595, 842
LEFT, TOP = 72, 780


def _pdf_text(text: str) -> bytes:
    raw = text.encode("cp1252")
    raw = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + raw + b")"


def _content_stream(lines: Sequence[Line]) -> bytes:
    ops: list[bytes] = []
    y = TOP
    for line in lines:
        style, text = ("", line) if isinstance(line, str) else line
        if style == "rule":
            ops.append(f"1.5 w {LEFT} {y + 6} m {PAGE_W - LEFT} {y + 6} l S".encode())
            y -= 8
            continue
        if not text:
            y -= 10
            continue
        font, size = {"kop": ("F2", 13), "kop2": ("F1", 9), "b": ("F2", 11)}.get(style, ("F1", 11))
        x = LEFT
        if style in ("kop", "kop2"):
            x = int((PAGE_W - len(text) * size * 0.55) / 2)
        ops.append(
            b"BT /"
            + font.encode()
            + f" {size} Tf 1 0 0 1 {x} {y} Tm ".encode()
            + _pdf_text(text)
            + b" Tj ET"
        )
        y -= size + 4
    return b"\n".join(ops) + b"\n"


def _assemble(objects: Sequence[bytes], info: dict[str, str]) -> bytes:
    """Number ``objects`` from 1, append an Info dictionary, write xref and trailer."""
    info_dict = (
        b"<< "
        + b" ".join(b"/" + k.encode() + b" " + _pdf_text(v) for k, v in info.items())
        + b" >>"
    )
    objects = [*objects, info_dict]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    file_id = hashlib.md5(bytes(out)).hexdigest().upper()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R "
        f"/ID [<{file_id}> <{file_id}>] >>\nstartxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


def _stream(dictionary: str, data: bytes) -> bytes:
    return f"<< {dictionary} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def build_text_pdf(lines: Sequence[Line], title: str, author: str, created: str) -> bytes:
    """One A4 page with ``lines`` in Helvetica; ``created`` like ``D:20260112083000+07'00'``."""
    page = (
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
        "/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page.encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        _stream("", _content_stream(lines)),
    ]
    info = {
        "Title": title,
        "Author": author,
        "Producer": "tnde-gateway test corpus (make_pdf.py)",
        "CreationDate": created,
    }
    return _assemble(objects, info)


def build_scanned_pdf(jpeg: bytes, width: int, height: int, title: str, created: str) -> bytes:
    """One A4 page showing a JPEG (DCTDecode) and no text at all, as a copier's scan-to-email."""
    page = (
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
        "/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>"
    )
    image = _stream(
        f"/Type /XObject /Subtype /Image /Width {width} /Height {height} "
        "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode",
        jpeg,
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page.encode(),
        image,
        _stream("", f"q {PAGE_W} 0 0 {PAGE_H} 0 0 cm /Im0 Do Q\n".encode()),
    ]
    return _assemble(
        objects, {"Title": title, "Producer": "tnde-gateway test corpus", "CreationDate": created}
    )


def kop(
    instansi: str, unit: str, alamat: str, pemerintah: str = "PEMERINTAH KABUPATEN BANYUMAS"
) -> list[Line]:
    """The letterhead (kop surat) block of an Indonesian official letter."""
    return [
        ("kop", pemerintah),
        ("kop", instansi),
        ("kop", unit) if unit else "",
        ("kop2", alamat),
        ("rule", ""),
    ]


def main() -> None:
    """Rebuild every committed corpus .eml (they embed PDFs built here) and verify them."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import build_corpus

    build_corpus.main()


if __name__ == "__main__":
    main()
