"""Which addresses the gateway accepts: units, positions and its own mailboxes (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A plain dot-atom local part, optional +tag, one domain. Anything else (quoted local
# parts, source routes "@a:b@c", %-hacks, "!" paths, IP literals) is not ours: 550.
_ADDRESS = re.compile(
    r"^(?P<local>[a-z0-9!#$&'*=?^_`{|}~-]+(?:\.[a-z0-9!#$&'*=?^_`{|}~-]+)*)"
    r"(?:\+(?P<tag>[a-z0-9._=-]*))?@(?P<domain>[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)$"
)


@dataclass(frozen=True)
class Recipient:
    """An accepted envelope recipient, resolved to what it addresses."""

    address: str  # normalised: lower-case, tag kept
    local: str
    tag: str
    kind: str  # unit | position | gateway
    unit_code: str | None = None
    position_handle: str | None = None


@dataclass(frozen=True)
class RecipientDirectory:
    """Snapshot of the accepted local parts at the gateway domain."""

    domain: str
    units: dict[str, str] = field(default_factory=dict)  # local part -> unit code
    positions: dict[str, str] = field(default_factory=dict)  # handle -> unit code
    gateway: frozenset[str] = frozenset()

    def resolve(self, address: str) -> Recipient | None:
        """Map an envelope address to a Recipient, or None when it is not ours."""
        address = address.strip().lower()
        if address == "postmaster":
            # RFC 5321 4.5.1: <Postmaster> without a domain must be accepted.
            address = f"postmaster@{self.domain.lower()}"
        match = _ADDRESS.match(address)
        if match is None or match["domain"] != self.domain.lower():
            return None
        local, tag = match["local"], match["tag"] or ""
        normalised = f"{local}+{tag}@{match['domain']}" if tag else f"{local}@{match['domain']}"
        if local in self.units:
            return Recipient(normalised, local, tag, "unit", unit_code=self.units[local])
        if local in self.positions:
            return Recipient(
                normalised,
                local,
                tag,
                "position",
                unit_code=self.positions[local],
                position_handle=local,
            )
        if local in self.gateway:
            return Recipient(normalised, local, tag, "gateway")
        return None
