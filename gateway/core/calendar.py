"""Business calendar: due times over weekends and holidays, in the display time zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from rules.due import DueSpec, parse_due

END_OF_DAY = dt.time(23, 59, 59)
HOLIDAY_KINDS = ("nasional", "cuti_bersama", "lokal")


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days are Monday-Friday except `holidays` (national, cuti bersama, local)."""

    holidays: frozenset[dt.date] = frozenset()
    zone: str = "Asia/Jakarta"
    weekend: frozenset[int] = field(default_factory=lambda: frozenset({5, 6}))

    def is_workday(self, day: dt.date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def add_workdays(self, day: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `day` (0: `day` itself, or the next workday)."""
        current = day
        if count == 0:
            while not self.is_workday(current):
                current += dt.timedelta(days=1)
            return current
        remaining = count
        while remaining:
            current += dt.timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
        return current

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end`."""
        days, current = 0, start
        while current < end:
            current += dt.timedelta(days=1)
            days += self.is_workday(current)
        return days

    def end_of(self, day: dt.date) -> dt.datetime:
        """23:59:59 local time of `day`, as an aware UTC instant."""
        return dt.datetime.combine(day, END_OF_DAY, ZoneInfo(self.zone)).astimezone(dt.UTC)

    def due(self, spec: DueSpec, start: dt.datetime) -> dt.datetime:
        """When something given at `start` is due under `spec` (kecepatan resolved first)."""
        today = start.astimezone(ZoneInfo(self.zone)).date()
        if spec.kind == "hours":
            return start + dt.timedelta(hours=spec.amount)
        if spec.kind == "same_day":
            return self.end_of(today)
        if spec.kind == "days":
            return self.end_of(today + dt.timedelta(days=spec.amount))
        if spec.kind == "workdays":
            return self.end_of(self.add_workdays(today, spec.amount))
        raise ValueError(f"resolve {spec.kind!r} due specs before computing a date")


def resolve_spec(text: str, kecepatan: str, sla: dict[str, str]) -> DueSpec:
    """A rule's due spec, or the SLA of the letter's kecepatan when it names none."""
    spec = parse_due(text)
    if spec.kind != "kecepatan":
        return spec
    return parse_due(sla.get(kecepatan, sla.get("BIASA", "5 workdays")))


def parse_holidays(rows: Iterable[Any]) -> list[tuple[dt.date, str, str]]:
    """(day, name, kind) from YAML rows {date, name, kind}; ValueError names the bad entry.

    Entries are counted from 1 in messages ("entri ke-2"), as a person reads the list.
    """
    parsed = []
    for index, row in enumerate(rows):
        where = f"entri ke-{index + 1}"
        if not isinstance(row, dict):
            raise ValueError(
                f"{where}: harus berupa tabel {{date: YYYY-MM-DD, name: ..., kind: ...}}"
            )
        date = row.get("date")  # YAML gives a date for 2026-12-25, a string when quoted
        if date is None or str(date).strip() == "":
            raise ValueError(f"{where}: date wajib diisi dengan bentuk YYYY-MM-DD")
        if not isinstance(date, dt.date):
            try:
                day = dt.date.fromisoformat(str(date).strip())
            except ValueError as err:
                raise ValueError(
                    f"{where}: date {str(date)!r} bukan tanggal yang sah; gunakan bentuk "
                    "YYYY-MM-DD, mis. 2026-12-25"
                ) from err
        else:
            day = date
        where = f"{where} ({day.isoformat()})"
        name = str(row.get("name") or "").strip()
        if not name:
            raise ValueError(f"{where}: name wajib diisi")
        kind = str(row.get("kind", "lokal"))
        if kind not in HOLIDAY_KINDS:
            raise ValueError(
                f"{where}: kind {kind!r} harus salah satu dari {', '.join(HOLIDAY_KINDS)}"
            )
        parsed.append((day, name, kind))
    return parsed
