"""The panel in Debian's Chromium: a newcomer signs in, searches, opens a letter; an
official follows the SR notice's link and reads the letter; hostile text stays text."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage

from sqlalchemy import select

from gateway.db.models import Disposition, Position
from tests.support.browser import browser_login, chromium_page, snapshot
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import PASSWORD, make_user
from tests.support.queries import settled
from tests.support.replies import latest, plain

SEKDA = "agus.nugroho@banyumaskab.go.id"
SECRET_PERIHAL = "Rencana Mutasi Pejabat Eselon III"
XSS = [
    "<script>alert('subject')</script>",
    "<svg onload=alert('svg')>",
    "<img src=x onerror=alert('img')>",
]


def send(gw: RunningGateway, body: str, subject: str = "Surat", sender_name: str = "TU") -> None:
    raw = letter(to=f"setda@{DOMAIN}", subject=subject, body=body, sender_name=sender_name)
    with gw.smtp() as client:
        client.sendmail("tu@bkpsdm.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app))


def test_sign_in_search_and_open_a_letter(sqlite_gateway: RunningGateway) -> None:
    send(sqlite_gateway, "Nomor: 005/1/2026\nPerihal: Undangan Rapat Koordinasi Stunting\n")
    send(sqlite_gateway, "Nomor: 005/2/2026\nPerihal: Permohonan Data Kependudukan\n")
    make_user(sqlite_gateway, "admin", "admin")
    with chromium_page() as page:
        page.goto(sqlite_gateway.web_url)
        assert "/login" in page.url  # nothing before signing in
        browser_login(page, sqlite_gateway.web_url, "admin", PASSWORD)
        page.get_by_label("Cari").fill("kependudukan")
        page.get_by_role("button", name="Saring").click()
        page.wait_for_url("**/?*q=kependudukan*")
        rows = page.locator("tbody tr")
        assert rows.count() == 1 and "Permohonan Data Kependudukan" in rows.first.inner_text()
        rows.first.get_by_role("link").first.click()
        page.wait_for_url("**/naskah/2")
        assert "Diregistrasi" in page.locator("table").last.inner_text()
        page.get_by_role("link", name="Dasbor").click()
        assert page.locator("svg.grafik rect").count() >= 1
        page.get_by_role("button", name="Keluar").click()
        page.wait_for_url("**/login")


def test_an_official_reads_a_secret_letter_from_the_notice_link(
    sqlite_gateway: RunningGateway,
) -> None:
    send(sqlite_gateway, f"Nomor: 800/9/2026\nSifat: Rahasia\nPerihal: {SECRET_PERIHAL}\n")
    notice = plain(latest(sqlite_gateway.app, SEKDA, "notice"))
    assert SECRET_PERIHAL not in notice
    link = re.search(r"https?://\S+(/masuk/surat/[a-z0-9]+)", notice)
    assert link is not None
    base = sqlite_gateway.web_url.rstrip("/")
    with chromium_page() as page:
        page.goto(base + link.group(1))
        assert SECRET_PERIHAL not in page.content()
        page.get_by_role("button", name="Kirim tautan masuk ke alamat saya").click()
        page.wait_for_load_state()
        mail = plain(latest(sqlite_gateway.app, SEKDA, "login_link"))
        found = re.search(r"https?://\S+(/masuk/\S+)", mail)
        assert found is not None
        page.goto(base + found.group(1))
        page.wait_for_url("**/naskah/1")
        assert SECRET_PERIHAL in page.locator("dl").inner_text()


def test_hostile_text_is_shown_as_text_and_never_runs(sqlite_gateway: RunningGateway) -> None:
    for n, payload in enumerate(XSS):
        send(
            sqlite_gateway,
            f"Nomor: 1/{n}/2026\nPerihal: {payload}\n",
            subject=payload,
            sender_name=payload,
        )
    make_user(sqlite_gateway, "admin", "admin")
    dialogs: list[str] = []
    with chromium_page() as page:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        browser_login(page, sqlite_gateway.web_url, "admin", PASSWORD)
        injected = "main script, main [onload], main [onerror]"
        # Escaped, not merely blocked by the Content-Security-Policy: no element made.
        assert page.locator(injected).count() == 0
        shown = page.locator("tbody").inner_text()
        for n in range(1, len(XSS) + 1):
            page.goto(f"{sqlite_gateway.web_url.rstrip('/')}/naskah/{n}")
            assert page.locator(injected).count() == 0
            shown += page.locator("main").inner_text()
        page.wait_for_timeout(300)
    assert dialogs == []
    for payload in XSS:
        assert shown.count(payload) >= 2, payload  # the words, as text, in list and detail


def test_the_desk_corrects_a_letter_and_routes_by_a_new_rule(
    sqlite_gateway: RunningGateway,
) -> None:
    send(sqlite_gateway, "Nomor: 005/1/2026\nPerihal: Undangn Rapat Koordinasi\n")
    make_user(sqlite_gateway, "admin", "admin")
    base = sqlite_gateway.web_url.rstrip("/")
    with chromium_page() as page:
        browser_login(page, base, "admin", PASSWORD)
        snapshot(page, "buku-agenda")
        page.goto(base + "/dasbor")
        snapshot(page, "dasbor")
        page.goto(base + "/naskah/1")
        page.get_by_label("Perihal").fill("Undangan Rapat Koordinasi")
        page.get_by_label("Alasan koreksi").fill("salah ketik")
        page.get_by_role("button", name="Simpan koreksi").click()
        page.wait_for_url("**/naskah/1?dikoreksi=1")
        assert "Undangan Rapat Koordinasi" in page.locator("dl").inner_text()
        assert "«Undangn Rapat Koordinasi»" in page.locator("table").last.inner_text()
        snapshot(page, "naskah")

        page.goto(base + "/aturan")
        page.get_by_role("link", name="Aturan baru").click()
        page.locator("input[name=nama]").fill("bkn ke kabag umum")
        page.locator("input[name=prioritas]").fill("15")
        page.locator("select[name=kondisi_0]").select_option("sender_domain")
        page.locator("input[name=nilai_0]").fill("bkn.go.id")
        page.get_by_label("Disposisi kepada").fill("kabag.umum")
        snapshot(page, "aturan-formulir")
        page.get_by_role("button", name="Uji coba").click()
        page.wait_for_url("**/aturan/formulir")
        assert "Uji coba aturan" in page.locator("h1").inner_text()
        snapshot(page, "aturan-uji-coba")
        page.get_by_role("button", name="Simpan sebagai versi baru").click()
        page.wait_for_url("**/aturan?disimpan=2")
        assert "bkn ke kabag umum" in page.locator("table").first.inner_text()
        snapshot(page, "aturan")
    raw = letter(to=f"setda@{DOMAIN}", sender="tu@bkn.go.id", subject="Kenaikan pangkat")
    with sqlite_gateway.smtp() as client:
        client.sendmail("tu@bkn.go.id", [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(sqlite_gateway.app))
    with sqlite_gateway.app.db.read() as session:
        handles = session.scalars(
            select(Position.handle)
            .join(Disposition, Disposition.to_position_id == Position.id)
            .where(Disposition.naskah_id == 2, Disposition.kind == "disposisi")
        ).all()
    assert list(handles) == ["kabag.umum"]


def test_a_hostile_html_body_and_file_name_never_run(sqlite_gateway: RunningGateway) -> None:
    msg = EmailMessage()
    msg["From"] = "TU <tu@bkpsdm.jatengprov.go.id>"
    msg["To"] = f"setda@{DOMAIN}"
    msg["Subject"] = "Surat"
    msg.set_content("Nomor: 1/1/2026\nPerihal: Surat HTML\n")
    msg.add_alternative(
        "<p>Isi</p><script>alert('body')</script><img src=x onerror=\"alert('onerror')\">"
        "<iframe src=\"javascript:alert('frame')\"></iframe>",
        subtype="html",
    )
    msg.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf", filename=XSS[2])
    with sqlite_gateway.smtp() as client:
        raw = msg.as_bytes(policy=policy.SMTP)
        client.sendmail("tu@bkpsdm.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(sqlite_gateway.app))
    make_user(sqlite_gateway, "admin", "admin")
    dialogs: list[str] = []
    with chromium_page() as page:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        browser_login(page, sqlite_gateway.web_url, "admin", PASSWORD)
        page.goto(f"{sqlite_gateway.web_url.rstrip('/')}/naskah/1")
        frame = page.frame_locator("iframe.isi-surat")
        assert frame.locator("p").inner_text() == "Isi"  # the body is shown, sanitised
        assert frame.locator("script, img[onerror], iframe").count() == 0
        assert page.locator("main img, main script").count() == 0
        assert "onerror" in page.locator("dl").inner_text()  # the file name, as text
        page.wait_for_timeout(300)
    assert dialogs == []


PHONE = {"width": 390, "height": 844}


def test_the_main_pages_fit_a_phone_screen(sqlite_gateway: RunningGateway) -> None:
    send(sqlite_gateway, "Nomor: 005/1/2026\nPerihal: Undangan Rapat Koordinasi Stunting\n")
    make_user(sqlite_gateway, "admin", "admin")
    base = sqlite_gateway.web_url.rstrip("/")
    with chromium_page() as page:
        page.set_viewport_size(PHONE)
        browser_login(page, base, "admin", PASSWORD)
        for path in ("/", "/dasbor", "/naskah/1", "/aturan", "/aturan/formulir", "/organisasi"):
            page.goto(base + path)
            # Nothing wider than the screen: wide tables scroll inside themselves.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (path, width)
        snapshot(page, "telepon-organisasi")
