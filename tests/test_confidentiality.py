"""A Sangat Rahasia letter through everything that writes or sends: notices, receipt,
reminders, escalation, digest, the panel and API for staff who may not read it, and the
logs at DEBUG. Nothing anywhere carries its perihal, its text or its file names."""

from __future__ import annotations

import datetime as dt
import logging
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from gateway.accounts.tokens import create_api_token
from gateway.app import App
from gateway.db.models import Naskah, Outbox, WebUser
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import PanelClient, make_user
from tests.support.queries import settled

PERIHAL = "Rencana operasi penertiban gabungan"
SECRET_LINE = "Titik kumpul di gudang Kalibagor pukul 02.00"
FILE_NAME = "peta-sasaran-kalibagor.pdf"
FILE_MARK = b"sasaran-7f3a9c"
NEEDLES = (PERIHAL, "operasi penertiban", SECRET_LINE, "gudang Kalibagor", FILE_NAME)


def every_text(row: Outbox) -> str:
    """Everything a recipient could read in one message: headers and every part decoded."""
    message = message_from_bytes(row.message, policy=policy.default)
    texts = [str(value) for value in message.values()]
    for part in message.walk():
        if part.is_multipart():
            continue
        texts += [str(value) for value in part.values()]
        texts.append(str(part.get_filename() or ""))
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            texts.append(payload.decode("utf-8", "replace"))
    return "\n".join(texts)


def test_a_sangat_rahasia_letter_leaves_no_trace_of_its_content(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FakeClock(OFFICE_HOURS)
    settings = gateway_settings(sqlite_url)
    gateway = RunningGateway(App.build(settings, clock=clock)).start()
    try:
        raw = letter(
            to=f"setda@{DOMAIN}",
            subject=f"SANGAT RAHASIA: {PERIHAL}",
            body=f"Nomor: 300/12/2026\nPerihal: {PERIHAL}\n\n{SECRET_LINE}\n",
            attachments=[(FILE_NAME, "application/pdf", b"%PDF-1.4\n" + FILE_MARK + b"\n")],
        )
        with gateway.smtp() as client:
            client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
        wait_for(lambda: settled(gateway.app), what="pipeline")
        with gateway.app.db.read() as session:
            naskah = session.scalars(select(Naskah)).one()
            assert naskah.sifat_keamanan == "SR"
            naskah_id = naskah.id
        # Days go by without an answer: reminders, escalation, daily digests.
        scheduler = gateway.app.scheduler()
        for _ in range(24):
            clock.advance(hours=12)
            scheduler.run_once()
        # Staff of another unit, and the TU desk of this one, look for it.
        make_user(gateway, "tu-dinkes", "operator", ["DINKES"])
        panel = PanelClient(gateway)
        assert panel.login("tu-dinkes").status == 303
        pages = [panel.get(path).body for path in ("/", f"/naskah/{naskah_id}", "/agenda")]
        pages.append(panel.get("/agenda.csv").body)
        with gateway.app.db.write() as session:
            user = session.scalars(select(WebUser).where(WebUser.username == "tu-dinkes")).one()
            token = create_api_token(session, user.id, clock())
        auth = {"Authorization": f"Bearer {token}"}
        pages.append(panel.request("/api/v1/naskah", headers=auth).body)
        pages.append(panel.request(f"/api/v1/naskah/{naskah_id}", headers=auth).body)
        with gateway.app.db.read() as session:
            outgoing = list(session.scalars(select(Outbox)))
            session.expunge_all()
    finally:
        gateway.stop()
    kinds = {row.kind for row in outgoing}
    assert {"receipt", "notice", "reminder", "escalation", "digest"} <= kinds, kinds
    for row in outgoing:
        text = every_text(row)
        assert FILE_MARK not in row.message, row.kind
        for needle in NEEDLES:
            assert needle.lower() not in text.lower(), (row.kind, needle)
    for page in pages:
        for needle in NEEDLES:
            assert needle.lower() not in page.lower(), needle
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged, "the scenario logged nothing: the log scan would prove nothing"
    for needle in NEEDLES:
        assert needle.lower() not in logged.lower(), needle
    assert clock() - OFFICE_HOURS == dt.timedelta(days=12)
