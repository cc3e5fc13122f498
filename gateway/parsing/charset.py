"""Lenient text decoding: declared charset, then UTF-8, then windows-1252, then latin-1."""

from __future__ import annotations

import codecs

# Indonesian senders without a declared charset write Windows or Latin-1 text.
FALLBACK_CHARSETS = ("utf-8", "windows-1252", "iso-8859-1")

# Labels clients put in headers that Python's codec registry does not know.
_ALIASES = {"utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "x-unknown": "", "unknown-8bit": ""}


def known_codec(label: str | None) -> str | None:
    """The Python codec name for a MIME charset label, or None if unusable. Codecs that
    are not text encodings (rot13, base64, zlib: a hostile or broken label) are unusable:
    the text is then guessed like an undeclared one."""
    if not label:
        return None
    label = _ALIASES.get(label.strip().lower(), label.strip().lower())
    if not label:
        return None
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    # The registry's own mark of a bytes-to-text codec (bytes.decode checks the same).
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode `data`; return (text, charset actually used). Never raises."""
    codec = known_codec(declared)
    if codec is not None:
        try:
            return data.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            pass  # A wrong declaration is common; fall through to guessing.
    if data.isascii():
        return data.decode("ascii"), "us-ascii"
    for candidate in FALLBACK_CHARSETS:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    return data.decode("iso-8859-1", errors="replace"), "iso-8859-1"  # pragma: no cover
