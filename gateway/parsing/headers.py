"""Robust header decoding: RFC 2047 (even broken), raw 8-bit bytes, folded lines."""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from email.message import EmailMessage

from gateway.parsing.charset import decode_bytes

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)(?:\?=|$|(?=\s))")
_SPACE_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")
_WHITESPACE = re.compile(r"\s+")


def raw_header(msg: EmailMessage, name: str) -> str | None:
    """The undecoded value of the first `name` header (8-bit bytes as surrogates)."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


# Longer header values are cut before decoding: the standard library's header parser is
# superlinear (a folded 1 MB Subject cost ~10 s of CPU). The stored original keeps it all.
MAX_HEADER_CHARS = 16_384


def header_text(msg: EmailMessage, name: str) -> str:
    """A display-ready header value; falls back to our own decoder when Python's fails."""
    raw = raw_header(msg, name)
    if raw is not None and len(raw) > MAX_HEADER_CHARS:
        return _clean(decode_header_value(raw[:MAX_HEADER_CHARS]))
    try:
        value = msg.get(name)
    except Exception:  # A malformed header can make the policy's parser raise.
        value = None
    text = str(value) if value is not None else ""
    if text and "\ufffd" not in text and not _has_surrogates(text) and "=?" not in text:
        return _clean(text)
    return _clean(decode_header_value(raw)) if raw is not None else _clean(text)


def decode_header_value(raw: str) -> str:
    """Decode raw header text: 8-bit bytes by charset guessing, encoded words leniently."""
    data = raw.encode("utf-8", "surrogateescape")
    text, _ = decode_bytes(data)
    # RFC 2047 6.2: whitespace between two adjacent encoded words is not displayed.
    text = _SPACE_BETWEEN_WORDS.sub(r"\1\2", text)
    return _ENCODED_WORD.sub(_decode_word, text)


def _decode_word(match: re.Match[str]) -> str:
    """Decode one encoded word; keep it verbatim if it cannot be decoded at all."""
    charset, encoding, payload = match.group(1), match.group(2).upper(), match.group(3)
    charset = charset.split("*", 1)[0]  # RFC 2231 language suffix
    try:
        if encoding == "B":
            padded = payload + "=" * (-len(payload) % 4)
            data = base64.b64decode(padded, validate=False)
        else:
            data = quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"))
    except (binascii.Error, ValueError):
        return match.group(0)
    return decode_bytes(data, charset)[0]


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _clean(text: str) -> str:
    """Unfold, drop control characters (NUL tricks), collapse whitespace."""
    text = "".join(ch if ch.isprintable() or ch in "\t " else " " for ch in text)
    return _WHITESPACE.sub(" ", text).strip()
