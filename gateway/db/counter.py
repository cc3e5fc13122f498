"""Gapless numbering: a counter row bumped inside the registering transaction.

The upsert takes the row lock, so concurrent registrations into one (unit, series, year)
queue behind each other; a rollback also rolls back the bump, so no number is lost.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gateway.config import NumberingSettings
from gateway.core.numbering import NumberParts, format_number
from gateway.db.models import Counter, Unit
from gateway.db.upsert import insert_for


def next_value(session: Session, unit_id: int, series: str, year: int) -> int:
    """The next number of the series (1 for a new year), reserved until commit."""
    upsert = (
        insert_for(session, Counter)
        .values(unit_id=unit_id, series=series, year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[Counter.unit_id, Counter.series, Counter.year],
            set_={"last_value": Counter.last_value + 1},
        )
        .returning(Counter.last_value)
    )
    return int(session.execute(upsert).scalar_one())


# The series each kind of register row is numbered in (the counter's `series`).
KIND_SERIES = {"surat_masuk": "SM", "nota_dinas": "ND", "surat_keluar": "SK", "konsep": "KS"}


def take_number(
    session: Session,
    numbering: NumberingSettings,
    unit: Unit,
    kind: str,
    when: dt.datetime,
    *,
    kka: str = "",
    jenis: str = "",
    derajat: str = "B",
) -> tuple[int, int, str]:
    """(year, seq, formatted number) of the next number in the unit's series of `kind`;
    `when` is local time (the year and month of the number)."""
    series = KIND_SERIES[kind]
    seq = next_value(session, unit.id, series, when.year)
    parts = NumberParts(
        seq=seq,
        unit=unit.code,
        year=when.year,
        month=when.month,
        series=series,
        kka=kka,
        jenis=jenis,
        derajat=derajat,
    )
    return when.year, seq, format_number(numbering.format_for(unit.code, kind), parts)
