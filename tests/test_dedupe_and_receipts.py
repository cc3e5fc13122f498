"""Duplicates link instead of registering twice; receipts go out, but never to machines."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from gateway.db.models import Event, Inbound, NaskahSource
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import inbound_rows, naskah_rows, outbox_rows, settled

SENDER = "tu@dinkes.jatengprov.go.id"


def deliver(gateway: RunningGateway, raw: bytes, to: list[str], sender: str = SENDER) -> None:
    with gateway.smtp() as client:
        client.sendmail(sender, to, raw)


def test_same_letter_twice_registers_once_and_links_the_copy(gateway: RunningGateway) -> None:
    raw = letter(message_id="<surat-1@dinkes.jatengprov.go.id>")
    deliver(gateway, raw, [f"setda@{DOMAIN}"])
    # A relay retry: same letter with an extra trace header in front.
    deliver(
        gateway,
        b"Received: from mx2.example by relay; Fri, 27 Nov 2026\r\n" + raw,
        [f"setda@{DOMAIN}"],
    )
    wait_for(lambda: settled(gateway.app) and len(inbound_rows(gateway.app)) == 2)
    (naskah,) = naskah_rows(gateway.app)
    assert naskah.copies == 2
    assert sorted(i.state for i in inbound_rows(gateway.app)) == ["duplicate", "registered"]
    with gateway.app.db.read() as session:
        roles = sorted(s.role for s in session.scalars(select(NaskahSource)))
    assert roles == ["copy", "original"]
    assert len(outbox_rows(gateway.app, "receipt")) == 1


def test_one_letter_to_two_units_registers_in_each(sqlite_gateway: RunningGateway) -> None:
    deliver(sqlite_gateway, letter(), [f"setda@{DOMAIN}", f"bappeda@{DOMAIN}", f"sekda@{DOMAIN}"])
    wait_for(lambda: len(naskah_rows(sqlite_gateway.app)) == 2)
    by_unit = {n.agenda_number.split("/")[2]: n for n in naskah_rows(sqlite_gateway.app)}
    assert set(by_unit) == {"SETDA", "BAPPEDA"}
    # setda@ and sekda@ both belong to SETDA: one entry listing both addresses.
    assert by_unit["SETDA"].recipients == [f"setda@{DOMAIN}", f"sekda@{DOMAIN}"]
    assert len(outbox_rows(sqlite_gateway.app, "receipt")) == 2


def test_reused_message_id_with_other_content_is_another_letter(
    sqlite_gateway: RunningGateway,
) -> None:
    same_id = "<bulk-sender-reuses-this@example.go.id>"
    deliver(sqlite_gateway, letter(subject="Surat A", message_id=same_id), [f"setda@{DOMAIN}"])
    deliver(sqlite_gateway, letter(subject="Surat B", message_id=same_id), [f"setda@{DOMAIN}"])
    wait_for(lambda: len(naskah_rows(sqlite_gateway.app)) == 2)
    assert [n.seq for n in naskah_rows(sqlite_gateway.app)] == [1, 2]


def test_receipt_carries_agenda_number_and_loop_protection(gateway: RunningGateway) -> None:
    raw = letter(message_id="<asli@dinkes.jatengprov.go.id>")
    deliver(gateway, raw, [f"dinkes@{DOMAIN}"])
    (receipt,) = wait_for(lambda: outbox_rows(gateway.app, "receipt"))
    (naskah,) = naskah_rows(gateway.app)
    msg = message_from_bytes(receipt.message, policy=policy.default)
    assert receipt.rcpt_to == SENDER
    assert naskah.agenda_number in str(msg["Subject"])
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-TNDE-Loop"] == "test-instance"
    assert msg["In-Reply-To"] == "<asli@dinkes.jatengprov.go.id>"
    # Replies to the receipt reach the tracking address (STATUS), bound to this letter.
    assert str(msg["Reply-To"]).startswith("balasan+") and str(msg["Reply-To"]).endswith(DOMAIN)
    text = msg.get_body(("plain",)).get_content()
    assert "Nomor agenda  : 00001/SM/DINKES/2026" in text
    assert "Surat Saudara telah kami terima" in text
    assert receipt.mail_from == f"tnde+bounce-{receipt.id}@{DOMAIN}"


@pytest.mark.parametrize(
    ("sender", "headers", "expect_kind"),
    [
        ("MAILER-DAEMON@mail.example.go.id", {}, "letter"),
        ("noreply@sistem.kemkes.go.id", {}, "letter"),
        ("no-reply@lpse.jatengprov.go.id", {}, "letter"),
        (SENDER, {"Precedence": "bulk"}, "letter"),
        (SENDER, {"List-Id": "<berita.kominfo.go.id>"}, "letter"),
        (SENDER, {"Auto-Submitted": "auto-replied"}, "auto"),
        (SENDER, {"X-Autoreply": "yes"}, "auto"),
        (SENDER, {"X-TNDE-Loop": "other-gateway"}, "loop"),
    ],
)
def test_no_receipt_to_machines_or_no_reply_senders(
    sqlite_gateway: RunningGateway, sender: str, headers: dict[str, str], expect_kind: str
) -> None:
    deliver(sqlite_gateway, letter(sender=sender, headers=headers), [f"setda@{DOMAIN}"], sender)
    wait_for(lambda: settled(sqlite_gateway.app))
    (inbound,) = inbound_rows(sqlite_gateway.app)
    assert inbound.kind == expect_kind
    assert outbox_rows(sqlite_gateway.app, "receipt") == []
    with sqlite_gateway.app.db.read() as session:
        types = set(session.scalars(select(Event.type)))
    if expect_kind == "letter":
        assert "receipt_suppressed" in types
    else:
        assert inbound.state == "ignored" and "ignored" in types


def test_mail_to_the_gateway_mailbox_alone_is_recorded_not_registered(
    sqlite_gateway: RunningGateway,
) -> None:
    deliver(sqlite_gateway, letter(to=f"tnde@{DOMAIN}"), [f"tnde@{DOMAIN}"])
    wait_for(lambda: settled(sqlite_gateway.app))
    with sqlite_gateway.app.db.read() as session:
        inbound = session.scalars(select(Inbound)).one()
    assert inbound.state == "ignored" and "answers nothing of ours" in (inbound.reason or "")
    assert naskah_rows(sqlite_gateway.app) == []
