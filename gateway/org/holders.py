"""Who holds a position on a given day: the definitif holder, or the acting Plt/Plh."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Assignment, Person, Position, Unit
from gateway.timefmt import local


@dataclass(frozen=True)
class Holder:
    """A person who receives a position's mail on that day, and in what capacity."""

    person_id: int
    name: str
    email: str | None
    kind: str  # definitif | plt | plh


class Assigned(Protocol):
    """What choosing a position's holders reads of an assignment (a row or a cached one)."""

    @property
    def person_id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def valid_from(self) -> dt.date | None: ...
    @property
    def valid_to(self) -> dt.date | None: ...


A = TypeVar("A", bound=Assigned)


def covers(assignment: Assigned, day: dt.date) -> bool:
    """Whether an assignment's (inclusive) date range contains `day`."""
    starts_ok = assignment.valid_from is None or assignment.valid_from <= day
    ends_ok = assignment.valid_to is None or day <= assignment.valid_to
    return starts_ok and ends_ok


def chosen(assignments: Sequence[A], day: dt.date, both: bool) -> list[A]:
    """The assignments (in id order) whose person gets the position's mail on `day`:
    acting holders replace the definitif one for their range, or join them if `both`.
    One per person."""
    current = [a for a in assignments if covers(a, day)]
    acting = [a for a in current if a.kind in ("plt", "plh")]
    definitif = [a for a in current if a.kind == "definitif"]
    picked = acting if acting and not both else acting + definitif
    result, seen = [], set()
    for assignment in picked:
        if assignment.person_id not in seen:
            seen.add(assignment.person_id)
            result.append(assignment)
    return result


def holders(
    session: Session, position: Position, day: dt.date, notify_both: bool = False
) -> list[Holder]:
    """Acting holders replace the definitif one for their range (or join them, if asked)."""
    rows = session.execute(
        select(Assignment, Person)
        .join(Person, Assignment.person_id == Person.id)
        .where(Assignment.position_id == position.id, Person.active.is_(True))
        .order_by(Assignment.id)
    ).all()
    people = {person.id: person for _, person in rows}
    both = notify_both or position.notify_definitif_when_acting
    return [
        Holder(a.person_id, people[a.person_id].name, primary_email(people[a.person_id]), a.kind)
        for a in chosen([a for a, _ in rows], day, both)
    ]


def primary_email(person: Person) -> str | None:
    return choose_email(
        [(e.address, e.is_primary, e.undeliverable_since is None) for e in person.emails]
    )


def choose_email(emails: Sequence[tuple[str, bool, bool]]) -> str | None:
    """Where a person's mail goes, from (address, primary, deliverable) in id order: the
    primary address while it works, else the first one that does."""
    for address, is_primary, deliverable in emails:
        if is_primary and deliverable:
            return address
    usable = [address for address, _, deliverable in emails if deliverable]
    return usable[0] if usable else None


def positions_of(session: Session, person_id: int, day: dt.date) -> list[tuple[Position, str]]:
    """The positions a person holds on `day`, with the capacity (definitif/plt/plh)."""
    rows = session.execute(
        select(Assignment, Position)
        .join(Position, Assignment.position_id == Position.id)
        .where(Assignment.person_id == person_id, Position.active.is_(True))
    ).all()
    return [(position, a.kind) for a, position in rows if covers(a, day)]


def describe_position(
    session: Session, key: str, now: dt.datetime, domain: str
) -> dict[str, Any] | None:
    """A unit (by code) or a position (by handle) with today's holders, for `org show`."""
    day = local(now).date()
    unit = session.scalars(select(Unit).where(Unit.code == key.upper())).first()
    if unit is not None:
        positions = session.scalars(
            select(Position).where(Position.unit_id == unit.id, Position.active.is_(True))
        )
        return {
            "unit": unit.code,
            "name": unit.name,
            "active": unit.active,
            "addresses": [a.address for a in unit.addresses],
            "positions": [_position_info(session, p, day, domain) for p in positions],
        }
    position = session.scalars(select(Position).where(Position.handle == key.lower())).first()
    if position is None:
        return None
    return _position_info(session, position, day, domain)


def _position_info(
    session: Session, position: Position, day: dt.date, domain: str
) -> dict[str, Any]:
    superior = session.get(Position, position.superior_id) if position.superior_id else None
    return {
        "handle": position.handle,
        "title": position.title,
        "address": f"{position.handle}@{domain}",
        "superior": superior.handle if superior else None,
        "head": position.is_head,
        "registrar": position.is_registrar,
        "holders_today": [
            {"name": h.name, "email": h.email, "kind": h.kind}
            for h in holders(session, position, day)
        ],
    }


def positions_held(session: Session, person_id: int, day: dt.date) -> list[int]:
    """The positions a person holds on `day` (definitif, Plt or Plh)."""
    rows = session.scalars(select(Assignment).where(Assignment.person_id == person_id))
    return [a.position_id for a in rows if covers(a, day)]
