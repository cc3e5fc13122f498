"""BATAS in a reply: a date (12-01-2027, 12 Januari 2027) or a span (3 hari, 3 hari kerja)."""

from __future__ import annotations

import datetime as dt

from gateway.core.calendar import BusinessCalendar
from gateway.parsing.naskah import parse_indonesian_date
from gateway.timefmt import local
from rules.due import DueSpec, parse_due
from rules.errors import RuleError

_RELATIVE_DAYS = {"besok": 1, "lusa": 2, "tomorrow": 1}


def read_batas(text: str) -> DueSpec | dt.date | None:
    """What BATAS says before any calendar is applied: a span, a date, or None (not understood).

    The reply parser uses it to refuse an unreadable BATAS; the executor turns it into a due time.
    """
    value = " ".join(text.lower().split()).rstrip(".")
    if value in _RELATIVE_DAYS:
        return DueSpec("days", _RELATIVE_DAYS[value])
    date = parse_indonesian_date(value)
    if date is not None:
        return date
    try:
        spec = parse_due(value)
    except RuleError:
        return None
    return None if spec.kind == "kecepatan" else spec


def parse_batas(text: str, now: dt.datetime, calendar: BusinessCalendar) -> dt.datetime | None:
    """The due instant, or None when the text is not a date or span we understand."""
    value = read_batas(text)
    if value is None:
        return None
    if isinstance(value, dt.date):
        return calendar.end_of(value)
    return calendar.due(value, now)


def in_the_past(due: dt.datetime, now: dt.datetime, zone: str) -> bool:
    """A due day before today is a typo, not a deadline."""
    return local(due, zone).date() < local(now, zone).date()
