"""The panel has no login yet: no page may show what a secret (SR/R) letter says."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.support.browser import browser_login, chromium_page
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import PASSWORD, PanelClient, make_user, signed_in
from tests.support.queries import naskah_rows

SECRET_PERIHAL = "Rencana Mutasi Pejabat Eselon III"
SECRET_NOMOR = "800/999/RHS/2026"
SECRET_FILE = "daftar_mutasi_rahasia.pdf"


def send_secret(gateway: RunningGateway) -> None:
    raw = letter(
        subject=f"RAHASIA: {SECRET_PERIHAL}",
        body=f"Nomor: {SECRET_NOMOR}\nSifat: Rahasia\nPerihal: {SECRET_PERIHAL}\n",
        attachments=[(SECRET_FILE, "application/pdf", b"%PDF-1.4\nrahasia\n")],
    )
    with gateway.smtp() as client:
        client.sendmail("tu@bkpsdm.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: naskah_rows(gateway.app))


def fetch(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


def test_the_detail_page_masks_a_rahasia_letter_in_a_browser(gateway: RunningGateway) -> None:
    """Even the administrator reads no SR/R content: only an official it was disposed to."""
    send_secret(gateway)
    make_user(gateway, "admin", "admin")
    with chromium_page() as page:
        browser_login(page, gateway.web_url, "admin", PASSWORD)
        listing = page.locator("table").inner_text()
        page.get_by_role("link", name="00001/SM/SETDA/2026").click()
        page.wait_for_url("**/naskah/1")
        shown = page.content()
    assert "(rahasia)" in listing
    for secret in (SECRET_PERIHAL, SECRET_NOMOR, SECRET_FILE):
        assert secret not in listing and secret not in shown, secret
    assert "isi, perihal dan lampirannya tidak ditampilkan" in shown


def test_every_answer_carries_the_security_headers(sqlite_gateway: RunningGateway) -> None:
    send_secret(sqlite_gateway)
    client = signed_in(sqlite_gateway)
    anonymous = PanelClient(sqlite_gateway)
    for who, path in [
        *((client, p) for p in ("/", "/naskah/1", "/healthz", "/naskah/999", "/login")),
        *((anonymous, p) for p in ("/", "/naskah/1", "/login", "/masuk")),
    ]:
        answer = who.get(path)
        assert answer.status in (200, 303, 404), path
        headers = answer.headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none'
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path


@pytest.mark.parametrize(
    "key", ["99999999999999999999999", "2147483648", "0", "-1", "١", "1e3", "00001"]
)
def test_an_impossible_id_is_404_not_500(sqlite_gateway: RunningGateway, key: str) -> None:
    answer = signed_in(sqlite_gateway).get("/naskah/" + urllib.request.quote(key))
    assert answer.status == 404
