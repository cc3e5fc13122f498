"""Times in Bahasa Indonesia and WIB: stored in UTC, shown in Asia/Jakarta."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def local(value: dt.datetime, zone: str = "Asia/Jakarta") -> dt.datetime:
    """The instant in the display zone."""
    return value.astimezone(ZoneInfo(zone))


def tanggal(value: dt.date) -> str:
    """12 Januari 2026."""
    return f"{value.day} {BULAN[value.month - 1]} {value.year}"


def waktu(value: dt.datetime, zone: str = "Asia/Jakarta") -> str:
    """Jumat, 27 November 2026 20.15 WIB."""
    shown = local(value, zone)
    suffix = ZONE_NAMES.get(zone, zone)
    return f"{HARI[shown.weekday()]}, {tanggal(shown.date())} {shown:%H.%M} {suffix}"


def utcnow() -> dt.datetime:
    """The current instant, timezone-aware."""
    return dt.datetime.now(dt.UTC)
