"""Agenda/naskah number formats: {seq:05d}/SM/{unit}/{year}, {KKA}/{SEQ}/{UNIT}/{YYYY}…

Tokens (case-insensitive): seq, unit, year/yyyy, mm, roman_mm, kka, jenis, jabatan,
derajat, series. `seq` takes a width: {seq:05d} or {SEQ:04} pad with zeros to 5 or 4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOKENS = frozenset(
    {
        "seq",
        "unit",
        "year",
        "yyyy",
        "mm",
        "roman_mm",
        "kka",
        "jenis",
        "jabatan",
        "derajat",
        "series",
    }
)
_TOKEN = re.compile(r"\{(?P<name>[A-Za-z_]+)(?::(?P<spec>[^{}]*))?\}")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


class NumberFormatError(ValueError):
    """A number format uses an unknown token or a bad width."""


@dataclass(frozen=True)
class NumberParts:
    """The values a number is built from."""

    seq: int
    unit: str
    year: int
    month: int
    series: str = "SM"
    kka: str = ""
    jenis: str = ""
    jabatan: str = ""
    derajat: str = "B"


def validate_format(template: str) -> None:
    """Refuse formats with unknown tokens or without {seq} (numbers must be unique)."""
    names = [m.group("name").lower() for m in _TOKEN.finditer(template)]
    unknown = sorted(set(names) - TOKENS)
    if unknown:
        known = ", ".join(sorted(TOKENS))
        raise NumberFormatError(
            f"unknown token(s) {', '.join(unknown)} in {template!r}; known: {known}"
        )
    if "seq" not in names:
        raise NumberFormatError(f"format {template!r} has no {{seq}} token")
    for match in _TOKEN.finditer(template):
        _width(match.group("spec"), template)


def format_number(template: str, parts: NumberParts) -> str:
    """Render a number; validate_format() first for a clear error message."""
    values = {
        "unit": parts.unit,
        "year": str(parts.year),
        "yyyy": str(parts.year),
        "mm": f"{parts.month:02d}",
        "roman_mm": _ROMAN[parts.month - 1],
        "kka": parts.kka,
        "jenis": parts.jenis,
        "jabatan": parts.jabatan,
        "derajat": parts.derajat,
        "series": parts.series,
    }

    def render(match: re.Match[str]) -> str:
        name = match.group("name").lower()
        if name == "seq":
            return str(parts.seq).zfill(_width(match.group("spec"), template))
        if name not in values:
            raise NumberFormatError(f"unknown token {name!r} in {template!r}")
        return values[name]

    return _TOKEN.sub(render, template)


def _width(spec: str | None, template: str) -> int:
    """Zero-pad width from a spec such as "05d", "04" or "5"; 0 without spec."""
    if not spec:
        return 0
    match = re.fullmatch(r"0?(\d{1,2})d?", spec)
    if not match:
        raise NumberFormatError(f"bad width {spec!r} in {template!r}; write e.g. {{seq:05d}}")
    return int(match.group(1))
