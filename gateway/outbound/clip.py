"""Caps on sender-supplied text that we repeat in our own mail (the original stays stored)."""

from __future__ import annotations

# Perihal and other sender text: this many characters in a Subject, this many in a body.
SUBJECT_CHARS = 250
BODY_CHARS = 2000


def clip(text: str | None, limit: int) -> str:
    """At most `limit` characters on one line's worth of whitespace, with "…" when cut.

    Folded headers arrive with runs of whitespace and line breaks; they are collapsed so a
    1 MB folded Subject cannot become a 1 MB line in our mail.
    """
    if not text:
        return ""
    flat = " ".join(text.split()) if len(text) <= limit * 4 else " ".join(text[: limit * 4].split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"


def clip_body(text: str | None) -> str:
    """Sender text inside a mail body."""
    return clip(text, BODY_CHARS)


def clip_subject(text: str | None) -> str:
    """Sender text inside a Subject."""
    return clip(text, SUBJECT_CHARS)


def clip_block(text: str | None, limit: int = BODY_CHARS) -> str:
    """Multi-line sender text (a TANGGAPAN, a comment) cut at `limit` characters, lines kept."""
    if not text:
        return ""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"
