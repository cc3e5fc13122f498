"""Isolate the new part of a reply: no quoted text, attribution lines, signatures or footers.

Top-posted replies end at the first quote boundary. Bottom-posted replies (the quote comes
first) are read after the quote, up to the signature. Outlook quotes without ">": its
"From:/Sent:" (or Indonesian "Dari:/Dikirim:") header block is the boundary.
"""

from __future__ import annotations

import re

from gateway.parsing.html import html_to_text
from gateway.parsing.message import ParsedMessage

_ATTRIBUTION = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^on\b.{0,200}\bwrote:?\s*$",  # Gmail, Apple Mail, Thunderbird (English)
        r"^pada\b.{0,200}\bmenulis:?\s*$",  # the same in Bahasa Indonesia
        r"^.{0,200}\b(wrote|menulis|schrieb|a écrit|escribió):\s*$",
        r"^-{2,}\s*(original message|pesan asli|pesan awal)\s*-{2,}\s*$",
        r"^-{2,}\s*(forwarded message|pesan yang diteruskan|pesan terusan)\s*-{2,}\s*$",
        r"^_{20,}\s*$",  # Outlook's separator line above its header block
        r"^begin forwarded message:?\s*$",
    )
]
_WRAPPED_ATTRIBUTION = re.compile(r"^(on|pada|am|le|el)\s.{0,200}$", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(r"\b(wrote|menulis|schrieb|a écrit|escribió):\s*$", re.IGNORECASE)
_HEADER_BLOCK_START = re.compile(r"^\*?(from|dari|von|de)\s*:\*?\s+\S", re.IGNORECASE)
_HEADER_BLOCK_NEXT = re.compile(
    r"^\*?(sent|date|dikirim|tanggal|to|kepada|subject|perihal|subjek|cc)\s*:", re.IGNORECASE
)
_FOOTERS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^sent from my \w+",
        r"^sent from (outlook|mail|yahoo mail|samsung)",
        r"^get outlook for (ios|android)",
        r"^dikirim dari\b",
        r"^dikirim (menggunakan|melalui|lewat)\b",
        r"^diketik dari\b",
    )
]
SIGNATURE = re.compile(r"^--\s?$")


def is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def is_boundary(lines: list[str], index: int) -> bool:
    """Whether line `index` starts quoted history (attribution, header block, quote)."""
    line = lines[index].strip()
    if is_quote(lines[index]) or any(p.match(line) for p in _ATTRIBUTION):
        return True
    # Gmail wraps a long "On ... <address>" attribution; "wrote:" ends a later line.
    if _WRAPPED_ATTRIBUTION.match(line) and any(
        _ATTRIBUTION_END.search(item.strip()) for item in lines[index + 1 : index + 3]
    ):
        return True
    if _HEADER_BLOCK_START.match(line):
        following = [item.strip() for item in lines[index + 1 : index + 5] if item.strip()]
        return any(_HEADER_BLOCK_NEXT.match(item) for item in following[:3])
    return False


def is_end(line: str) -> bool:
    """A signature separator or a mobile footer: nothing after it is the author's text."""
    stripped = line.strip()
    return bool(SIGNATURE.match(line.rstrip("\r"))) or any(p.match(stripped) for p in _FOOTERS)


def new_text(text: str) -> str:
    """The author's own text of a reply, top- or bottom-posted."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return ""
    if not is_boundary(lines, first):
        return _tidy(_until_boundary(lines, first))
    if not _quoted_with_marks(lines, first):
        # History without ">" marks (Outlook, Yahoo's indented quote) and nothing above
        # it: there is no way to tell an answer below from the quote, so nothing is new.
        return ""
    return _tidy(_after_quotes(lines, first))


def _quoted_with_marks(lines: list[str], first: int) -> bool:
    """Bottom-posting is only recognisable when the history is ">"-quoted."""
    if is_quote(lines[first]):
        return True
    rest = [line for line in lines[first + 1 :] if line.strip()]
    if rest and _ATTRIBUTION_END.search(rest[0].strip()) and not is_quote(rest[0]):
        rest = rest[1:]  # the second half of a wrapped "On ... wrote:" line
    return bool(rest) and is_quote(rest[0])


def _until_boundary(lines: list[str], start: int) -> list[str]:
    kept = []
    for index in range(start, len(lines)):
        if is_boundary(lines, index) or is_end(lines[index]):
            break
        kept.append(lines[index])
    return kept


def _after_quotes(lines: list[str], start: int) -> list[str]:
    """Bottom-posting: the unquoted lines between and after quotes, up to a signature."""
    kept: list[str] = []
    index = start
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if is_end(line):
            break
        if _HEADER_BLOCK_START.match(stripped) and is_boundary(lines, index):
            break  # an unquoted forwarded/Outlook block: history, not the author's text
        if is_quote(line) or any(p.match(stripped) for p in _ATTRIBUTION):
            index += 1
            continue
        if _WRAPPED_ATTRIBUTION.match(stripped) and is_boundary(lines, index):
            index = _attribution_end(lines, index) + 1  # skip "On ... <address>" / "wrote:"
            continue
        kept.append(line)
        index += 1
    return kept


def _attribution_end(lines: list[str], start: int) -> int:
    for index in range(start, min(start + 3, len(lines))):
        if _ATTRIBUTION_END.search(lines[index].strip()):
            return index
    return start


def _tidy(lines: list[str]) -> str:
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(line.rstrip() for line in lines)


def reply_text(parsed: ParsedMessage) -> str:
    """The reply's text: the plain part, or the HTML without its quoted history."""
    if parsed.text_source == "plain":
        return parsed.text
    if parsed.html_raw:
        return html_to_text(parsed.html_raw, drop_quotes=True)
    return parsed.text
