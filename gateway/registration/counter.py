"""Gapless numbering: a counter row bumped inside the registering transaction.

The upsert takes the row lock, so concurrent registrations into one (unit, series, year)
queue behind each other; a rollback also rolls back the bump, so no number is lost.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.db.models import Counter
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
