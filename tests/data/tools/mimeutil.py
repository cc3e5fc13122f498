"""Helpers shared by the corpus generators: CRLF, base64/QP/RFC 2047, dates and tiny files."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from email import quoprimime, utils

WIB = dt.timezone(dt.timedelta(hours=7))


def crlf(text: str | bytes) -> bytes:
    """Return ``text`` as bytes with every line ending turned into CRLF."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data.replace(b"\n", b"\r\n")


def part(headers: str, body: str) -> str:
    """A MIME entity: header lines (LF separated), a blank line, the body."""
    return headers.strip("\n") + "\n\n" + body


def multipart(boundary: str, parts: Sequence[str], preamble: str = "") -> str:
    """The body of a multipart entity; every part's content ends right before its delimiter."""
    out = preamble + "\n" if preamble else ""
    for item in parts:
        out += f"--{boundary}\n{item}" + ("" if item.endswith("\n") else "\n")
    return out + f"--{boundary}--\n"


def message(headers: str, body: str) -> bytes:
    """Header block + body, CRLF line ends."""
    return crlf(headers.strip("\n") + "\n\n" + body)


def fill(template: str, **values: str) -> str:
    """Replace ``{{name}}`` placeholders (braces elsewhere, e.g. in CSS, are left alone)."""
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", value)
    if "{{" in template:
        raise ValueError(
            f"unfilled placeholder in template: {template[template.index('{{') :][:40]}"
        )
    return template


def b64_lines(data: bytes, width: int = 76) -> str:
    """Base64 in lines of ``width`` characters joined by LF (turned into CRLF later)."""
    text = base64.b64encode(data).decode("ascii")
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


def qp(text: str, charset: str = "utf-8") -> str:
    """Quoted-printable body in ``charset``, LF line ends and ``=`` soft breaks at 76 columns."""
    latin = text.encode(charset).decode("latin-1")
    return quoprimime.body_encode(latin, maxlinelen=76, eol="\n")


def ew_b(text: str, charset: str = "UTF-8", max_bytes: int = 45) -> list[str]:
    """RFC 2047 B encoded words, split between characters, each at most ~75 characters."""
    words: list[str] = []
    chunk = ""
    for char in text:
        if len((chunk + char).encode(charset)) > max_bytes:
            words.append(_one_word(chunk, charset))
            chunk = ""
        chunk += char
    if chunk:
        words.append(_one_word(chunk, charset))
    return words


def _one_word(chunk: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(chunk.encode(charset)).decode('ascii')}?="


def mail_date(
    year: int, month: int, day: int, hour: int, minute: int, second: int, tz_hours: int = 7
) -> str:
    """RFC 5322 date with the right weekday, e.g. ``Mon, 12 Jan 2026 09:41:07 +0700``."""
    moment = dt.datetime(year, month, day, hour, minute, second, tzinfo=WIB)
    return utils.format_datetime(moment.astimezone(dt.timezone(dt.timedelta(hours=tz_hours))))


def hexid(seed: str, length: int, upper: bool = False) -> str:
    """Deterministic hex string derived from ``seed`` (for Message-IDs, boundaries, queue ids)."""
    out = ""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"{seed}/{counter}".encode()).hexdigest()
        counter += 1
    return out[:length].upper() if upper else out[:length]


def fake_b64(seed: str, length: int) -> str:
    """Deterministic base64-alphabet text (DKIM b=/bh= values, Thread-Index and the like)."""
    raw = bytes.fromhex(hexid(seed, length * 2))
    return base64.b64encode(raw).decode("ascii")[:length]


def alnum(seed: str, length: int) -> str:
    """Deterministic [A-Za-z0-9] string (PHPMailer/Gmail style ids)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    raw = bytes.fromhex(hexid(seed, length * 2))
    return "".join(alphabet[b % len(alphabet)] for b in raw)


def filler(seed: str, size: int) -> bytes:
    """Deterministic incompressible bytes."""
    return hashlib.shake_256(seed.encode()).digest(size)


# ---------------------------------------------------------------- tiny real files


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_bytes(width: int, height: int, pixel: Callable[[int, int], tuple[int, int, int]]) -> bytes:
    """A valid RGB PNG; IDAT uses stored deflate blocks so the bytes never depend on zlib."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows.extend(pixel(x, y))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(bytes(rows), 0))
        + _png_chunk(b"IEND", b"")
    )


def logo_png() -> bytes:
    """A 40x40 'instansi' logo: a gold shield on a green field (Outlook/Apple signature image)."""

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        cx = abs(x - 19.5)
        inside = 6 <= y <= 34 and cx <= 14 - max(0, y - 22) * 1.1
        if inside and (y < 10 or cx > 11 - max(0, y - 22) * 1.1):
            return (30, 90, 50)
        if inside:
            return (222, 176, 40)
        return (255, 255, 255)

    return png_bytes(40, 40, pixel)


def infographic_png() -> bytes:
    """A 64x48 'poster' with coloured bands (inline image in the Apple Mail case)."""

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        if y < 10:
            return (0, 122, 94)
        if 14 <= y <= 16 or 20 <= y <= 22 or 26 <= y <= 28:
            return (60, 60, 60) if 6 <= x <= 40 + (y % 7) * 2 else (250, 250, 245)
        if y >= 34 and 8 <= x <= 56:
            return (230, 80, 60)
        return (250, 250, 245)

    return png_bytes(64, 48, pixel)


def _tiff_exif(make: str, model: str, when: str) -> bytes:
    """Minimal little-endian TIFF IFD0 with Make, Model, Orientation and DateTime."""
    values = [
        (0x010F, 2, (make + "\0").encode("ascii")),
        (0x0110, 2, (model + "\0").encode("ascii")),
        (0x0112, 3, struct.pack("<HH", 1, 0)),
        (0x0132, 2, (when + "\0").encode("ascii")),
    ]
    count = len(values)
    data_offset = 8 + 2 + count * 12 + 4
    entries = b""
    data_area = b""
    for tag, kind, value in values:
        n = len(value) if kind == 2 else 1
        if len(value) <= 4:
            field_value = value.ljust(4, b"\0")
        else:
            field_value = struct.pack("<I", data_offset + len(data_area))
            data_area += value + (b"\0" if len(value) % 2 else b"")
        entries += struct.pack("<HHI", tag, kind, n) + field_value
    return (
        b"II*\0"
        + struct.pack("<I", 8)
        + struct.pack("<H", count)
        + entries
        + b"\0\0\0\0"
        + data_area
    )


def jpeg_bytes(
    width_blocks: int,
    height_blocks: int,
    shade: Callable[[int, int], int],
    exif: tuple[str, str, str] | None = None,
) -> bytes:
    """A valid baseline greyscale JPEG whose 8x8 blocks are flat (DC-only), shade 0..255.

    ``exif`` = (Make, Model, DateTime) adds an APP1 Exif segment as a phone camera writes;
    without it a JFIF APP0 is written (scanner/PDF use).
    """
    out = bytearray(b"\xff\xd8")
    if exif is None:
        app0 = b"JFIF\0\x01\x01\x01\x00\x96\x00\x96\x00\x00"
        out += b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0
    else:
        app1 = b"Exif\0\0" + _tiff_exif(*exif)
        out += b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
    out += b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + b"\x01" * 64
    height, width = height_blocks * 8, width_blocks * 8
    out += b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    dc_bits = bytes([0, 0, 0, 12] + [0] * 12)
    dc_vals = bytes(range(12))
    out += b"\xff\xc4" + struct.pack(">H", 2 + 1 + 16 + 12) + b"\x00" + dc_bits + dc_vals
    ac_bits = bytes([1] + [0] * 15)
    out += b"\xff\xc4" + struct.pack(">H", 2 + 1 + 16 + 1) + b"\x10" + ac_bits + b"\x00"
    out += b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00"

    bits: list[int] = []
    previous = 0
    for by in range(height_blocks):
        for bx in range(width_blocks):
            dc = 8 * (max(0, min(255, shade(bx, by))) - 128)
            diff = dc - previous
            previous = dc
            size = abs(diff).bit_length()
            bits.extend((size >> (3 - i)) & 1 for i in range(4))
            if size:
                value = diff if diff >= 0 else diff + (1 << size) - 1
                bits.extend((value >> (size - 1 - i)) & 1 for i in range(size))
            bits.append(0)  # AC: end of block
    bits.extend([1] * (-len(bits) % 8))
    for i in range(0, len(bits), 8):
        byte = int("".join(map(str, bits[i : i + 8])), 2)
        out.append(byte)
        if byte == 0xFF:
            out.append(0)
    out += b"\xff\xd9"
    return bytes(out)


def letter_photo_jpeg(exif: tuple[str, str, str] | None, seed: int = 0) -> bytes:
    """A 96x128 'photo of a printed letter': paper, a kop line and rows of text blocks."""

    def shade(bx: int, by: int) -> int:
        if bx in (0, 11) or by in (0, 15):
            return 70  # desk around the paper
        if by == 2 and 2 <= bx <= 9:
            return 40  # kop surat
        if by == 3:
            return 120
        if by >= 5 and by % 2 == 1 and by <= 13 and 1 <= bx <= 10 - ((by + seed) % 3):
            return 95  # text lines
        return 232 - ((bx + by + seed) % 3) * 4

    return jpeg_bytes(12, 16, shade, exif)


_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # what Microsoft Office itself writes into OOXML packages


def _zip(members: Sequence[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 0
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def docx_bytes(paragraphs: Sequence[str]) -> bytes:
    """A minimal but valid Word document (.docx) with the given paragraphs."""
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{_esc(p)}</w:t></w:r></w:p>' for p in paragraphs
    )
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    content_types = (
        f'{_XML}<Types xmlns="{_CT_NS}">'
        f'<Default Extension="rels" ContentType="{_RELS_TYPE}"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
    )
    rels = (
        f'{_XML}<Relationships xmlns="{_RELS_NS}">'
        f'<Relationship Id="rId1" Type="{_OFFICE_DOC}" Target="word/document.xml"/></Relationships>'
    )
    document = (
        f"{_XML}<w:document xmlns:w="
        '"http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}<w:sectPr/></w:body></w:document>"
    )
    return _zip(
        [
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", rels),
            ("word/document.xml", document),
        ]
    )


def xlsx_bytes(rows: Sequence[Sequence[str | int]]) -> bytes:
    """A minimal but valid Excel workbook (.xlsx), one sheet, inline strings."""
    sheet_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(ord('A') + c)}{r}"
            if isinstance(value, int):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{_esc(value)}</t></is></c>')
        sheet_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    sml = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    content_types = (
        f'{_XML}<Types xmlns="{_CT_NS}">'
        f'<Default Extension="rels" ContentType="{_RELS_TYPE}"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{sml}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sml}.worksheet+xml"/>'
        "</Types>"
    )
    rels = (
        f'{_XML}<Relationships xmlns="{_RELS_NS}">'
        f'<Relationship Id="rId1" Type="{_OFFICE_DOC}" Target="xl/workbook.xml"/></Relationships>'
    )
    ns_main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    ns_r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    workbook = (
        f'{_XML}<workbook xmlns="{ns_main}" xmlns:r="{ns_r}">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    wb_rels = (
        f'{_XML}<Relationships xmlns="{_RELS_NS}"><Relationship Id="rId1" '
        f'Type="{ns_r}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    )
    sheet_data = "".join(sheet_rows)
    sheet = f'{_XML}<worksheet xmlns="{ns_main}"><sheetData>{sheet_data}</sheetData></worksheet>'
    return _zip(
        [
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", rels),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", wb_rels),
            ("xl/worksheets/sheet1.xml", sheet),
        ]
    )


def _der(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + content


def dummy_pkcs7_signature(seed: str, size: int = 1800) -> bytes:
    """DER-shaped CMS SignedData (OID 1.2.840.113549.1.7.2) around filler: not a real signature."""
    oid = bytes.fromhex("06092a864886f70d010702")
    inner = _der(0x30, bytes.fromhex("020101") + _der(0x04, filler(seed, size)))
    return _der(0x30, oid + _der(0xA0, inner))
