"""Regression tests for this runtime's email-module CVEs: the gateway must be safe whether
or not the running Python carries the fix, so each test feeds the attack itself."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes, policy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.config import OutboundSettings
from gateway.outbound.compose import Identity, OutgoingMail, as_bytes, compose
from gateway.outbound.relay import deliver
from gateway.parsing.message import Limits, parse_message
from gateway.senderauth.verify import _from_domain
from tests.support.sink import Sink

IDENTITY = Identity("tnde.banyumaskab.go.id", "tnde", "TNDE Gateway", "test")
NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)


def incoming(from_header: str) -> bytes:
    return (
        f"From: {from_header}\r\nTo: setda@tnde.banyumaskab.go.id\r\nSubject: Uji\r\n"
        "Message-ID: <cve@example>\r\nDate: Tue, 1 Dec 2026 09:00:00 +0700\r\n\r\nIsi.\r\n"
    ).encode()


@pytest.mark.parametrize(
    "from_header",
    [
        # CVE-2023-27043: email.utils.parseaddr/getaddresses read these as bob's address
        # in unfixed releases, while a mail client shows alice's.
        "alice@example.org)<bob@kemendagri.go.id>",
        "alice@example.org)(<bob@kemendagri.go.id>",
        '"alice@example.org)" <bob@kemendagri.go.id>',
        "alice@example.org, <bob@kemendagri.go.id>",
        # Where getaddresses sees two addresses and the reader's parser one.
        "alice@example.org <bob@kemendagri.go.id>",
        "<alice@example.org>bob@kemendagri.go.id",
    ],
)
def test_cve_2023_27043_the_checked_domain_is_the_shown_domain(from_header: str) -> None:
    parsed = parse_message(incoming(from_header), Limits())
    shown = parsed.sender.address.rpartition("@")[2] if parsed.sender else ""
    checked = _from_domain(incoming(from_header))
    # DMARC judges exactly the domain a reader sees, or nothing at all (then permerror).
    assert checked in ("", shown), (shown, checked)
    if parsed.sender and "multiple-addresses" not in parsed.sender.flags:
        assert checked == shown


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab =?:\r\n\t\u2028\x00;,<>@éÜ")), max_size=60),
    st.integers(min_value=0, max_value=900),
)
def test_cve_2024_6923_and_2026_1299_folding_never_adds_a_header(tail: str, pad: int) -> None:
    # Long headers the generator must fold (with encoded words, spaces at the fold points
    # and line breaks inside), which unfixed releases folded into a new header line.
    subject = ("Perihal " + "x" * pad + " =?utf-8?q?Bcc=3A?= " + tail)[:1200]
    mail = OutgoingMail(
        kind="notice",
        to_address="agus.nugroho@banyumaskab.go.id",
        to_name="Agus " + tail,
        subject=subject,
        text="Isi",
    )
    raw = as_bytes(compose(mail, IDENTITY, NOW))
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 998 for line in header_block.split(b"\r\n"))
    assert b"\nBcc" not in header_block and b"\x00" not in header_block
    message = message_from_bytes(raw, policy=policy.default)
    names = [name.lower() for name in message]
    assert names.count("subject") == 1 and "bcc" not in names
    assert names.count("to") == 1


def test_an_address_with_a_line_break_never_reaches_the_smarthost() -> None:
    with Sink() as sink:
        outbound = OutboundSettings(smarthost=f"127.0.0.1:{sink.port}", timeout=10)
        injected = "kadinkes@banyumaskab.go.id>\r\nRCPT TO:<korban@example.org"
        result = deliver(outbound, "gw.test", "tnde@tnde.banyumaskab.go.id", injected, b"x\r\n")
        assert result.outcome == "permanent" and "alamat penerima tidak sah" in result.detail
        assert sink.messages == []
        good = deliver(
            outbound,
            "gw.test",
            "tnde@tnde.banyumaskab.go.id",
            "kadinkes@banyumaskab.go.id",
            b"Subject: x\r\n\r\nx\r\n",
        )
        assert good.outcome == "sent" and sink.messages[0].rcpt_tos == [
            "kadinkes@banyumaskab.go.id"
        ]


def test_the_relay_sends_idn_and_local_domains_and_never_blames_a_recipient_for_our_sender() -> (
    None
):
    with Sink() as sink:
        outbound = OutboundSettings(smarthost=f"127.0.0.1:{sink.port}", timeout=10)
        sent = deliver(
            outbound, "gw.test", "tnde+bounce-7@tnde.pemda.local", "tu@dinkés.go.id", b"x\r\n"
        )
        assert sent.outcome == "sent"
        assert sink.messages[0].mail_from == "tnde+bounce-7@tnde.pemda.local"
        assert sink.messages[0].rcpt_tos == ["tu@xn--dinks-esa.go.id"]
        broken = deliver(outbound, "gw.test", "tnde\r\n@x", "tu@kemkes.go.id", b"x\r\n")
        assert broken.outcome == "temporary"  # our configuration, not the recipient's address
