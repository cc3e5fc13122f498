"""The retention schedule on one day: what is past active retention (to the unit
kearsipan), what is past inactive retention (penyusutan by nasib akhir), what is held,
what needs a KKA or retention data. It only lists; nothing is moved or deleted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.archive.kka import table_entries
from gateway.archive.retention import (
    AKTIF,
    NEEDS_ATTENTION,
    PENYUSUTAN,
    PINDAH_INAKTIF,
    Retention,
    retention_of,
)
from gateway.db.models import Naskah, Unit


@dataclass
class DueReport:
    """Rows (JSON-ready dicts) in each group."""

    on: dt.date
    pindah_inaktif: list[dict[str, Any]] = field(default_factory=list)
    penyusutan: list[dict[str, Any]] = field(default_factory=list)  # each with nasib_akhir
    ditahan: list[dict[str, Any]] = field(default_factory=list)  # held: never proposed
    perlu_perhatian: list[dict[str, Any]] = field(default_factory=list)
    aktif: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "pindah_inaktif": self.pindah_inaktif,
            "penyusutan": self.penyusutan,
            "ditahan": self.ditahan,
            "perlu_perhatian": self.perlu_perhatian,
            "aktif": self.aktif,
        }


def retention_dict(retention: Retention) -> dict[str, Any]:
    """The retention part of a naskah's archive record (also in metadata.json)."""
    basis = retention.basis
    return {
        "status": retention.state,
        "kka_dikenal": retention.entry is not None,
        "kka_nama": retention.entry.name if retention.entry else None,
        "kode_acuan": basis.code if basis else None,
        "retensi_aktif": basis.retensi_aktif if basis else None,
        "retensi_inaktif": basis.retensi_inaktif if basis else None,
        "nasib_akhir": basis.nasib_akhir if basis else None,
        "aktif_sampai": retention.aktif_until.isoformat() if retention.aktif_until else None,
        "inaktif_sampai": (
            retention.inaktif_until.isoformat() if retention.inaktif_until else None
        ),
    }


def archive_record(session: Session, naskah: Naskah, on: dt.date) -> dict[str, Any]:
    """A naskah's KKA, retention and legal hold on `on` (`tnde naskah show`)."""
    retention = retention_of(naskah.klasifikasi, naskah.year, table_entries(session), on)
    return {
        "klasifikasi": naskah.klasifikasi,
        **retention_dict(retention),
        "legal_hold": naskah.legal_hold,
        "legal_hold_reason": naskah.legal_hold_reason,
    }


def due_report(
    session: Session, on: dt.date, year: int | None = None, batch: int = 1000
) -> DueReport:
    """Every naskah (of one registration year, or all) placed on `on`."""
    table = table_entries(session)
    report = DueReport(on=on)
    units = dict(session.execute(select(Unit.id, Unit.code)).all())
    last_id = 0
    while True:
        query = select(Naskah).where(Naskah.id > last_id).order_by(Naskah.id).limit(batch)
        if year is not None:
            query = query.where(Naskah.year == year)
        rows = list(session.scalars(query))
        if not rows:
            return report
        for naskah in rows:
            retention = retention_of(naskah.klasifikasi, naskah.year, table, on)
            item = {
                "id": naskah.id,
                "agenda_number": naskah.agenda_number,
                "unit": units.get(naskah.unit_id),
                "kind": naskah.kind,
                "year": naskah.year,
                "klasifikasi": naskah.klasifikasi,
                "secret": naskah.is_secret,
                "perihal": None if naskah.is_secret else naskah.perihal,
                **retention_dict(retention),
                "legal_hold": naskah.legal_hold,
                "legal_hold_reason": naskah.legal_hold_reason,
            }
            if retention.state == AKTIF:
                report.aktif += 1
            elif retention.state in NEEDS_ATTENTION:
                report.perlu_perhatian.append(item)
            elif naskah.legal_hold:
                report.ditahan.append(item)
            elif retention.state == PINDAH_INAKTIF:
                report.pindah_inaktif.append(item)
            elif retention.state == PENYUSUTAN:
                report.penyusutan.append(item)
        last_id = rows[-1].id
        session.expunge_all()
