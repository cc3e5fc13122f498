"""SMTP and LMTP intake against the real listeners, on SQLite and PostgreSQL."""

from __future__ import annotations

import smtplib
import socket
from email import policy
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from gateway.db.blobs import get_blob
from gateway.db.models import Blob, Event, Inbound, Naskah, Outbox
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import count, inbound_rows, naskah_rows, settled

SENDER = "tu@dinkes.jatengprov.go.id"


def test_letter_is_stored_byte_exact_then_registered(gateway: RunningGateway) -> None:
    raw = letter()
    with gateway.smtp() as client:
        client.ehlo()
        code, reply = client.docmd("MAIL FROM:<tu@dinkes.jatengprov.go.id>")
        assert code == 250
        assert client.docmd(f"RCPT TO:<setda@{DOMAIN}>")[0] == 250
        code, reply = client.data(raw)
    assert code == 250, reply
    assert reply.startswith(b"2.0.0 OK: accepted as ")
    naskah = wait_for(lambda: naskah_rows(gateway.app), what="registration")
    assert [n.agenda_number for n in naskah] == ["00001/SM/SETDA/2026"]
    (inbound,) = inbound_rows(gateway.app)
    assert inbound.state == "registered" and inbound.mail_from == SENDER
    with gateway.app.db.read() as session:
        # smtplib dot-stuffs and ends with CRLF; what we store is what the client meant.
        assert get_blob(session, inbound.raw_sha256) == raw


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (f"nobody@{DOMAIN}", b"550 5.1.1"),
        ("setda@example.org", b"550 5.1.1"),
        (f"setda@{DOMAIN}.evil.example", b"550 5.1.1"),
        (f'"setda@example.org"@{DOMAIN}', b"550 5.1.1"),
        (f'"setda example"@{DOMAIN}', b"550 5.1.1"),
        (f"setda%example.org@{DOMAIN}", b"550 5.1.1"),
        (f"example.org!setda@{DOMAIN}", b"550 5.1.1"),
        ("setda@[127.0.0.1]", b"550 5.1.1"),
        ("setda", b"550 5.1.1"),
        # Source routes are not even syntactically acceptable: aiosmtpd says 553 5.1.3.
        (f"@{DOMAIN}:setda@example.org", b"553 5.1.3"),
    ],
)
def test_unknown_and_relay_recipients_are_refused_at_rcpt(
    sqlite_gateway: RunningGateway, address: str, expected: bytes
) -> None:
    with sqlite_gateway.smtp() as client:
        client.ehlo()
        client.mail(SENDER)
        code, reply = client.rcpt(address)
    assert f"{code} ".encode() + reply[:5] == expected, (address, reply)


def test_recipient_match_is_case_insensitive_and_understands_plus(
    sqlite_gateway: RunningGateway,
) -> None:
    with sqlite_gateway.smtp() as client:
        client.sendmail(
            SENDER, ["SetDa+Undangan@TNDE.Banyumaskab.GO.ID", f"KABAG.UMUM@{DOMAIN}"], letter()
        )
    (naskah,) = wait_for(lambda: naskah_rows(sqlite_gateway.app), what="registration")
    assert naskah.recipients == [f"setda+undangan@{DOMAIN}", f"kabag.umum@{DOMAIN}"]


def test_size_is_advertised_and_enforced_with_552_5_3_4(sqlite_gateway: RunningGateway) -> None:
    limit = sqlite_gateway.app.settings.mail.max_message_size
    with sqlite_gateway.smtp() as client:
        client.ehlo()
        assert client.has_extn("size") and int(client.esmtp_features["size"]) == limit
        code, reply = client.docmd(f"MAIL FROM:<{SENDER}> SIZE={limit + 1}")
        assert code == 552 and reply.startswith(b"5.3.4 "), reply
        client.rset()
        client.mail(SENDER)
        client.rcpt(f"setda@{DOMAIN}")
        too_big = letter() + (b"y" * 998 + b"\r\n") * (limit // 1000 + 2)
        code, reply = client.data(too_big)
    assert code == 552 and reply.startswith(b"5.3.4 "), reply
    assert count(sqlite_gateway.app, Inbound) == 0


def _raw_session(gateway: RunningGateway, data: bytes) -> list[bytes]:
    """Speak SMTP by hand: smtplib would repair the line endings we want to test."""
    host, port = gateway.address("smtp")
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"EHLO client.test\r\nMAIL FROM:<tu@dinkes.jatengprov.go.id>\r\n")
        sock.sendall(f"RCPT TO:<setda@{DOMAIN}>\r\nDATA\r\n".encode() + data + b"QUIT\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return [line for line in received.split(b"\r\n") if line]


@pytest.mark.parametrize(
    "payload",
    [
        b"Subject: a\r\n\r\nbare LF here\nand more\r\n.\r\n",
        b"Subject: a\r\n\r\nbare CR here\rand more\r\n.\r\n",
        # Smuggling: a second "message" hidden behind a non-standard end of data.
        b"Subject: a\r\n\r\nfirst\n.\nMAIL FROM:<ceo@banyumaskab.go.id>\r\n.\r\n",
        b"Subject: a\r\n\r\nfirst\r\n.\nRCPT TO:<sekda@tnde.banyumaskab.go.id>\r\n.\r\n",
    ],
    ids=["bare-lf", "bare-cr", "smuggle-lf-dot-lf", "smuggle-crlf-dot-lf"],
)
def test_bare_line_endings_are_refused_with_554_and_nothing_is_stored(
    sqlite_gateway: RunningGateway, payload: bytes
) -> None:
    replies = _raw_session(sqlite_gateway, payload)
    assert any(r.startswith(b"554 5.6.0") and b"bare CR or LF" in r for r in replies), replies
    assert not any(b"accepted as" in r for r in replies)
    assert count(sqlite_gateway.app, Inbound) == 0
    assert count(sqlite_gateway.app, Blob) == 0


def test_lmtp_answers_once_per_recipient(gateway: RunningGateway) -> None:
    with gateway.lmtp() as client:
        client.ehlo_or_helo_if_needed = lambda: None  # type: ignore[method-assign]
        assert client.docmd("LHLO", "postfix.test")[0] == 250
        assert client.docmd(f"MAIL FROM:<{SENDER}>")[0] == 250
        assert client.docmd(f"RCPT TO:<setda@{DOMAIN}>")[0] == 250
        assert client.docmd(f"RCPT TO:<nobody@{DOMAIN}>")[0] == 550
        assert client.docmd(f"RCPT TO:<dinkes@{DOMAIN}>")[0] == 250
        client.putcmd("DATA")
        assert client.getreply()[0] == 354
        client.send(letter().replace(b"\r\n.", b"\r\n..") + b".\r\n")
        first = client.getreply()
        second = client.getreply()
    assert first[0] == second[0] == 250
    naskah = wait_for(lambda: len(naskah_rows(gateway.app)) == 2 and naskah_rows(gateway.app))
    assert sorted(n.agenda_number for n in naskah) == [
        "00001/SM/DINKES/2026",
        "00001/SM/SETDA/2026",
    ]
    (inbound,) = inbound_rows(gateway.app)
    assert inbound.source == "lmtp"


def test_smtp_and_lmtp_share_one_storage_path(sqlite_gateway: RunningGateway) -> None:
    with sqlite_gateway.smtp() as client:
        client.sendmail(SENDER, [f"bappeda@{DOMAIN}"], letter(subject="satu"))
    with sqlite_gateway.lmtp() as client:
        client.sendmail(SENDER, [f"bappeda@{DOMAIN}"], letter(subject="dua"))
    wait_for(lambda: settled(sqlite_gateway.app) and count(sqlite_gateway.app, Naskah) == 2)
    assert sorted(r.source for r in inbound_rows(sqlite_gateway.app)) == ["lmtp", "smtp"]
    assert [n.seq for n in naskah_rows(sqlite_gateway.app)] == [1, 2]


def test_null_sender_is_registered_but_never_answered(sqlite_gateway: RunningGateway) -> None:
    with sqlite_gateway.smtp() as client:
        client.sendmail("<>", [f"setda@{DOMAIN}"], letter())
    wait_for(lambda: settled(sqlite_gateway.app))
    (inbound,) = inbound_rows(sqlite_gateway.app)
    # A null reverse-path means a bounce: recorded, not registered, not answered.
    assert inbound.state == "ignored" and inbound.kind == "bounce"
    assert count(sqlite_gateway.app, Naskah) == 0


def test_unknown_command_after_refusal_keeps_session_usable(sqlite_gateway: RunningGateway) -> None:
    with sqlite_gateway.smtp() as client:
        client.ehlo()
        client.mail(SENDER)
        assert client.rcpt(f"nobody@{DOMAIN}")[0] == 550
        assert client.rcpt(f"setda@{DOMAIN}")[0] == 250
        assert client.data(letter())[0] == 250
    wait_for(lambda: count(sqlite_gateway.app, Naskah) == 1)


def test_bare_postmaster_is_accepted_as_rfc_5321_requires(sqlite_gateway: RunningGateway) -> None:
    with sqlite_gateway.smtp() as client:
        client.ehlo()
        client.mail(SENDER)
        assert client.rcpt("Postmaster")[0] == 250


def test_smtplib_sendmail_raises_for_only_unknown_recipients(
    sqlite_gateway: RunningGateway,
) -> None:
    with sqlite_gateway.smtp() as client, pytest.raises(smtplib.SMTPRecipientsRefused):
        client.sendmail(SENDER, [f"nobody@{DOMAIN}"], letter())


def test_a_non_ascii_sender_under_smtputf8_registers(sqlite_gateway: RunningGateway) -> None:
    # An internationalised domain gets its receipt at the IDNA form; a non-ASCII local part
    # (which only an SMTPUTF8 relay could carry) gets none, with the reason recorded.
    for number, sender in enumerate(("budi@dinkés.example.go.id", "bùdi@dinkes.example.go.id")):
        msg = EmailMessage()
        msg["From"] = f"Budi <{sender}>"
        msg["To"] = f"setda@{DOMAIN}"
        msg["Subject"] = "Surat"
        msg["Message-ID"] = f"<utf8-{number}@example.go.id>"
        msg.set_content(f"Nomor: 1/{number}/2026\nPerihal: Uji UTF8\n")
        with sqlite_gateway.smtp() as client:
            client.sendmail(
                sender,
                [f"setda@{DOMAIN}"],
                msg.as_bytes(policy=policy.SMTPUTF8),
                mail_options=["SMTPUTF8"],
            )
    wait_for(lambda: settled(sqlite_gateway.app))
    with sqlite_gateway.app.db.read() as session:
        assert [i.state for i in session.scalars(select(Inbound))] == ["registered"] * 2
        receipts = session.scalars(select(Outbox.rcpt_to).where(Outbox.kind == "receipt")).all()
        assert receipts == ["budi@xn--dinks-esa.example.go.id"]
        reasons = [
            e.payload["reason"]
            for e in session.scalars(select(Event).where(Event.type == "receipt_suppressed"))
        ]
        assert len(reasons) == 1 and "SMTPUTF8" in reasons[0]


def test_a_sender_claiming_our_own_domain_gets_no_receipt(sqlite_gateway: RunningGateway) -> None:
    # Our addresses receive letters; a MAIL FROM in our domain from outside is forged, and
    # a receipt to it would only come back to us. The letter registers all the same.
    forged = f"setda@{DOMAIN}"
    raw = letter(to=f"dinkes@{DOMAIN}", sender=forged, subject="Surat palsu")
    with sqlite_gateway.smtp() as client:
        client.sendmail(forged, [f"dinkes@{DOMAIN}"], raw)
    wait_for(lambda: settled(sqlite_gateway.app))
    with sqlite_gateway.app.db.read() as session:
        assert [i.state for i in session.scalars(select(Inbound))] == ["registered"]
        assert session.scalars(select(Outbox).where(Outbox.kind == "receipt")).all() == []
        (event,) = session.scalars(select(Event).where(Event.type == "receipt_suppressed"))
        assert "own domain" in event.payload["reason"]
