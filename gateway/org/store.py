"""Apply an organisation document to the database (idempotent) and export it back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.db.models import Assignment, Person, PersonEmail, Position, Unit, UnitAddress
from gateway.org.document import OrgDocument, PersonDoc


@dataclass
class ImportReport:
    """Counts of what an import created, updated and deactivated."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deactivated: dict[str, int] = field(default_factory=dict)

    def bump(self, bucket: dict[str, int], kind: str) -> None:
        bucket[kind] = bucket.get(kind, 0) + 1


def import_org(
    session: Session, document: OrgDocument, deactivate_missing: bool = True
) -> ImportReport:
    """Make the database match the document; rows are deactivated, never deleted."""
    report = ImportReport()
    units = _import_units(session, document, report)
    positions = _import_positions(session, document, units, report)
    for person_doc in document.people:
        _import_person(session, person_doc, positions, report)
    if deactivate_missing:
        _deactivate_missing(session, document, report)
    session.flush()
    return report


def _import_units(session: Session, document: OrgDocument, report: ImportReport) -> dict[str, Unit]:
    existing = {u.code: u for u in session.scalars(select(Unit))}
    for doc in document.units:
        unit = existing.get(doc.code)
        if unit is None:
            unit = Unit(code=doc.code, name=doc.name, active=True)
            session.add(unit)
            existing[doc.code] = unit
            report.bump(report.created, "units")
        elif unit.name != doc.name or not unit.active:
            unit.name, unit.active = doc.name, True
            report.bump(report.updated, "units")
        wanted = set(doc.addresses)
        unit.addresses[:] = [a for a in unit.addresses if a.address in wanted]
        have = {a.address for a in unit.addresses}
        session.flush()
        for address in doc.addresses:
            if address not in have:
                session.execute(delete(UnitAddress).where(UnitAddress.address == address))
                unit.addresses.append(UnitAddress(address=address))
    session.flush()
    for doc in document.units:
        existing[doc.code].parent_id = existing[doc.parent].id if doc.parent else None
    return existing


def _import_positions(
    session: Session, document: OrgDocument, units: dict[str, Unit], report: ImportReport
) -> dict[str, Position]:
    existing = {p.handle: p for p in session.scalars(select(Position))}
    for doc in document.positions:
        position = existing.get(doc.handle)
        values = {
            "title": doc.title,
            "unit_id": units[doc.unit].id,
            "is_head": doc.head,
            "is_registrar": doc.registrar,
            "notify_definitif_when_acting": doc.notify_definitif_when_acting,
            "active": True,
        }
        if position is None:
            position = Position(handle=doc.handle, **values)
            session.add(position)
            existing[doc.handle] = position
            report.bump(report.created, "positions")
        elif any(getattr(position, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(position, key, value)
            report.bump(report.updated, "positions")
    session.flush()
    for doc in document.positions:
        existing[doc.handle].superior_id = existing[doc.superior].id if doc.superior else None
    return existing


def _find_person(session: Session, doc: PersonDoc) -> Person | None:
    if doc.nip:
        found = session.scalars(select(Person).where(Person.nip == doc.nip)).first()
        if found:
            return found
    if doc.emails:
        email = session.scalars(
            select(PersonEmail).where(PersonEmail.address.in_(doc.emails))
        ).first()
        if email:
            return email.person
    return None


def _import_person(
    session: Session, doc: PersonDoc, positions: dict[str, Position], report: ImportReport
) -> None:
    person = _find_person(session, doc)
    if person is None:
        person = Person(name=doc.name, nip=doc.nip, active=True, digest_opt_out=False)
        session.add(person)
        session.flush()
        report.bump(report.created, "people")
        before = None
    else:
        before = _person_state(session, person)
    person.name, person.nip, person.active = doc.name, doc.nip, True
    person.digest_opt_out = doc.digest_opt_out
    _sync_emails(session, person, list(doc.emails))
    wanted = [(positions[a.position].id, a.kind, a.valid_from, a.valid_to) for a in doc.assignments]
    if before is None or before[1] != wanted:
        session.execute(delete(Assignment).where(Assignment.person_id == person.id))
        for position_id, kind, valid_from, valid_to in wanted:
            session.add(
                Assignment(
                    person_id=person.id,
                    position_id=position_id,
                    kind=kind,
                    valid_from=valid_from,
                    valid_to=valid_to,
                )
            )
    session.flush()
    if before is not None and before != _person_state(session, person):
        report.bump(report.updated, "people")


def _sync_emails(session: Session, person: Person, wanted: list[str]) -> None:
    """Keep exactly `wanted` (first is primary); an address moves from its old owner."""
    person.emails[:] = [e for e in person.emails if e.address in wanted]
    session.flush()
    have = {e.address for e in person.emails}
    for address in wanted:
        if address not in have:
            session.execute(delete(PersonEmail).where(PersonEmail.address == address))
            person.emails.append(PersonEmail(address=address))
    for email in person.emails:
        email.is_primary = email.address == (wanted[0] if wanted else None)


def _person_state(session: Session, person: Person) -> tuple[Any, ...]:
    """A comparable snapshot of a person, to report only real updates."""
    assignments = [
        (a.position_id, a.kind, a.valid_from, a.valid_to)
        for a in session.scalars(
            select(Assignment).where(Assignment.person_id == person.id).order_by(Assignment.id)
        )
    ]
    emails = sorted((e.address, e.is_primary) for e in person.emails)
    return (person.name, person.nip, person.active, person.digest_opt_out, emails), assignments


def _deactivate_missing(session: Session, document: OrgDocument, report: ImportReport) -> None:
    codes = {u.code for u in document.units}
    handles = {p.handle for p in document.positions}
    nips = {p.nip for p in document.people if p.nip}
    emails = {e for p in document.people for e in p.emails}
    for unit in session.scalars(select(Unit).where(Unit.active.is_(True))):
        if unit.code not in codes:
            unit.active = False
            report.bump(report.deactivated, "units")
    for position in session.scalars(select(Position).where(Position.active.is_(True))):
        if position.handle not in handles:
            position.active = False
            report.bump(report.deactivated, "positions")
    for person in session.scalars(select(Person).where(Person.active.is_(True))):
        known = (person.nip in nips) or any(e.address in emails for e in person.emails)
        if not known:
            person.active = False
            report.bump(report.deactivated, "people")


def export_org(session: Session, domain: str) -> dict[str, Any]:
    """The active organisation as a document that import_org() accepts."""
    units = list(session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)))
    by_id = {u.id: u for u in session.scalars(select(Unit))}
    positions = list(
        session.scalars(select(Position).where(Position.active.is_(True)).order_by(Position.id))
    )
    handle_of = {p.id: p.handle for p in session.scalars(select(Position))}
    suffix = "@" + domain
    document: dict[str, Any] = {"domain": domain, "units": [], "people": []}
    for unit in units:
        document["units"].append(
            {
                "code": unit.code,
                "name": unit.name,
                "parent": by_id[unit.parent_id].code if unit.parent_id else None,
                "addresses": [a.address.removesuffix(suffix) for a in unit.addresses],
                "positions": [
                    _position_dict(p, handle_of) for p in positions if p.unit_id == unit.id
                ],
            }
        )
    people = session.scalars(select(Person).where(Person.active.is_(True)).order_by(Person.id))
    for person in people:
        assignments = session.scalars(
            select(Assignment).where(Assignment.person_id == person.id).order_by(Assignment.id)
        )
        document["people"].append(
            {
                "name": person.name,
                "nip": person.nip,
                "emails": [e.address for e in person.emails],
                "digest_opt_out": person.digest_opt_out,
                "assignments": [
                    {
                        "position": handle_of[a.position_id],
                        "kind": a.kind,
                        "from": a.valid_from,
                        "to": a.valid_to,
                    }
                    for a in assignments
                ],
            }
        )
    return document


def _position_dict(position: Position, handle_of: dict[int, str]) -> dict[str, Any]:
    item: dict[str, Any] = {"handle": position.handle, "title": position.title}
    if position.superior_id:
        item["superior"] = handle_of[position.superior_id]
    if position.is_head:
        item["head"] = True
    if position.is_registrar:
        item["registrar"] = True
    if position.notify_definitif_when_acting:
        item["notify_definitif_when_acting"] = True
    return item
