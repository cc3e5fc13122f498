"""One letter in the panel: attachments (PDF inline), the original .eml with its SHA-256,
the body sanitised in a sandboxed frame, the disposition tree, and corrections by the TU
desk with the old value kept in the audit trail; none of it for who may not read it."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage

from gateway.db.models import Naskah
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import PanelClient, signed_in
from tests.support.queries import settled
from tests.support.replies import latest, plain

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HOSTILE_HTML = (
    "<p>Mohon hadir.</p><script>alert(1)</script>"
    '<img src="https://pelacak.example/p.gif" onerror="alert(2)">'
    '<a href="javascript:alert(3)">klik</a><form action="https://evil.example"></form>'
)


def send_html_letter(gw: RunningGateway, body: str, unit: str = "setda") -> bytes:
    msg = EmailMessage()
    msg["From"] = "TU Dinkes <tu@dinkes.jatengprov.go.id>"
    msg["To"] = f"{unit}@{DOMAIN}"
    msg["Subject"] = "Undangan"
    msg["Message-ID"] = "<html-1@dinkes.jatengprov.go.id>"
    msg.set_content(body)
    msg.add_alternative(HOSTILE_HTML, subtype="html")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="undangan rapat.pdf")
    raw = msg.as_bytes(policy=policy.SMTP)
    with gw.smtp() as client:
        client.sendmail("tu@dinkes.jatengprov.go.id", [f"{unit}@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app))
    return raw


def test_attachments_original_and_a_sanitised_body(gateway: RunningGateway) -> None:
    send_html_letter(gateway, "Nomor: 005/1/2026\nPerihal: Undangan Rapat\n")
    admin = signed_in(gateway)
    page = admin.get("/naskah/1").body
    link = re.search(r'href="(/naskah/1/lampiran/\d+)">undangan rapat.pdf', page)
    assert link, page
    download = admin.get(link.group(1))
    assert download.status == 200 and download.body.encode("latin-1", "replace")[:8] == PDF[:8]
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert "undangan%20rapat.pdf" in download.headers["Content-Disposition"]
    shown = admin.get(link.group(1) + "?tampil=1")
    assert shown.headers["Content-Type"] == "application/pdf"
    assert shown.headers["Content-Disposition"].startswith("inline")

    original = admin.get("/naskah/1/eml")
    assert original.headers["Content-Type"] == "message/rfc822"
    with gateway.app.db.read() as session:
        digest = session.get_one(Naskah, 1).raw_sha256
    assert digest in page

    frame = admin.get("/naskah/1/isi")
    assert frame.status == 200 and "Mohon hadir." in frame.body
    for hostile in ("<script", "onerror", "javascript:", "<form", "alert(1)"):
        assert hostile not in frame.body, hostile
    policy_header = frame.headers["Content-Security-Policy"]
    assert "sandbox" in policy_header and "img-src data:" in policy_header
    assert "frame-ancestors 'self'" in policy_header
    assert '<iframe class="isi-surat" sandbox src="/naskah/1/isi"' in page
    assert "frame-src 'self'" in admin.get("/naskah/1").headers["Content-Security-Policy"]


def test_a_secret_letters_files_are_for_its_official_only(gateway: RunningGateway) -> None:
    raw = letter(
        to=f"setda@{DOMAIN}",
        body="Nomor: 800/9/2026\nSifat: Rahasia\nPerihal: Penyidikan\n",
        attachments=[("bukti.pdf", "application/pdf", PDF)],
    )
    with gateway.smtp() as client:
        client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(gateway.app))
    with gateway.app.db.read() as session:
        attachment_id = session.get_one(Naskah, 1).attachments[0].id
    for viewer in (signed_in(gateway), signed_in(gateway, "operator", ["SETDA"])):
        assert "/naskah/1/eml" not in viewer.get("/naskah/1").body
        for path in (f"/naskah/1/lampiran/{attachment_id}", "/naskah/1/eml", "/naskah/1/isi"):
            assert viewer.get(path).status == 404, path
    other = signed_in(gateway, "operator", ["DINKES"])
    assert other.get(f"/naskah/1/lampiran/{attachment_id}").status == 404
    official = official_signed_in(gateway, SEKDA)  # the letter was disposed to the Sekda
    for path in (f"/naskah/1/lampiran/{attachment_id}", "/naskah/1/eml", "/naskah/1/isi"):
        assert official.get(path).status == 200, path
    assert "Penyidikan" in official.get("/naskah/1/isi").body


SEKDA = "agus.nugroho@banyumaskab.go.id"


def official_signed_in(gw: RunningGateway, address: str) -> PanelClient:
    """A browser signed in as an official through the mailed one-time link."""
    browser = PanelClient(gw)
    browser.get("/masuk")
    assert browser.post("/masuk", {"email": address}).status == 200
    link = re.search(r"https?://\S+/masuk/\S+", plain(latest(gw.app, address, "login_link")))
    assert link is not None
    assert browser.get("/masuk/" + link.group(0).rpartition("/masuk/")[2]).status == 303
    return browser


def test_the_disposition_sheet_prints_like_the_paper_form(gateway: RunningGateway) -> None:
    send_html_letter(gateway, "Nomor: 005/1/2026\nPerihal: Undangan Rapat\n")
    admin = signed_in(gateway)
    page = admin.get("/naskah/1").body
    assert "/naskah/1/lembar-disposisi" in page
    assert "<b>KENA</b> undangan hadiri atau wakili" in page  # the rules that routed it
    sheet = admin.get("/naskah/1/lembar-disposisi")
    assert sheet.status == 200 and "LEMBAR DISPOSISI" in sheet.body
    assert "SEKRETARIAT DAERAH" in sheet.body and "00001/SM/SETDA/2026" in sheet.body
    assert "Sekretaris Daerah" in sheet.body and "Undangan Rapat" in sheet.body
    assert "✓</span>Biasa" in sheet.body  # the letter's speed is ticked
    assert (
        signed_in(gateway, "operator", ["DINKES"]).get("/naskah/1/lembar-disposisi").status == 404
    )


def test_a_secret_letters_sheet_shows_no_perihal_to_the_desk(
    sqlite_gateway: RunningGateway,
) -> None:
    raw = letter(
        to=f"setda@{DOMAIN}", body="Nomor: 800/9/2026\nSifat: Rahasia\nPerihal: Penyidikan\n"
    )
    with sqlite_gateway.smtp() as client:
        client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(sqlite_gateway.app))
    sheet = signed_in(sqlite_gateway, "operator", ["SETDA"]).get("/naskah/1/lembar-disposisi")
    assert sheet.status == 200 and "Penyidikan" not in sheet.body and "800/9/2026" not in sheet.body
