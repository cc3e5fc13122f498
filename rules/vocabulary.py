"""What rules may name (units, positions, instructions, klasifikasi), given by the caller."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rules.errors import RuleError

_KKA = re.compile(r"^\d{3}(\.\d{1,3}){0,5}$")


@dataclass(frozen=True)
class Vocabulary:
    """Known names; the gateway builds it from the database, tests build it by hand."""

    units: frozenset[str] = frozenset()
    positions: frozenset[str] = frozenset()
    # code -> label (labels are accepted case-insensitively as well)
    instructions: dict[str, str] = field(default_factory=dict)
    klasifikasi_roots: frozenset[str] = frozenset(
        {"000", "100", "200", "300", "400", "500", "600", "700", "800", "900"}
    )

    def unit(self, code: str, where: str) -> str:
        code = code.strip().upper()
        if code not in self.units:
            raise RuleError(
                f"{where}: unit {code!r} tidak dikenal; unit yang ada: "
                f"{', '.join(sorted(self.units))}"
            )
        return code

    def position(self, handle: str, where: str) -> str:
        handle = handle.strip().lower()
        if handle not in self.positions:
            raise RuleError(f"{where}: handle jabatan {handle!r} tidak dikenal")
        return handle

    def instruction(self, text: str, where: str) -> str:
        wanted = text.strip()
        by_code = {code.upper(): code for code in self.instructions}
        if wanted.upper().replace(" ", "_") in by_code:
            return by_code[wanted.upper().replace(" ", "_")]
        for code, label in self.instructions.items():
            if wanted.lower() == label.lower() or wanted.lower() in [
                part.strip().lower() for part in label.split("/")
            ]:
                return code
        raise RuleError(
            f"{where}: instruksi {text!r} tidak dikenal; gunakan kode seperti "
            f"{', '.join(sorted(self.instructions)[:6])}…"
        )

    def klasifikasi(self, code: str, where: str) -> str:
        code = code.strip()
        if not _KKA.match(code) or code.split(".")[0] not in self.klasifikasi_roots:
            raise RuleError(
                f"{where}: {code!r} bukan kode klasifikasi yang sah, mis. 400.7 atau 000.1.2"
            )
        return code
