"""The panel's register view in a real headless Chromium."""

from __future__ import annotations

import json
import urllib.request

from tests.support.browser import browser_login, chromium_page
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import PASSWORD, make_user, signed_in
from tests.support.queries import naskah_rows, settled


def test_register_page_lists_the_letter_and_opens_its_timeline(
    gateway: RunningGateway,
) -> None:
    with gateway.smtp() as client:
        client.sendmail("tu@kemkes.go.id", [f"dinkes@{DOMAIN}"], letter())
    wait_for(lambda: naskah_rows(gateway.app))
    make_user(gateway, "admin", "admin")
    with chromium_page() as page:
        browser_login(page, gateway.web_url, "admin", PASSWORD)
        assert page.title() == "Buku Agenda Surat Masuk"
        row = page.locator("tbody tr").first
        assert "Undangan Rapat Koordinasi Penanganan Stunting" in row.inner_text()
        row.get_by_role("link", name="00001/SM/DINKES/2026").click()
        page.wait_for_url("**/naskah/1")
        assert page.locator("h1").inner_text() == "00001/SM/DINKES/2026"
        assert "Diregistrasi" in page.locator("table").last.inner_text()


def test_health_endpoint_reports_queue_depths(gateway: RunningGateway) -> None:
    """Counts that move with the mail (an empty database proves nothing)."""
    with gateway.smtp() as client:
        client.sendmail("tu@kemkes.go.id", [f"dinkes@{DOMAIN}"], letter())
        client.sendmail("tu@kemkes.go.id", [f"tnde@{DOMAIN}"], letter(to=f"tnde@{DOMAIN}"))
    wait_for(lambda: settled(gateway.app))
    with urllib.request.urlopen(gateway.web_url + "healthz", timeout=10) as response:
        body = json.load(response)
    assert body["status"] == "ok"
    assert body["inbound"] == {"registered": 1, "ignored": 1}
    assert sum(body["outbox"].values()) >= 2  # the receipt and the notice


def test_the_timeline_shows_wib_not_iso(gateway: RunningGateway) -> None:
    with gateway.smtp() as client:
        client.sendmail("tu@kemkes.go.id", [f"dinkes@{DOMAIN}"], letter())
    wait_for(lambda: settled(gateway.app))
    page = signed_in(gateway).get("/naskah/1").body
    timeline = page.split("<h2>Riwayat</h2>", 1)[1]
    assert " WIB</td>" in timeline and "+00:00" not in timeline and "Z</td>" not in timeline
