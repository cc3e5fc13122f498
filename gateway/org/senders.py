"""Whether a letter claims to come from inside the organisation without proof of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gateway.db.models import PersonEmail, UnitAddress
from gateway.parsing.authresults import from_authenticated

# Shown next to the sender wherever a person reads it.
UNVERIFIED_LABEL = "Pengirim tidak terverifikasi"


def is_org_address(session: Session, address: str, gateway_domain: str) -> bool:
    """An official's address, or any address at a domain the organisation's addresses use."""
    address = address.lower()
    domain = address.rpartition("@")[2]
    if not domain:
        return False
    if domain == gateway_domain.lower():
        return True
    escaped = domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    at_domain = f"%@{escaped}"
    person = session.scalar(
        select(PersonEmail.id)
        .where(
            or_(PersonEmail.address == address, PersonEmail.address.like(at_domain, escape="\\"))
        )
        .limit(1)
    )
    if person is not None:
        return True
    unit = session.scalar(
        select(UnitAddress.id).where(UnitAddress.address.like(at_domain, escape="\\")).limit(1)
    )
    return unit is not None


def claims_org_unproven(
    session: Session, sender: str | None, auth: dict[str, Any], gateway_domain: str
) -> bool:
    """The From is the organisation's and nothing proves it (no trusted DMARC pass)."""
    if not sender or from_authenticated(auth, sender):
        return False
    return is_org_address(session, sender, gateway_domain)


@dataclass(frozen=True)
class OrgAddresses:
    """Every official's address and every domain the organisation uses, read once (lists)."""

    addresses: frozenset[str]
    domains: frozenset[str]

    @classmethod
    def load(cls, session: Session, gateway_domain: str) -> OrgAddresses:
        people = {a.lower() for a in session.scalars(select(PersonEmail.address))}
        units = {a.lower() for a in session.scalars(select(UnitAddress.address))}
        domains = {a.rpartition("@")[2] for a in people | units} | {gateway_domain.lower()}
        return cls(frozenset(people), frozenset(domains))

    def claims_unproven(self, sender: str | None, auth: dict[str, Any]) -> bool:
        """As claims_org_unproven, without a query per letter."""
        if not sender or from_authenticated(auth, sender):
            return False
        address = sender.lower()
        return address in self.addresses or address.rpartition("@")[2] in self.domains
