"""Built-in fallback routing, written as ordinary rules and run by the same engine.

They run only when the administrator's rules left a letter without a routing: a letter
addressed to a position's own address goes to that position; anything else goes to the
head of the unit it is registered in.
"""

from __future__ import annotations

from typing import Any

FALLBACK_DOCUMENT: dict[str, Any] = {
    "rules": [
        {
            "name": "bawaan: alamat jabatan",
            "priority": 1_000_000,
            "description": "Surat ke alamat jabatan (mis. kabag.umum@) diteruskan ke jabatan itu.",
            "when": {"recipient_position": {"exists": True}},
            "then": [{"dispose": {"to": ["@addressed"]}}],
        },
        {
            "name": "bawaan: kepala unit",
            "priority": 1_000_001,
            "description": "Surat yang tidak diatur aturan lain diteruskan ke kepala unit.",
            "when": "always",
            "then": [{"dispose": {"to": ["@head"]}}],
        },
    ]
}
