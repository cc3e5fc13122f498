"""Due-time specs in rules and replies: "1d", "4h", "3 workdays", "3 hari kerja", "same day"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rules.errors import RuleError

_SPEC = re.compile(
    r"^(?P<n>\d{1,3})\s*(?P<unit>d|h|days?|hours?|jam|hari|workdays?|working\s+days?|hari\s+kerja)$"
)
_SAME_DAY = ("same day", "hari ini", "hari yang sama", "0d")
_FROM_KECEPATAN = ("", "kecepatan", "auto", "otomatis")


@dataclass(frozen=True)
class DueSpec:
    """How to compute a due time: from kecepatan, same day, or n hours/days/workdays."""

    kind: str  # kecepatan | same_day | hours | days | workdays
    amount: int = 0


def parse_due(text: str, where: str = "due") -> DueSpec:
    """Parse a due spec; RuleError with the accepted forms when it is not one."""
    value = " ".join(str(text).strip().lower().split())
    if value in _FROM_KECEPATAN:
        return DueSpec("kecepatan")
    if value in _SAME_DAY:
        return DueSpec("same_day")
    match = _SPEC.match(value)
    if not match:
        raise RuleError(
            f"{where}: {text!r} bukan batas waktu yang dikenal; tulis mis. '4 jam', '5 hari', "
            "'3 hari kerja', 'hari ini', '1d', '4h' atau 'kecepatan'"
        )
    amount, unit = int(match["n"]), match["unit"]
    if unit in ("h", "hour", "hours", "jam"):
        return DueSpec("hours", amount)
    if "work" in unit or "kerja" in unit:
        return DueSpec("workdays", amount)
    return DueSpec("days", amount)
