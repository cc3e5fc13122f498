"""The signer of a konsep signs on the panel's signing page with TTE (BSrE), over a
one-time link from the signing request: BSrE (a stand-in that really signs) is called
with the typed passphrase, the signed PDF is what leaves, and the passphrase stays
nowhere."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Event, Naskah, Outbox, SigningLink
from gateway.tte.trust import load_roots
from gateway.tte.validate import PdfSignatureValidator
from tests.data.tools.make_pdf import build_text_pdf
from tests.support.bsre import PASSWORD as BSRE_PASSWORD
from tests.support.bsre import USERNAME as BSRE_USER
from tests.support.bsre import FakeBsre, running_bsre
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN
from tests.support.panel import PanelClient, signed_in
from tests.support.queries import settled
from tests.support.replies import build_reply, latest, outgoing, plain, send_reply
from tests.support.tte import SigningAuthority

ORG = "banyumaskab.go.id"
TRUSTED = "mx.banyumaskab.go.id"
KABAG = f"teguh.wibowo@{ORG}"  # signer: Kepala Bagian Umum
KASUBBAG = f"yuli.astuti@{ORG}"
STAF = f"nur.hidayah@{ORG}"
AGENCY = "tu@dinkes.jatengprov.go.id"
NIK = "3302011201780002"
PASSPHRASE = "frasa-TTE-kabag-91"
SIGNER = "Teguh Wibowo, S.Sos."


@pytest.fixture(scope="module")
def authority() -> SigningAuthority:
    return SigningAuthority.create()


@pytest.fixture
def bsre(authority: SigningAuthority) -> Iterator[FakeBsre]:
    with running_bsre(authority, NIK, PASSPHRASE, SIGNER) as service:
        yield service


@pytest.fixture
def gw(db_url: str, bsre: FakeBsre) -> Iterator[RunningGateway]:
    settings = gateway_settings(
        db_url,
        mail={"trusted_authserv_ids": [TRUSTED]},
        web={"public_url": "http://tnde.example.go.id"},
        tte={
            "provider": "bsre",
            "bsre_url": bsre.url,
            "bsre_username": BSRE_USER,
            "bsre_password": BSRE_PASSWORD,
        },
    )
    gateway = RunningGateway(App.build(settings, clock=FakeClock(OFFICE_HOURS))).start()
    try:
        yield gateway
    finally:
        gateway.stop()


def letter_pdf() -> bytes:
    lines = ["PEMERINTAH KABUPATEN BANYUMAS", "Perihal: Permohonan data kearsipan"]
    return build_text_pdf(lines, "Permohonan data", "Setda", "D:20261201090000+07'00'")


def submit_draft(gw: RunningGateway, pdf: bytes, head: str = "") -> None:
    msg = EmailMessage()
    msg["From"] = STAF
    msg["To"] = f"keluar@{DOMAIN}"
    msg["Subject"] = "Permohonan data kearsipan"
    msg["Message-ID"] = make_msgid(domain=ORG)
    msg["Authentication-Results"] = f"{TRUSTED}; dmarc=pass header.from={ORG}"
    msg.set_content(f"KEPADA: <{AGENCY}>\nKLASIFIKASI: 000.8\nPENANDATANGAN: kabag.umum\n{head}")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="surat.pdf")
    with gw.smtp() as client:
        client.send_message(msg, to_addrs=[f"keluar@{DOMAIN}"])
    wait_for(lambda: settled(gw.app))


def letters(app: App) -> list[Naskah]:
    with app.db.read() as session:
        return list(session.scalars(select(Naskah).where(Naskah.kind == "surat_keluar")))


def test_the_signer_signs_on_the_page_and_the_signed_pdf_is_sent(
    gw: RunningGateway, bsre: FakeBsre, authority: SigningAuthority, tmp_path: Path
) -> None:
    original = letter_pdf()
    submit_draft(gw, original)
    send_reply(gw, build_reply(latest(gw.app, KASUBBAG), KASUBBAG, "SETUJU"))
    request = latest(gw.app, KABAG)
    link = re.search(r"http://tnde\.example\.go\.id(/tandatangan/\S+)", plain(request))
    assert link is not None and "passphrase" in plain(request)
    # SETUJU by mail does not sign a letter that takes a TTE.
    send_reply(gw, build_reply(request, KABAG, "SETUJU"))
    assert letters(gw.app) == []
    assert "TTE BSrE" in plain(latest(gw.app, KABAG, "command_receipt"))

    browser = PanelClient(gw)
    page = browser.get(link.group(1))
    assert page.status == 200 and "Permohonan data kearsipan" in page.body
    wrong = browser.post(link.group(1), {"nik": NIK, "passphrase": "salah"})
    assert wrong.status == 400 and "Passphrase anda salah" in wrong.body
    assert "salah" not in str(bsre.seen_fields) and letters(gw.app) == []
    signed = browser.post(link.group(1), {"nik": NIK, "passphrase": PASSPHRASE})
    assert signed.status == 200 and "ditandatangani" in signed.body

    (letter,) = letters(gw.app)
    assert letter.agenda_number.startswith("000.8/1/SETDA/")
    (sent,) = outgoing(gw.app, AGENCY, "surat_keluar")
    (attached,) = [part.get_content() for part in sent.iter_attachments()]
    assert attached != original and attached.startswith(original[:8])
    roots = tmp_path / "root.pem"
    roots.write_bytes(authority.root_pem)
    (check,) = PdfSignatureValidator(load_roots((str(roots),))).check("surat.pdf", attached)
    assert check.result == "valid" and check.signer == SIGNER
    assert bsre.seen_fields[-1]["reason"].startswith("Penandatanganan KONSEP-")
    # The passphrase is nowhere: not in the database's events, mail or links.
    with gw.app.db.read() as session:
        stored = [str(e.payload) for e in session.scalars(select(Event))]
        stored += [bytes(o.message).decode("latin-1") for o in session.scalars(select(Outbox))]
        assert session.scalars(select(SigningLink)).one().used_at is not None
    assert not any(PASSPHRASE in text for text in stored)
    # The link worked once.
    assert browser.get(link.group(1)).status == 404


def test_the_page_refuses_a_form_from_another_browser(gw: RunningGateway) -> None:
    submit_draft(gw, letter_pdf())
    send_reply(gw, build_reply(latest(gw.app, KASUBBAG), KASUBBAG, "SETUJU"))
    link = re.search(r"(/tandatangan/\S+)", plain(latest(gw.app, KABAG)))
    assert link is not None
    stranger = PanelClient(gw)  # never loaded the page: no form token of its own
    answer = stranger.post(link.group(1), {"nik": NIK, "passphrase": PASSPHRASE}, csrf=False)
    assert answer.status == 403 and letters(gw.app) == []


def test_an_unknown_link_is_the_same_404(gw: RunningGateway) -> None:
    assert PanelClient(gw).get("/tandatangan/bukan-token-yang-sah").status == 404
    sent = [m for m in outgoing(gw.app, KABAG) if "/tandatangan/" in plain(m)]
    assert sent == []


def ready_to_sign(gw: RunningGateway, head: str = "") -> str:
    """A draft approved up to its signer; the path of the signer's signing page."""
    submit_draft(gw, letter_pdf(), head)
    send_reply(gw, build_reply(latest(gw.app, KASUBBAG), KASUBBAG, "SETUJU"))
    link = re.search(
        r"http://tnde\.example\.go\.id(/tandatangan/\S+)", plain(latest(gw.app, KABAG))
    )
    assert link is not None
    return link.group(1)


def test_the_outbox_page_hides_the_signing_link(gw: RunningGateway) -> None:
    path = ready_to_sign(gw)
    with gw.app.db.read() as session:
        row = session.scalars(
            select(Outbox).where(Outbox.rcpt_to == KABAG, Outbox.kind == "notice")
        ).one()
    desk = signed_in(gw, "operator", ["SETDA"])
    page = desk.get(f"/kotak-keluar/{row.id}").body
    assert "/tandatangan/[disembunyikan]" in page and path not in page


def test_three_refusals_void_the_link(gw: RunningGateway, bsre: FakeBsre) -> None:
    path = ready_to_sign(gw)
    browser = PanelClient(gw)
    browser.get(path)
    for attempt in range(3):
        answer = browser.post(path, {"nik": NIK, "passphrase": f"tebakan-{attempt}"})
        assert answer.status == 400
    assert browser.post(path, {"nik": NIK, "passphrase": PASSPHRASE}).status == 404
    assert len(bsre.seen_fields) == 3 and letters(gw.app) == []


def test_a_reserved_number_taken_meanwhile_stops_before_bsre(
    gw: RunningGateway, bsre: FakeBsre
) -> None:
    reserved = "NOMOR: 000.8/9/SETDA/2026\n"
    first = ready_to_sign(gw, reserved)
    second = ready_to_sign(gw, reserved)  # the same number again
    # Both drafts were accepted while the number was free; the first signs.
    browser = PanelClient(gw)
    browser.get(first)
    assert browser.post(first, {"nik": NIK, "passphrase": PASSPHRASE}).status == 200
    calls = len(bsre.seen_fields)
    browser.get(second)
    answer = browser.post(second, {"nik": NIK, "passphrase": PASSPHRASE})
    assert answer.status == 409 and "sudah dipakai" in answer.body
    assert len(bsre.seen_fields) == calls and len(letters(gw.app)) == 1


def test_a_word_letter_is_refused_when_it_comes_in(gw: RunningGateway) -> None:
    msg = EmailMessage()
    msg["From"] = STAF
    msg["To"] = f"keluar@{DOMAIN}"
    msg["Subject"] = "Surat dalam Word"
    msg["Message-ID"] = make_msgid(domain=ORG)
    msg["Authentication-Results"] = f"{TRUSTED}; dmarc=pass header.from={ORG}"
    msg.set_content(f"KEPADA: <{AGENCY}>\nKLASIFIKASI: 000.8\nPENANDATANGAN: kabag.umum\n")
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    maintype, _, subtype = docx.partition("/")
    msg.add_attachment(b"PK\x03\x04word", maintype=maintype, subtype=subtype, filename="surat.docx")
    with gw.smtp() as client:
        client.send_message(msg, to_addrs=[f"keluar@{DOMAIN}"])
    wait_for(lambda: settled(gw.app))
    assert "hanya untuk PDF" in plain(latest(gw.app, STAF, "receipt"))


def test_a_reminder_brings_the_signer_a_fresh_link(gw: RunningGateway) -> None:
    first = ready_to_sign(gw)
    clock = gw.app.clock
    assert isinstance(clock, FakeClock)
    clock.set(clock() + dt.timedelta(days=2))
    assert gw.app.scheduler().run_once()["reminders"] == 1
    reminder = plain(latest(gw.app, KABAG, "reminder"))
    fresh = re.search(r"(/tandatangan/\S+)", reminder)
    assert fresh is not None and fresh.group(1) != first
    browser = PanelClient(gw)
    assert browser.get(fresh.group(1)).status == 200


def test_tautan_mails_the_signer_a_fresh_link(gw: RunningGateway) -> None:
    first = ready_to_sign(gw)
    request = latest(gw.app, KABAG)
    send_reply(gw, build_reply(request, KABAG, "TAUTAN"))
    notices = [
        m for m in outgoing(gw.app, KABAG) if "Tautan penandatanganan baru" in str(m["Subject"])
    ]
    (fresh_mail,) = notices
    fresh = re.search(r"(/tandatangan/\S+)", plain(fresh_mail))
    assert fresh is not None and fresh.group(1) != first
    browser = PanelClient(gw)
    browser.get(fresh.group(1))
    assert browser.post(fresh.group(1), {"nik": NIK, "passphrase": PASSPHRASE}).status == 200
    assert len(letters(gw.app)) == 1
    # TAUTAN on a request for paraf is not a signing step: refused with the reason.
    submit_draft(gw, letter_pdf())
    send_reply(gw, build_reply(latest(gw.app, KASUBBAG), KASUBBAG, "TAUTAN"))
    assert "tidak berlaku untuk konsep" in plain(latest(gw.app, KASUBBAG, "command_receipt"))
