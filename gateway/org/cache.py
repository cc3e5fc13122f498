"""The organisation as the worker reads it for every letter, loaded once per org version.

Registration asks the same questions of every letter: who holds this position today,
which addresses are the organisation's, what are the holidays and the instruction
labels, which address of a unit is ours. The answers change a few times a month. An
OrgSnapshot holds them as plain data; OrgCache hands out the current one and reloads
when org_version has moved. Triggers on every organisation table move it (migration
0017), so no writer can forget to. The check is one primary-key read per transaction (the
answer is kept in the session until the transaction ends or writes the organisation
itself): a letter sees the organisation as it was when its transaction first asked,
never older, which on PostgreSQL means changes committed during the transaction wait
for the next one.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
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
from gateway.db.orgwrites import org_writes, watch
from gateway.org.holders import Holder, choose_email, chosen
from gateway.org.senders import OrgAddresses

log = logging.getLogger("tnde.org")
# session.info key: per cache, (the transaction, its org write count, the snapshot).
_MEMO = "tnde_org_snapshot"


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
    """Read every organisation table once (a few hundred rows for a kabupaten).

    Columns, not ORM objects: an object the caller's session already holds would come
    back as it was when first loaded, not as the database has it now, and a snapshot
    labelled with the new version would carry the old values.
    """
    emails: dict[int, list[tuple[str, bool, bool]]] = defaultdict(list)
    for person_id, address, is_primary, undeliverable_since in session.execute(
        select(
            PersonEmail.person_id,
            PersonEmail.address,
            PersonEmail.is_primary,
            PersonEmail.undeliverable_since,
        ).order_by(PersonEmail.id)
    ):
        emails[person_id].append((address, is_primary, undeliverable_since is None))
    # Not dict(result): a Result has keys() (its columns), so dict() would index it.
    active = select(Person.id, Person.name).where(Person.active.is_(True))
    people = {person_id: name for person_id, name in session.execute(active)}
    assignments: dict[int, list[HeldBy]] = defaultdict(list)
    for position_id, person_id, kind, valid_from, valid_to in session.execute(
        select(
            Assignment.position_id,
            Assignment.person_id,
            Assignment.kind,
            Assignment.valid_from,
            Assignment.valid_to,
        ).order_by(Assignment.id)
    ):
        if person_id in people:
            mail_to = choose_email(emails.get(person_id, []))
            held = HeldBy(person_id, people[person_id], mail_to, kind, valid_from, valid_to)
            assignments[position_id].append(held)
    unit_addresses: dict[int, list[str]] = defaultdict(list)
    for unit_id, unit_address in session.execute(
        select(UnitAddress.unit_id, UnitAddress.address).order_by(UnitAddress.id)
    ):
        unit_addresses[unit_id].append(unit_address)
    labels = {
        code: label for code, label in session.execute(select(Instruction.code, Instruction.label))
    }
    # Read-only views: one snapshot is shared by every thread of the process.
    return OrgSnapshot(
        version=version,
        holidays=frozenset(session.scalars(select(Holiday.day))),
        instruction_labels=MappingProxyType(labels),
        addresses=OrgAddresses.load(session, gateway_domain),
        unit_addresses=MappingProxyType({u: tuple(found) for u, found in unit_addresses.items()}),
        assignments=MappingProxyType({p: tuple(held) for p, held in assignments.items()}),
    )


class OrgCache:
    """The current OrgSnapshot for one process; thread-safe, reloads on a new version."""

    def __init__(self, gateway_domain: str) -> None:
        self._domain = gateway_domain
        self._snapshot: OrgSnapshot | None = None
        self._lock = threading.Lock()
        self.loads = 0  # how many times the tables were read (tests, metrics)

    def snapshot(self, session: Session) -> OrgSnapshot:
        """The organisation as `session`'s transaction sees it (reloaded if it moved).

        Asked several times per letter, the version is read once per transaction: the
        answer is kept in the session until the transaction ends or the session writes
        an organisation table itself (gateway/db/orgwrites.py counts those writes)."""
        watch(session)
        if session.autoflush:  # as a query would: a pending org change counts
            session.flush()
        transaction, writes = session.get_transaction(), org_writes(session)
        memos: dict[int, tuple[object, int, OrgSnapshot]] = session.info.setdefault(_MEMO, {})
        memo = memos.get(id(self))
        if memo is not None and memo[0] is transaction and memo[1] == writes:
            return memo[2]
        snapshot = self._current(session)
        if transaction is not None:
            memos[id(self)] = (transaction, writes, snapshot)
        return snapshot

    def _current(self, session: Session) -> OrgSnapshot:
        version = current_version(session)
        current = self._snapshot
        if current is not None and version is not None and current.version == version:
            return current
        if version is None:
            log.warning("org_version has no row: the organisation is read for every letter")
        # Loaded in the caller's transaction: on PostgreSQL (read committed) a change that
        # commits between the version read and the load lands in a snapshot labelled with
        # the older version, which the next call sees as stale and reloads. Never the
        # other way round, so the cache can be newer than its label but never older.
        # One thread loads at a time; the others, waiting, reuse what it loaded.
        with self._lock:
            current = self._snapshot
            if current is not None and version is not None and current.version == version:
                return current
            fresh = load_snapshot(session, version, self._domain)
            self._snapshot = fresh
            self.loads += 1
        return fresh
