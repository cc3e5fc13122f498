"""Who sees which letter: the viewer behind a request and the rules every page applies.

- admin: every letter's register entry; never the content of an SR/R letter.
- operator: the register of its units, with corrections, quarantine and outbox; SR/R
  letters of its units as entries only (number, sender, dates), never their content.
- pimpinan: the register of its units, read-only; SR/R as entries only.
- pejabat (an official, signed in by a mailed link): the letters disposed to it (to a
  position it holds today, or whose notice it received), SR/R content included.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from gateway.db.models import Disposition, Naskah, Outbox, Person, Unit, WebUser
from gateway.org.holders import positions_held

EDITORS = ("admin", "operator")
Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class Viewer:
    """The signed-in party of one request."""

    kind: str  # admin | operator | pimpinan | pejabat
    name: str
    user_id: int | None = None
    person_id: int | None = None
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    position_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def can_edit(self) -> bool:
        return self.kind in EDITORS

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"


def viewer_for_user(session: Session, user: WebUser) -> Viewer:
    codes = list(user.units or [])
    unit_ids = (
        frozenset(session.scalars(select(Unit.id).where(Unit.code.in_(codes))))
        if codes
        else frozenset()
    )
    return Viewer(user.role, user.username, user_id=user.id, unit_ids=unit_ids)


def viewer_for_person(session: Session, person_id: int, day: dt.date) -> Viewer:
    person = session.get_one(Person, person_id)
    held = frozenset(positions_held(session, person_id, day))
    return Viewer("pejabat", person.name, person_id=person_id, position_ids=held)


def visible(viewer: Viewer, query: Q) -> Q:
    """A naskah query narrowed to what the viewer may see in lists."""
    if viewer.is_admin:
        return query
    if viewer.kind in ("operator", "pimpinan"):
        return query.where(Naskah.unit_id.in_(viewer.unit_ids))
    return query.where(Naskah.id.in_(_pejabat_letters(viewer)))


def visible_units(viewer: Viewer, query: Q) -> Q:
    """A unit query narrowed to the units whose register the viewer works with (an
    official: the units of the letters disposed to it, not the whole organisation)."""
    if viewer.kind in ("operator", "pimpinan"):
        return query.where(Unit.id.in_(viewer.unit_ids))
    if viewer.kind == "pejabat":
        disposed = (
            select(Naskah.unit_id)
            .join(Disposition, Disposition.naskah_id == Naskah.id)
            .where(Disposition.to_position_id.in_(viewer.position_ids))
        )
        notified = (
            select(Naskah.unit_id)
            .join(Outbox, Outbox.naskah_id == Naskah.id)
            .where(Outbox.person_id == viewer.person_id)
        )
        return query.where(Unit.id.in_(disposed.union(notified)))
    return query


def _pejabat_letters(viewer: Viewer) -> Select[int]:
    disposed = select(Disposition.naskah_id).where(
        Disposition.to_position_id.in_(viewer.position_ids)
    )
    notified = select(Outbox.naskah_id).where(
        Outbox.person_id == viewer.person_id, Outbox.naskah_id.is_not(None)
    )
    return select(Naskah.id).where(or_(Naskah.id.in_(disposed), Naskah.id.in_(notified)))


def may_see(session: Session, viewer: Viewer, naskah: Naskah) -> bool:
    """The register entry (for SR/R: without perihal or content)."""
    query = visible(viewer, select(Naskah.id).where(Naskah.id == naskah.id))
    return session.scalars(query).first() is not None


def may_read(session: Session, viewer: Viewer, naskah: Naskah) -> bool:
    """The content (perihal, body, attachments): anyone who may see a non-secret letter;
    for SR/R only an official it was disposed to."""
    if not may_see(session, viewer, naskah):
        return False
    return not naskah.is_secret or viewer.kind == "pejabat"
