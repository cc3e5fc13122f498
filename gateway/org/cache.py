"""The organisation as the worker reads it for every letter, loaded once per org version.

Registration asks the same questions of every letter: who holds this position today,
which addresses are the organisation's, what are the holidays and the instruction
labels, which address of a unit is ours. The answers change a few times a month. An
OrgSnapshot holds them as plain data; OrgCache hands out the current one and reloads
when org_version has moved. Triggers on every organisation table move it (migration
0017), so no writer can forget to; the check is one primary-key read per use, inside the
caller's transaction, so a letter never sees an organisation older than what its own
transaction can see.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import (
    Assignment,
    Holiday,
    Instruction,
    OrgVersion,
    Person,
    PersonEmail,
    Position,
    UnitAddress,
)
from gateway.org.holders import Holder, chosen
from gateway.org.senders import OrgAddresses


@dataclass(frozen=True)
class HeldBy:
    """An active person's assignment to a position, with the address mail goes to."""

    person_id: int
    name: str
    email: str | None
    kind: str
    valid_from: dt.date | None
    valid_to: dt.date | None


@dataclass(frozen=True)
class OrgSnapshot:
    """The organisation at one org_version, as plain data shared between threads."""

    version: int | None
    holidays: frozenset[dt.date]
    instruction_labels: Mapping[str, str]
    addresses: OrgAddresses
    unit_addresses: Mapping[int, tuple[str, ...]]  # unit id -> addresses, in id order
    assignments: Mapping[int, tuple[HeldBy, ...]]  # position id -> in assignment id order

    def holders(self, position: Position, day: dt.date, notify_both: bool = False) -> list[Holder]:
        """As gateway.org.holders.holders, from memory."""
        both = notify_both or position.notify_definitif_when_acting
        return [
            Holder(h.person_id, h.name, h.email, h.kind)
            for h in chosen(self.assignments.get(position.id, ()), day, both)
        ]

    def claims_unproven(self, sender: str | None, auth: dict[str, Any]) -> bool:
        """As gateway.org.senders.claims_org_unproven, from memory."""
        return self.addresses.claims_unproven(sender, auth)

    def unit_address_at(self, unit_id: int, domain: str) -> str | None:
        """The unit's first official address at `domain` (where replies to receipts go)."""
        suffix = "@" + domain.lower()
        for address in self.unit_addresses.get(unit_id, ()):
            if address.lower().endswith(suffix):
                return address
        return None


def current_version(session: Session) -> int | None:
    """org_version's value; None when its row is gone (emptied by hand: nothing can be
    trusted until the next org change writes it again)."""
    query = select(OrgVersion.value).where(OrgVersion.id == 1)
    return session.execute(query).scalar_one_or_none()


def load_snapshot(session: Session, version: int | None, gateway_domain: str) -> OrgSnapshot:
    """Read every organisation table once (a few hundred rows for a kabupaten)."""
    emails: dict[int, list[PersonEmail]] = defaultdict(list)
    for email in session.scalars(select(PersonEmail).order_by(PersonEmail.id)):
        emails[email.person_id].append(email)
    people = {
        person.id: person.name
        for person in session.scalars(select(Person).where(Person.active.is_(True)))
    }
    assignments: dict[int, list[HeldBy]] = defaultdict(list)
    for a in session.scalars(select(Assignment).order_by(Assignment.id)):
        if a.person_id in people:
            address = _primary(emails.get(a.person_id, []))
            held = HeldBy(
                a.person_id, people[a.person_id], address, a.kind, a.valid_from, a.valid_to
            )
            assignments[a.position_id].append(held)
    unit_addresses: dict[int, list[str]] = defaultdict(list)
    for unit_id, address in session.execute(
        select(UnitAddress.unit_id, UnitAddress.address).order_by(UnitAddress.id)
    ):
        unit_addresses[unit_id].append(address)
    return OrgSnapshot(
        version=version,
        holidays=frozenset(session.scalars(select(Holiday.day))),
        instruction_labels=dict(session.execute(select(Instruction.code, Instruction.label)).all()),
        addresses=OrgAddresses.load(session, gateway_domain),
        unit_addresses={unit: tuple(found) for unit, found in unit_addresses.items()},
        assignments={position: tuple(held) for position, held in assignments.items()},
    )


def _primary(emails: list[PersonEmail]) -> str | None:
    """As gateway.org.holders.primary_email, over emails already read."""
    for email in emails:
        if email.is_primary and email.undeliverable_since is None:
            return email.address
    usable = [e.address for e in emails if e.undeliverable_since is None]
    return usable[0] if usable else None


class OrgCache:
    """The current OrgSnapshot for one process; thread-safe, reloads on a new version."""

    def __init__(self, gateway_domain: str) -> None:
        self._domain = gateway_domain
        self._snapshot: OrgSnapshot | None = None
        self._lock = threading.Lock()
        self.loads = 0  # how many times the tables were read (tests, metrics)

    def snapshot(self, session: Session) -> OrgSnapshot:
        """The organisation as `session`'s transaction sees it (reloaded if it moved)."""
        version = current_version(session)
        current = self._snapshot
        if current is not None and version is not None and current.version == version:
            return current
        # Loaded in the caller's transaction: on PostgreSQL (read committed) a change that
        # commits between the version read and the load lands in a snapshot labelled with
        # the older version, which the next call sees as stale and reloads. Never the
        # other way round, so the cache can be newer than its label but never older.
        fresh = load_snapshot(session, version, self._domain)
        with self._lock:
            self._snapshot = fresh
            self.loads += 1
        return fresh
