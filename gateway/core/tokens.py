"""Reply tokens: balasan+<token>@domain binds (disposition, person) with an HMAC.

The token carries the disposition id, the person id and an expiry day, authenticated by
a 128-bit truncated HMAC-SHA256 under the gateway's secret. It is base32, lower-case, so
mail systems that lower-case local parts do not break it. A confirmation token (sent to
an official to confirm commands from a reply we could not authenticate) also carries the
id of the held commands; it is longer and MACed under a separate label, so neither kind
can be passed off as the other.

A tracking token (in a receipt: the /lacak/<token> link and the receipt's Reply-To) binds
a letter to the address the receipt went to: the naskah id, a 32-bit tag of the address
and a MAC under a third label. Its MAC is checked before anything is looked up, so every
unknown token takes the same path; the tag is compared with the letter's receipt address
afterwards.
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
_CONFIRM_LAYOUT = struct.Struct(">IIIH")  # held commands id, then as above
_CONFIRM_LABEL = b"tnde-konfirmasi\0"
_TRACK_LAYOUT = struct.Struct(">II")  # naskah id, address tag
_TRACK_LABEL = b"tnde-lacak\0"
_LOGIN_LAYOUT = struct.Struct(">IIHB")  # person id, naskah id, expiry, layout version
_LOGIN_LABEL = b"tnde-masuk\0"
_SUBMIT_LAYOUT = struct.Struct(">IIHH")  # submission id, person id, expiry, layout version
_SUBMIT_LABEL = b"tnde-kirim\0"
_EPOCH = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class TokenClaim:
    """What a valid token says."""

    disposition_id: int
    person_id: int
    expires: dt.date
    confirmation_id: int | None = None  # set on confirmation tokens only


@dataclass(frozen=True)
class TrackingClaim:
    """What a valid tracking token says: this letter, for the address with this tag."""

    naskah_id: int
    address_tag: int


class TokenError(ValueError):
    """The token is malformed, forged or expired; the message says which."""


def make_token(secret: bytes, disposition_id: int, person_id: int, expires: dt.date) -> str:
    payload = _LAYOUT.pack(disposition_id, person_id, (expires - _EPOCH).days)
    mac = hmac.new(secret, payload, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.b32encode(payload + mac).decode("ascii").rstrip("=").lower()


def make_confirmation_token(
    secret: bytes, confirmation_id: int, disposition_id: int, person_id: int, expires: dt.date
) -> str:
    """A token that confirms one set of held commands (see ReplyConfirmation)."""
    payload = _CONFIRM_LAYOUT.pack(
        confirmation_id, disposition_id, person_id, (expires - _EPOCH).days
    )
    mac = hmac.new(secret, _CONFIRM_LABEL + payload, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.b32encode(payload + mac).decode("ascii").rstrip("=").lower()


def address_tag(address: str) -> int:
    """32 bits of the lower-cased address: binds a tracking token to its recipient."""
    digest = hashlib.sha256(address.strip().lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big")


def make_tracking_token(secret: bytes, naskah_id: int, address: str) -> str:
    """The token of a receipt's tracking link and Reply-To (letter + receipt address)."""
    payload = _TRACK_LAYOUT.pack(naskah_id, address_tag(address))
    mac = hmac.new(secret, _TRACK_LABEL + payload, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.b32encode(payload + mac).decode("ascii").rstrip("=").lower()


def read_tracking_token(secret: bytes, token: str) -> TrackingClaim:
    """Verify a tracking token; TokenError("malformed" / "forged") otherwise. Expiry depends
    on the letter (days after it was closed), so the caller checks it."""
    raw = _decode(token)
    if len(raw) != _TRACK_LAYOUT.size + MAC_BYTES:
        raise TokenError("malformed")
    payload, mac = raw[: _TRACK_LAYOUT.size], raw[_TRACK_LAYOUT.size :]
    expected = hmac.new(secret, _TRACK_LABEL + payload, hashlib.sha256).digest()[:MAC_BYTES]
    if not hmac.compare_digest(mac, expected):
        raise TokenError("forged")
    naskah_id, tag = _TRACK_LAYOUT.unpack(payload)
    return TrackingClaim(naskah_id, tag)


def make_login_request_token(
    secret: bytes, person_id: int, naskah_id: int, expires: dt.date
) -> str:
    """The token of an SR/R notice's panel link: it lets its holder ask for a one-time
    sign-in link to their own address for that letter, nothing more."""
    payload = _LOGIN_LAYOUT.pack(person_id, naskah_id, (expires - _EPOCH).days, 1)
    mac = hmac.new(secret, _LOGIN_LABEL + payload, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.b32encode(payload + mac).decode("ascii").rstrip("=").lower()


def read_login_request_token(secret: bytes, token: str, today: dt.date) -> tuple[int, int]:
    """(person id, naskah id) of a valid, unexpired login-request token; TokenError else."""
    raw = _decode(token)
    if len(raw) != _LOGIN_LAYOUT.size + MAC_BYTES:
        raise TokenError("malformed")
    payload, mac = raw[: _LOGIN_LAYOUT.size], raw[_LOGIN_LAYOUT.size :]
    expected = hmac.new(secret, _LOGIN_LABEL + payload, hashlib.sha256).digest()[:MAC_BYTES]
    if not hmac.compare_digest(mac, expected):
        raise TokenError("forged")
    person_id, naskah_id, days, _ = _LOGIN_LAYOUT.unpack(payload)
    if _EPOCH + dt.timedelta(days=days) < today:
        raise TokenError("expired")
    return person_id, naskah_id


def make_submission_token(
    secret: bytes, submission_id: int, person_id: int, expires: dt.date
) -> str:
    """The token that confirms one held nota dinas or konsep (KIRIM): mailed only to the
    official's address in the organisation."""
    payload = _SUBMIT_LAYOUT.pack(submission_id, person_id, (expires - _EPOCH).days, 1)
    mac = hmac.new(secret, _SUBMIT_LABEL + payload, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.b32encode(payload + mac).decode("ascii").rstrip("=").lower()


def read_submission_token(secret: bytes, token: str, today: dt.date) -> tuple[int, int]:
    """(submission id, person id) of a valid, unexpired submission token; TokenError else."""
    raw = _decode(token)
    if len(raw) != _SUBMIT_LAYOUT.size + MAC_BYTES:
        raise TokenError("malformed")
    payload, mac = raw[: _SUBMIT_LAYOUT.size], raw[_SUBMIT_LAYOUT.size :]
    expected = hmac.new(secret, _SUBMIT_LABEL + payload, hashlib.sha256).digest()[:MAC_BYTES]
    if not hmac.compare_digest(mac, expected):
        raise TokenError("forged")
    submission_id, person_id, days, _ = _SUBMIT_LAYOUT.unpack(payload)
    if _EPOCH + dt.timedelta(days=days) < today:
        raise TokenError("expired")
    return submission_id, person_id


def _decode(token: str) -> bytes:
    """The token's bytes; only the one spelling we issue is accepted (base32 leaves spare
    bits in the last character, so other spellings would decode to the same bytes)."""
    text = token.strip().upper()
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except ValueError as err:
        raise TokenError("malformed") from err
    if base64.b32encode(raw).decode("ascii").rstrip("=") != text:
        raise TokenError("malformed")
    return raw


def read_token(secret: bytes, token: str, today: dt.date) -> TokenClaim:
    """Verify and decode; TokenError("forged" / "expired" / "malformed")."""
    claim = _authentic(secret, token)
    if claim.expires < today:
        raise TokenError("expired")
    return claim


def is_authentic(secret: bytes, token: str) -> bool:
    """True when the MAC is ours, expired or not (cheap enough for the SMTP dialogue).

    Officials' tokens only (reply, confirmation): a tracking token is in a public link, so
    mail to it stays under the per-client limit for replies without a verified token."""
    try:
        _authentic(secret, token)
    except TokenError:
        try:
            read_submission_token(secret, token, _EPOCH)
        except TokenError:
            return False
    return True


def _authentic(secret: bytes, token: str) -> TokenClaim:
    raw = _decode(token)
    if len(raw) == _LAYOUT.size + MAC_BYTES:
        payload, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
        signed = payload
    elif len(raw) == _CONFIRM_LAYOUT.size + MAC_BYTES:
        payload, mac = raw[: _CONFIRM_LAYOUT.size], raw[_CONFIRM_LAYOUT.size :]
        signed = _CONFIRM_LABEL + payload
    else:
        raise TokenError("malformed")
    expected = hmac.new(secret, signed, hashlib.sha256).digest()[:MAC_BYTES]
    if not hmac.compare_digest(mac, expected):
        raise TokenError("forged")
    if len(payload) == _LAYOUT.size:
        disposition_id, person_id, days = _LAYOUT.unpack(payload)
        return TokenClaim(disposition_id, person_id, _EPOCH + dt.timedelta(days=days))
    confirmation_id, disposition_id, person_id, days = _CONFIRM_LAYOUT.unpack(payload)
    expires = _EPOCH + dt.timedelta(days=days)
    return TokenClaim(disposition_id, person_id, expires, confirmation_id)
