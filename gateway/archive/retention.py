"""Retention of one naskah from its KKA code: which table entry applies, until when it is
active and inactive, and where it stands on a given day (pure; derived, never stored)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

# Where a naskah stands on a day (`tnde archive due` groups by it).
AKTIF = "aktif"  # still with the unit that handles it
PINDAH_INAKTIF = "pindah_inaktif"  # past active retention: to the unit kearsipan
PENYUSUTAN = "penyusutan"  # past inactive retention: musnah / permanen / dinilai kembali
TANPA_KKA = "tanpa_kka"  # no code at all
KKA_TIDAK_DIKENAL = "kka_tidak_dikenal"  # a code neither it nor a code above it is in the table
BELUM_DITETAPKAN = "belum_ditetapkan"  # the table gives no retention for it yet
NEEDS_ATTENTION = (TANPA_KKA, KKA_TIDAK_DIKENAL, BELUM_DITETAPKAN)


@dataclass(frozen=True)
class TableEntry:
    """What the retention needs of one row of the KKA table."""

    code: str
    name: str
    retensi_aktif: int | None
    retensi_inaktif: int | None
    nasib_akhir: str | None


@dataclass(frozen=True)
class Retention:
    """The outcome for one naskah on one day."""

    state: str
    entry: TableEntry | None  # the naskah's own code in the table (None: not there)
    basis: TableEntry | None  # the entry the retention is taken from (itself or above)
    aktif_until: dt.date | None
    inaktif_until: dt.date | None

    @property
    def nasib_akhir(self) -> str | None:
        return self.basis.nasib_akhir if self.basis else None


def lineage(code: str) -> list[str]:
    """The code and every code above it, most specific first: 000.1.10.2 … 000."""
    parts = code.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


def retention_basis(code: str, table: Mapping[str, TableEntry]) -> TableEntry | None:
    """The most specific entry of the code's lineage that states a retention: a JRA row
    set at 000.1.10 applies to 000.1.10.2 when the table holds nothing more specific."""
    for candidate in lineage(code):
        entry = table.get(candidate)
        if entry is not None and entry.retensi_aktif is not None:
            return entry
    return None


def retention_of(
    code: str | None, year: int, table: Mapping[str, TableEntry], on: dt.date
) -> Retention:
    """Active until 31 December of year + retensi_aktif; inactive until 31 December of
    that year + retensi_inaktif; past that, the nasib akhir applies."""
    if not code:
        return Retention(TANPA_KKA, None, None, None, None)
    own = table.get(code)
    if own is None and not any(table.get(c) for c in lineage(code)[1:]):
        return Retention(KKA_TIDAK_DIKENAL, None, None, None, None)
    basis = retention_basis(code, table)
    aktif = basis.retensi_aktif if basis else None
    inaktif = basis.retensi_inaktif if basis else None
    if aktif is None or inaktif is None:
        return Retention(BELUM_DITETAPKAN, own, None, None, None)
    aktif_until = dt.date(year + aktif, 12, 31)
    inaktif_until = dt.date(year + aktif + inaktif, 12, 31)
    if on <= aktif_until:
        state = AKTIF
    elif on <= inaktif_until:
        state = PINDAH_INAKTIF
    else:
        state = PENYUSUTAN
    return Retention(state, own, basis, aktif_until, inaktif_until)
