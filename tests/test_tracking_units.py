"""Tracking tokens and the page's per-client limit, as pure units."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from gateway.core.tokens import (
    TokenError,
    address_tag,
    is_authentic,
    make_confirmation_token,
    make_token,
    make_tracking_token,
    read_token,
    read_tracking_token,
)
from webadmin.ratelimit import ClientLimit

SECRET = b"s" * 32
TODAY = dt.date(2026, 12, 1)


def test_a_tracking_token_names_the_letter_and_the_address_it_was_issued_for() -> None:
    token = make_tracking_token(SECRET, 42, "TU@Dinkes.JatengProv.go.id")
    claim = read_tracking_token(SECRET, token)
    assert claim.naskah_id == 42
    assert claim.address_tag == address_tag("tu@dinkes.jatengprov.go.id")
    assert claim.address_tag != address_tag("attacker@evil.example")
    assert token == token.lower() and len(token) == 39
    assert not is_authentic(SECRET, token)  # public: replies to it stay rate-limited


def test_forged_tampered_and_other_kinds_of_token_are_refused() -> None:
    token = make_tracking_token(SECRET, 42, "tu@dinkes.jatengprov.go.id")
    with pytest.raises(TokenError, match="forged"):
        read_tracking_token(b"t" * 32, token)
    raw = bytearray(base64.b32decode(token.upper() + "=" * (-len(token) % 8)))
    raw[3] ^= 1  # another letter id under the same MAC
    tampered = base64.b32encode(bytes(raw)).decode().rstrip("=").lower()
    with pytest.raises(TokenError, match="forged"):
        read_tracking_token(SECRET, tampered)
    reply = make_token(SECRET, 1, 2, TODAY)
    confirmation = make_confirmation_token(SECRET, 3, 1, 2, TODAY)
    for other in (reply, confirmation):
        with pytest.raises(TokenError, match="malformed"):
            read_tracking_token(SECRET, other)
    with pytest.raises(TokenError, match="malformed"):
        read_token(SECRET, token, TODAY)


def test_only_the_issued_spelling_of_a_token_is_accepted() -> None:
    """Base32 leaves spare bits in the last character: other spellings decode to the same
    bytes and must not work (one token, one link)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    for token in (
        make_tracking_token(SECRET, 42, "tu@dinkes.jatengprov.go.id"),
        make_token(SECRET, 1, 2, TODAY),
    ):
        last = alphabet.index(token[-1])
        twin = token[:-1] + alphabet[last ^ 1]  # differs only in a spare bit
        raw = base64.b32decode(twin.upper() + "=" * (-len(twin) % 8))
        assert base64.b32encode(raw).decode().rstrip("=").lower() == token  # same bytes
        assert not is_authentic(SECRET, twin)


def test_the_page_limit_is_a_sliding_minute_per_client_with_bounded_memory() -> None:
    now = [1000.0]
    limit = ClientLimit(per_minute=2, max_clients=3, clock=lambda: now[0])
    assert [limit.allow("a"), limit.allow("a"), limit.allow("a")] == [True, True, False]
    assert limit.allow("b")  # another client has its own budget
    now[0] += 59.0
    assert not limit.allow("a")
    now[0] += 1.0
    assert limit.allow("a")  # a minute after the first request
    for client in ("c", "d", "e"):
        limit.allow(client)
    assert len(limit._seen) == 3  # the least recently seen clients were forgotten
