"""TOTP codes: the right code is accepted once, drift of one step is tolerated, anything
else is refused; the QR code is drawn locally."""

from __future__ import annotations

import datetime as dt

import pyotp

from gateway.accounts.totp import accepted_step, new_secret, provisioning_uri, qr_svg

NOW = dt.datetime(2026, 12, 1, 3, 0, 0, tzinfo=dt.UTC)


def test_a_code_is_accepted_once_and_only_near_its_time() -> None:
    secret = new_secret()
    code = pyotp.TOTP(secret).at(NOW)
    step = accepted_step(secret, code, NOW, None)
    assert step is not None
    assert accepted_step(secret, code, NOW, step) is None  # replayed
    later = NOW + dt.timedelta(seconds=30)
    assert accepted_step(secret, code, later, None) == step  # one step of drift
    assert accepted_step(secret, code, NOW + dt.timedelta(minutes=2), None) is None
    assert accepted_step(secret, "000000" if code != "000000" else "111111", NOW, None) is None
    for odd in ("", "12345", "1234567", "abcdef", "１２３４５６", "12345\x00"):
        assert accepted_step(secret, odd, NOW, None) is None
    assert accepted_step(secret, code[:3] + " " + code[3:], NOW, None) == step


def test_the_qr_code_carries_the_secret_for_the_app() -> None:
    secret = new_secret()
    uri = provisioning_uri(secret, "operator-setda")
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert "issuer=TNDE%20Gateway" in uri
    svg = qr_svg(uri)
    assert svg.startswith(b"<?xml") and b"<svg" in svg and b"<path" in svg
