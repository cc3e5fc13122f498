"""File and folder names that are safe on every file system and inside a zip."""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[^\w.()\- ]+", re.UNICODE)
_RUNS = re.compile(r"[-_ ]{2,}")
# Names Windows refuses whatever the extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10))}
_RESERVED |= {f"LPT{i}" for i in range(1, 10)}


def safe_name(name: str, fallback: str = "berkas", limit: int = 100, byte_limit: int = 200) -> str:
    """One path component: no separators, control or reserved characters, no leading
    dot, not a reserved device name, at most `limit` characters and `byte_limit` bytes of
    UTF-8 (file systems such as ext4 count 255 bytes, and aksara Jawa or CJK take three
    or four a character; the rest is room for " (2)"), keeping the extension."""
    text = unicodedata.normalize("NFKC", name or "").replace("/", "-").replace("\\", "-")
    text = _UNSAFE.sub("_", text)
    text = _RUNS.sub(lambda m: m.group(0)[0], text).strip(" ._-")
    if not text or text.split(".")[0].upper() in _RESERVED:
        text = f"{fallback}_{text}" if text else fallback
    if len(text) > limit or _size(text) > byte_limit:
        stem, dot, ext = text.rpartition(".")
        if not (dot and stem and 0 < len(ext) <= 10):
            stem, ext = text, ""
        tail = f".{ext}" if ext else ""
        stem = stem[: limit - len(tail)]
        while _size(stem + tail) > byte_limit:
            stem = stem[:-1]
        text = (stem.rstrip(" ._-") or fallback) + tail
    return text


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name (2)`, `name (3)` … before the extension, whichever is free
    (compared case-insensitively, as Windows and macOS do); the result is marked taken."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{stem} ({number})" + (f".{ext}" if ext else "")
    taken.add(candidate.lower())
    return candidate
