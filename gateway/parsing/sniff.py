"""Content-type sniffing from the bytes (declared types of attachments lie often)."""

from __future__ import annotations

import puremagic

_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def sniff_type(data: bytes) -> str | None:
    """The MIME type the content really has, or None when it is not recognisable."""
    if not data:
        return None
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        head = data[:4096]
        for marker, mime in _OOXML.items():
            if marker.encode() in head:
                return mime
    try:
        matches = puremagic.magic_string(data[:8192])
    except Exception:  # puremagic raises on content it has no signature for.
        matches = []
    for match in matches:
        if match.mime_type:
            return str(match.mime_type)
    if _looks_like_text(data[:4096]):
        return "text/plain"
    return None


def _looks_like_text(sample: bytes) -> bool:
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError:
        printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in sample)
        return printable / max(len(sample), 1) > 0.9
