"""Time-based one-time codes (RFC 6238, via pyotp) as a second factor for staff: a new
secret with its QR code for an authenticator app, and verification that accepts a code
once only (the step it was for is remembered) and one step of clock drift either way."""

from __future__ import annotations

import datetime as dt
import hmac
import io
import re

import pyotp
import segno

ISSUER = "TNDE Gateway"
_CODE = re.compile(r"[0-9]{6}")


def new_secret() -> str:
    """A random base32 secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str, issuer: str = ISSUER) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> bytes:
    """The QR code of `uri` as SVG (drawn here, no outside service)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=2)
    return buffer.getvalue()


def accepted_step(secret: str, code: str, now: dt.datetime, last_step: int | None) -> int | None:
    """The time step the code belongs to when it is valid now (±1 step) and newer than
    the last accepted one; None otherwise (wrong, expired, or already used)."""
    code = code.strip().replace(" ", "")
    if not _CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if _same(totp.generate_otp(step), code):
            return step
    return None


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected, given)
