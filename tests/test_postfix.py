"""A real Postfix in front of the gateway (LMTP hand-off) and behind it (smarthost)."""

from __future__ import annotations

import os
import smtplib
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from gateway.app import App
from tests.fixtures.postfix import PostfixInstance
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import inbound_rows, naskah_rows, outbox_rows, settled
from tests.support.requirements import need, need_binary
from tests.support.sink import Sink


@pytest.fixture(autouse=True)
def _postfix_available() -> None:
    need_binary("postfix", "postfix")
    need(os.geteuid() == 0, "root (Postfix's master process runs only as root)")


@pytest.fixture
def short_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pf")


def test_postfix_hands_mail_to_our_lmtp_listener(gateway: RunningGateway, short_tmp: Path) -> None:
    lmtp = gateway.address("lmtp")
    with PostfixInstance(short_tmp, mydomain_for_lmtp=DOMAIN, lmtp_target=lmtp) as postfix:
        with smtplib.SMTP(postfix.host, postfix.port, timeout=30) as client:
            client.sendmail("tu@kemkes.go.id", [f"dinkes@{DOMAIN}", f"kadinkes@{DOMAIN}"], letter())
            # Postfix checks relay permission itself; the gateway's directory is behind it.
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("tu@kemkes.go.id", ["someone@example.org"], letter())
        wait_for(lambda: naskah_rows(gateway.app), timeout=30, what="LMTP hand-off")
        postfix.wait_for_empty_queue(30)
    (inbound,) = inbound_rows(gateway.app)
    assert inbound.source == "lmtp" and inbound.mail_from == "tu@kemkes.go.id"
    assert sorted(inbound.rcpt_tos) == [f"dinkes@{DOMAIN}", f"kadinkes@{DOMAIN}"]
    assert naskah_rows(gateway.app)[0].agenda_number == "00001/SM/DINKES/2026"


def test_unknown_recipient_at_lmtp_bounces_in_postfix_not_lost(
    gateway: RunningGateway, short_tmp: Path
) -> None:
    lmtp = gateway.address("lmtp")
    with PostfixInstance(short_tmp, mydomain_for_lmtp=DOMAIN, lmtp_target=lmtp) as postfix:
        with smtplib.SMTP(postfix.host, postfix.port, timeout=30) as client:
            client.sendmail("tu@kemkes.go.id", [f"nobody@{DOMAIN}", f"bappeda@{DOMAIN}"], letter())
        wait_for(lambda: naskah_rows(gateway.app), timeout=30)
        postfix.wait_for_empty_queue(30)
        log = postfix.log_path.read_text(errors="replace")
    # Our LMTP refused the unknown mailbox with 550 5.1.1; Postfix records the bounce.
    assert "550 5.1.1" in log and "status=bounced" in log
    (inbound,) = inbound_rows(gateway.app)
    assert inbound.rcpt_tos == [f"bappeda@{DOMAIN}"]


def test_receipts_relay_through_postfix_as_smarthost(db_url: str, short_tmp: Path) -> None:
    with Sink() as mx, PostfixInstance(short_tmp, relayhost=("127.0.0.1", mx.port)) as postfix:
        settings = gateway_settings(
            db_url, outbound={"smarthost": f"{postfix.host}:{postfix.port}"}
        )
        gateway = RunningGateway(App.build(settings, clock=FakeClock(OFFICE_HOURS))).start()
        try:
            with gateway.smtp() as client:
                client.sendmail("tu@kemkes.go.id", [f"setda@{DOMAIN}"], letter())
            wait_for(lambda: settled(gateway.app) and len(mx.messages) == 2, timeout=30)
            (row,) = outbox_rows(gateway.app, "receipt")
            assert row.state == "sent"
        finally:
            gateway.stop()
    (received,) = [m for m in mx.messages if m.rcpt_tos == ["tu@kemkes.go.id"]]
    assert received.mail_from == f"tnde+bounce-{row.id}@{DOMAIN}"
    msg = message_from_bytes(received.data, policy=policy.default)
    assert msg["Auto-Submitted"] == "auto-replied"
    assert "00001/SM/SETDA/2026" in str(msg["Subject"])


def test_postfix_fixture_cleans_up(short_tmp: Path) -> None:
    with PostfixInstance(short_tmp) as postfix:
        port = postfix.port
    with pytest.raises(OSError):
        smtplib.SMTP("127.0.0.1", port, timeout=2)
