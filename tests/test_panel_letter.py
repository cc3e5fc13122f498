"""One letter in the panel: attachments (PDF inline), the original .eml with its SHA-256,
the body sanitised in a sandboxed frame, the disposition tree, and corrections by the TU
desk with the old value kept in the audit trail; none of it for who may not read it."""

from __future__ import annotations

import hashlib
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from sqlalchemy import select

from gateway.db.models import Event, Naskah
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import signed_in
from tests.support.queries import settled

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


def test_an_attachment_of_another_letter_is_not_found(sqlite_gateway: RunningGateway) -> None:
    send_html_letter(sqlite_gateway, "Nomor: 005/1/2026\nPerihal: Satu\n", unit="setda")
    send_html_letter(sqlite_gateway, "Nomor: 005/2/2026\nPerihal: Dua\n", unit="dinkes")
    with sqlite_gateway.app.db.read() as session:
        dinkes_attachment = session.get_one(Naskah, 2).attachments[0].id
    operator = signed_in(sqlite_gateway, "operator", ["SETDA"])
    assert operator.get(f"/naskah/1/lampiran/{dinkes_attachment}").status == 404
    assert operator.get(f"/naskah/2/lampiran/{dinkes_attachment}").status == 404


def test_the_desk_corrects_a_field_and_the_audit_keeps_the_old_value(
    gateway: RunningGateway,
) -> None:
    send_html_letter(gateway, "Nomor: 005/1/2026\nPerihal: Undangn Rapat\n")
    operator = signed_in(gateway, "operator", ["SETDA"])
    assert "Koreksi data surat" in operator.get("/naskah/1").body
    refused = operator.post(
        "/naskah/1/koreksi", {"tanggal_surat": "27-11-2026", "alasan": "salah ketik"}
    )
    assert refused.status == 422 and "TTTT-BB-HH" in refused.body
    assert operator.post("/naskah/1/koreksi", {"perihal": "Undangan Rapat"}).status == 422
    operator.get("/naskah/1")
    saved = operator.post(
        "/naskah/1/koreksi",
        {
            "perihal": "Undangan Rapat Koordinasi",
            "tanggal_surat": "2026-11-27",
            "kecepatan": "SEGERA",
            "alasan": "perihal salah ketik",
        },
    )
    assert saved.status == 303 and saved.headers["Location"] == "/naskah/1?dikoreksi=1"
    with gateway.app.db.read() as session:
        naskah = session.get_one(Naskah, 1)
        assert (naskah.perihal, str(naskah.tanggal_surat), naskah.kecepatan) == (
            "Undangan Rapat Koordinasi",
            "2026-11-27",
            "SEGERA",
        )
        assert naskah.field_sources["perihal"]["by"] == "operator-setda"
        event = session.scalars(select(Event).where(Event.type == "naskah_corrected")).one()
        assert event.actor == "operator-setda" and event.payload["reason"] == "perihal salah ketik"
        changes = {c["field"]: (c["old"], c["new"]) for c in event.payload["changes"]}
        assert changes["perihal"] == ("Undangn Rapat", "Undangan Rapat Koordinasi")
        assert "nomor_surat" not in changes  # unchanged fields are not recorded
    page = operator.get("/naskah/1?dikoreksi=1").body
    assert "Koreksi disimpan" in page and "«Undangn Rapat»" in page
    found = operator.get("/?q=koordinasi").body
    assert "/naskah/1" in found  # the full-text index follows the correction
    pimpinan = signed_in(gateway, "pimpinan", ["SETDA"])
    assert "Koreksi data surat" not in pimpinan.get("/naskah/1").body
    assert pimpinan.post("/naskah/1/koreksi", {"perihal": "x", "alasan": "y"}).status == 403


def test_the_disposition_tree_nests_under_its_origin(sqlite_gateway: RunningGateway) -> None:
    send_html_letter(sqlite_gateway, "Nomor: 005/1/2026\nPerihal: Rapat\n")
    page = signed_in(sqlite_gateway).get("/naskah/1").body
    tree = page[page.index("<h2>Disposisi</h2>") :]
    assert '<ul class="pohon">' in tree and "<li><b>" in tree


def test_the_original_message_is_byte_for_byte(sqlite_gateway: RunningGateway) -> None:
    raw = send_html_letter(sqlite_gateway, "Nomor: 005/1/2026\nPerihal: Rapat\n")
    admin = signed_in(sqlite_gateway)
    stored = BytesParser(policy=policy.default).parsebytes(raw)
    answer = admin.get("/naskah/1/eml")
    assert answer.status == 200 and stored["Message-ID"] in answer.body
    with sqlite_gateway.app.db.read() as session:
        digest = session.get_one(Naskah, 1).raw_sha256
    assert hashlib.sha256(answer.body.encode("utf-8", "surrogateescape")).hexdigest() == digest
