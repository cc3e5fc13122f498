"""Reply tokens: balasan+<token>@domain binds (disposition, person) with an HMAC.

The token carries the disposition id, the person id and an expiry day, authenticated by
a 128-bit truncated HMAC-SHA256 under the gateway's secret. It is base32, lower-case, so
mail systems that lower-case local parts do not break it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import struct
from dataclasses import dataclass

MAC_BYTES = 16  # 128 bits
_LAYOUT = struct.Struct(">IIH")  # disposition id, person id, expiry (days since 2000-01-01)
_EPOCH = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class TokenClaim:
    """What a valid token says."""

    disposition_id: int
    person_id: int
    expires: dt.date


class TokenError(ValueError):
    """The token is malformed, forged or expired; the message says which."""


def make_token(secret: bytes, disposition_id: int, person_id: int, expires: dt.date) -> str:
    payload = _LAYOUT.pack(disposition_id, person_id, (expires - _EPOCH).days)
    mac = hmac.new(secret, payload, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.b32encode(payload + mac).decode("ascii").rstrip("=").lower()


def read_token(secret: bytes, token: str, today: dt.date) -> TokenClaim:
    """Verify and decode; TokenError("forged" / "expired" / "malformed")."""
    text = token.strip().upper()
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except ValueError as err:
        raise TokenError("malformed") from err
    if len(raw) != _LAYOUT.size + MAC_BYTES:
        raise TokenError("malformed")
    payload, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
    expected = hmac.new(secret, payload, hashlib.sha256).digest()[:MAC_BYTES]
    if not hmac.compare_digest(mac, expected):
        raise TokenError("forged")
    disposition_id, person_id, days = _LAYOUT.unpack(payload)
    claim = TokenClaim(disposition_id, person_id, _EPOCH + dt.timedelta(days=days))
    if claim.expires < today:
        raise TokenError("expired")
    return claim
