"""The panel in Debian's Chromium: a newcomer signs in, searches, opens a letter; an
official follows the SR notice's link and reads the letter; hostile text stays text."""

from __future__ import annotations

import re

from tests.support.browser import browser_login, chromium_page
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
