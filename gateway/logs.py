"""Log output: text or JSON lines, with the letter a line is about.

`tnde serve` and its `tnde worker` processes share one standard error. A write to a pipe
of at most PIPE_BUF bytes (4096 on Linux) is never interleaved with another process's
write, so each JSON line is kept within LINE_BYTES: a long traceback keeps its last part
(the innermost frames and the error), a long message its first, each marked where it was
cut. What remains: a line whose fixed fields alone are longer (a Message-ID of hundreds of
characters) is written whole and may then interleave; a text-format traceback spans
several lines and is one write only up to PIPE_BUF as well; and a file or socket other than
a pipe gives no such promise (an O_APPEND file and journald keep short lines whole in
practice).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from typing import IO, Any
from zoneinfo import ZoneInfo

FORMATS = ("text", "json")
LEVELS = ("debug", "info", "warning", "error")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Text lines: local time in the [mail] timezone (its default here) with the UTC offset.
TEXT_TIME = "%Y-%m-%d %H:%M:%S %z"
DEFAULT_ZONE = "Asia/Jakarta"
# A JSON line's size in bytes, its newline included, at most (where its fixed fields
# allow): under PIPE_BUF, so lines of several processes on one pipe never interleave.
LINE_BYTES = 4000
CUT_HEAD = "[... earlier lines cut to keep the log line short ...]\n"
CUT_TAIL = " [... cut to keep the log line short]"
# What a cut field keeps at least (bytes), however long the rest of the line; the order
# of the cuts: (field, keep its end, down to).
_KEEP_AT_LEAST = 200
_KEEP_MESSAGE = 1000
_CUTS = (
    ("stack", True, _KEEP_AT_LEAST),
    ("message", False, _KEEP_MESSAGE),
    ("exception", True, _KEEP_AT_LEAST),
    ("message", False, _KEEP_AT_LEAST),
)

# A reply, confirmation or tracking token carried in an address's detail part
# (balasan+<token>@domain): base32, lower-case, long. Replaced in every line as a last
# guard; the code never means to log one.
_ADDRESS_TOKEN = re.compile(r"\+[a-z2-7]{16,}(?=@)", re.IGNORECASE)
REDACTED = "+[token]"


@dataclass(frozen=True)
class Letter:
    """What a log line is about: the mail's Message-ID, its inbound row, its agenda number
    (several, comma-separated, when one mail registered in several units) and, for mail
    the gateway sends, its outbox row. Empty fields are left out of the line."""

    message_id: str = ""
    inbound_id: int | None = None
    agenda_number: str = ""
    outbox_id: int | None = None

    def fields(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", None)}


_NONE = Letter()
_current: contextvars.ContextVar[Letter] = contextvars.ContextVar("tnde_letter", default=_NONE)


@contextlib.contextmanager
def letter(**fields: Any) -> Iterator[None]:
    """Lines logged inside the block carry these fields (on top of the enclosing ones)."""
    token = _current.set(replace(_current.get(), **fields))
    try:
        yield
    finally:
        _current.reset(token)


def note(**fields: Any) -> None:
    """Add fields for the rest of the enclosing `letter` block (learnt along the way, such
    as the agenda number once registered)."""
    _current.set(replace(_current.get(), **fields))


def current() -> Letter:
    return _current.get()


_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]{1,500}>)", re.IGNORECASE | re.MULTILINE)


def raw_message_id(raw: bytes) -> str:
    """The Message-ID in a raw message's header (as received, unparsed), or "" (for a log
    line before the worker parsed the message)."""
    head = raw[:65536]
    ends = [i for i in (head.find(b"\r\n\r\n"), head.find(b"\n\n")) if i >= 0]
    found = _MESSAGE_ID.search(head[: min(ends)] if ends else head)
    return found.group(1).decode("ascii", "replace") if found else ""


def redact(text: str) -> str:
    """The text with tokens in address detail parts replaced."""
    return _ADDRESS_TOKEN.sub(REDACTED, text)


class LetterFilter(logging.Filter):
    """Puts the current letter's fields on each record (unless given with extra=)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _current.get().fields().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


def _letter_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        name: getattr(record, name)
        for name in Letter.__dataclass_fields__
        if getattr(record, name, None) not in (None, "")
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, the letter
    fields, and the exception text when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "process": record.process,
            **_letter_fields(record),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return _bounded(entry)


def _dumps(entry: dict[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False, default=str)


def _size(value: str) -> int:
    """Bytes `value` takes in a JSON line (quotes and escapes included)."""
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8"))


def _bounded(entry: dict[str, Any]) -> str:
    """The entry as one JSON line of at most LINE_BYTES (newline included): the stack and
    the exception lose their beginning, the message its end, until it fits (a long message
    first down to _KEEP_MESSAGE, so a traceback keeps its say)."""
    line = _dumps(entry)
    over = len(line.encode("utf-8")) + 1 - LINE_BYTES
    for name, keep_end, floor in _CUTS:
        if over <= 0:
            break
        value = entry.get(name)
        if not isinstance(value, str):
            continue
        budget = max(_size(value) - over, floor)
        entry[name] = _cut(value, budget, keep_end)
        line = _dumps(entry)
        over = len(line.encode("utf-8")) + 1 - LINE_BYTES
    return line


def _cut(text: str, budget: int, keep_end: bool) -> str:
    """`text` with a marker where it was cut, within `budget` JSON bytes: its end kept
    (a traceback: the innermost frames and the error) or its beginning (a message)."""
    if _size(text) <= budget:
        return text

    def kept(n: int) -> str:
        return CUT_HEAD + text[len(text) - n :] if keep_end else text[:n] + CUT_TAIL

    low, high = 0, len(text)
    while low < high:  # the most characters that fit
        middle = (low + high + 1) // 2
        if _size(kept(middle)) <= budget:
            low = middle
        else:
            high = middle - 1
    return kept(low)


class TextFormatter(logging.Formatter):
    """The classic line, the letter fields appended as key=value; the time in `timezone`
    (the [mail] timezone) with its offset, e.g. 2026-12-01 22:05:03 +0700."""

    def __init__(self, timezone: str = DEFAULT_ZONE) -> None:
        super().__init__(TEXT_FORMAT)
        self.zone = ZoneInfo(timezone)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = dt.datetime.fromtimestamp(record.created, self.zone)
        return moment.strftime(datefmt or TEXT_TIME)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = _letter_fields(record)
        if fields:
            head, sep, tail = line.partition("\n")  # the fields go on the message's line
            extra = " ".join(f"{name}={value}" for name, value in fields.items())
            line = f"{head} [{extra}]{sep}{tail}"
        return redact(line)


def configure(
    fmt: str,
    level: str | int,
    stream: IO[str],
    force: bool = False,
    timezone: str = DEFAULT_ZONE,
) -> logging.Handler | None:
    """Send the root logger's lines to `stream` in `fmt`, at `level` (text lines show the
    time in `timezone`). Like logging.basicConfig, nothing changes when the root logger
    has handlers someone else installed (a test runner's) unless `force`; a handler of an
    earlier call is replaced."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown log format {fmt!r}; use one of {', '.join(FORMATS)}")
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, _Handler)]
    if not force and len(ours) != len(root.handlers):
        return None
    for old in list(root.handlers):
        root.removeHandler(old)
    handler = _Handler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter(timezone))
    handler.addFilter(LetterFilter())
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    return handler


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `configure` installs (told apart from other handlers)."""
