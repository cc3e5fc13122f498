"""Values from URLs and forms made safe before they reach the database: record ids and
free text (no NUL or control characters, which PostgreSQL refuses and logs misread)."""

from __future__ import annotations

import re
from typing import Any

# The largest id every supported database's INTEGER column holds (PostgreSQL: 32 bits).
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII digits only: "²" or "٣" are not ids
# C0 controls except tab and newline, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def record_id(text: str) -> int | None:
    """A positive database id written in plain digits, or None for anything else."""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def clean_text(value: str, limit: int) -> str:
    """Free text as a person typed it, without control characters, trimmed to `limit`."""
    return _CONTROL.sub("", value).strip()[:limit]


def form_text(form: Any, name: str, limit: int) -> str:
    """One field of a posted form as clean text ("" when absent)."""
    return clean_text(str(form.get(name, "")), limit)
