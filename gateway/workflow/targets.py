"""Resolve DISPOSISI targets written by people: handles, position titles, people's names."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Assignment, Person, Position
from gateway.org.holders import covers


@dataclass(frozen=True)
class Resolved:
    """A target: the position, or why it could not be used."""

    text: str
    position: Position | None
    problem: str = ""


# "dan", "and" or "&" between two targets (or inside one title).
_AND = re.compile(r"\s+(?:dan|and|&)\s+", re.IGNORECASE)


def resolve_written(session: Session, text: str, day: dt.date) -> list[Resolved]:
    """One comma-separated piece as written: a whole target first (titles contain "dan"),
    else whole targets joined by "dan", the longest resolvable first piece first."""
    whole = resolve_target(session, text, day)
    if whole.position is not None:
        return [whole]
    split = _split_on_and(session, text.strip(), day)
    return split if split is not None else [whole]


def _split_on_and(session: Session, text: str, day: dt.date) -> list[Resolved] | None:
    """Every piece a whole target, or None."""
    for separator in reversed(list(_AND.finditer(text))):
        head, tail = text[: separator.start()], text[separator.end() :]
        first = resolve_target(session, head, day)
        if first.position is None:
            continue
        last = resolve_target(session, tail, day)
        if last.position is not None:
            return [first, last]
        rest = _split_on_and(session, tail, day)
        if rest is not None:
            return [first, *rest]
    return None


def resolve_target(session: Session, text: str, day: dt.date) -> Resolved:
    """Handle first, then exact title, then a unique title or name fragment."""
    wanted = text.strip().lower()
    positions = list(session.scalars(select(Position).where(Position.active.is_(True))))
    for position in positions:
        if position.handle == wanted:
            return Resolved(text, position)
    exact = [p for p in positions if p.title.lower() == wanted]
    if len(exact) == 1:
        return Resolved(text, exact[0])
    by_title = [p for p in positions if wanted in p.title.lower()]
    by_person = _positions_of_people(session, wanted, day)
    candidates = {p.id: p for p in [*by_title, *by_person]}
    if len(candidates) == 1:
        return Resolved(text, next(iter(candidates.values())))
    if not candidates:
        return Resolved(text, None, f"'{text}' tidak dikenal sebagai jabatan atau nama pejabat")
    found = sorted(candidates.values(), key=lambda p: p.handle)
    names = ", ".join(f"{p.title} ({p.handle})" for p in found[:8])
    more = f" dan {len(found) - 8} lainnya" if len(found) > 8 else ""
    return Resolved(
        text,
        None,
        f"'{text}' cocok dengan beberapa jabatan: {names}{more}; tulis kode jabatannya",
    )


def _positions_of_people(session: Session, wanted: str, day: dt.date) -> list[Position]:
    rows = session.execute(
        select(Person, Assignment, Position)
        .join(Assignment, Assignment.person_id == Person.id)
        .join(Position, Assignment.position_id == Position.id)
        .where(Person.active.is_(True), Position.active.is_(True))
    ).all()
    return [
        position
        for person, assignment, position in rows
        if wanted in person.name.lower() and covers(assignment, day)
    ]


def is_below(session: Session, target: Position, giver: Position) -> bool:
    """Whether `target` is under `giver` in the chain of command (not the giver itself)."""
    seen: set[int] = set()
    current = target
    while current.superior_id is not None and current.superior_id not in seen:
        seen.add(current.id)
        if current.superior_id == giver.id:
            return True
        superior = session.get(Position, current.superior_id)
        if superior is None:
            return False
        current = superior
    return False
