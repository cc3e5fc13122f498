"""Who writes a nota dinas or konsep: a person of the organisation and the position they
write from on a given day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Person, PersonEmail, Position, Unit
from gateway.org.holders import positions_of

# Which capacity a person writes in when they hold several positions: their own first.
_CAPACITY_ORDER = {"definitif": 0, "plt": 1, "plh": 2}
ACTING_TITLE = {"plt": "Plt. ", "plh": "Plh. ", "definitif": ""}


@dataclass(frozen=True)
class Author:
    """A person writing from one position (definitif, or as Plt/Plh) of one unit."""

    person: Person
    position: Position
    unit: Unit
    capacity: str  # definitif | plt | plh

    @property
    def label(self) -> str:
        """ "Teguh Wibowo (Kepala Bagian Umum)", with Plt./Plh. when acting."""
        return f"{self.person.name} ({ACTING_TITLE[self.capacity]}{self.position.title})"


def person_by_address(session: Session, address: str) -> Person | None:
    """The active person one of whose addresses this is (case-insensitive)."""
    person = session.scalars(
        select(Person)
        .join(PersonEmail, PersonEmail.person_id == Person.id)
        .where(PersonEmail.address == address.strip().lower())
    ).first()
    return person if person is not None and person.active else None


def author_of(session: Session, person: Person, day: dt.date, unit_code: str = "") -> Author | None:
    """The position `person` writes from on `day`: in `unit_code` when given (or in a unit
    below it), their definitif position before an acting one; None when they hold none."""
    held = sorted(
        positions_of(session, person.id, day),
        key=lambda item: (_CAPACITY_ORDER.get(item[1], 9), item[0].id),
    )
    for position, capacity in held:
        unit = session.get_one(Unit, position.unit_id)
        if not unit.active:
            continue
        if unit_code and not _within(session, unit, unit_code):
            continue
        return Author(person, position, unit, capacity)
    return None


def _within(session: Session, unit: Unit, code: str) -> bool:
    """Whether `unit` is the unit `code` or one below it."""
    current: Unit | None = unit
    for _ in range(32):  # a cycle in the unit tree must not hang the worker
        if current is None:
            return False
        if current.code.upper() == code.upper():
            return True
        current = session.get(Unit, current.parent_id) if current.parent_id else None
    return False
