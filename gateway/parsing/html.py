"""HTML mail: a readable plain-text rendering, and a sanitised copy safe to display."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table"}
    | {"blockquote", "pre", "hr", "section", "article"}
)
_SKIP_TAGS = frozenset({"script", "style", "head", "title"})
_VOID_TAGS = frozenset({"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr"})
# Containers mail clients put the quoted history in (Gmail, Thunderbird, Yahoo, Outlook).
_QUOTE_MARKERS = re.compile(
    r"gmail_quote|gmail_attr|moz-cite-prefix|yahoo_quoted|ydp[0-9a-f]*yahoo_quoted"
    r"|divrplyfwdmsg|outlookmessageheader|appendonsend|mail-quote|zmail_extra",
    re.IGNORECASE,
)
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


class _TextExtractor(HTMLParser):
    """Collects text, turning block elements and cells into line and column breaks."""

    def __init__(self, drop_quotes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._drop_quotes = drop_quotes
        self._stack: list[tuple[str, bool]] = []  # (tag, starts a quoted block)

    @property
    def _in_quote(self) -> bool:
        return any(quoted for _, quoted in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        if tag not in _VOID_TAGS:
            self._stack.append((tag, self._drop_quotes and _is_quote(tag, attrs)))
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skip_depth:
            self._skip_depth -= 1
        # Pop up to the matching open tag (mail HTML often leaves tags unclosed).
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth and not self._in_quote:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def _is_quote(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    if tag == "blockquote":
        return True
    marks = " ".join(value or "" for name, value in attrs if name in ("class", "id"))
    return bool(_QUOTE_MARKERS.search(marks))


def html_to_text(html: str, drop_quotes: bool = False) -> str:
    """Plain text for display and metadata; `drop_quotes` leaves out quoted history."""
    extractor = _TextExtractor(drop_quotes)
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # HTMLParser is lenient, but be certain a bad mail cannot crash us.
        return re.sub(r"<[^>]*>", " ", html)
    text = "".join(extractor.parts).replace("\xa0", " ")
    lines = (line.strip() for line in text.split("\n"))
    text = "\n".join(lines)
    text = _TRAILING_SPACE.sub("\n", text)
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()


def sanitise_html(html: str) -> str:
    """Remove scripts, event handlers and remote loads so the panel can show the HTML."""
    return nh3.clean(html, url_schemes={"http", "https", "mailto", "cid"})
