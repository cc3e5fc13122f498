"""Signing in to the panel and who sees which letter, over real HTTP against a running
gateway: anonymous, password users by role, and officials by a mailed one-time link."""

from __future__ import annotations

import re

from sqlalchemy import select

from gateway.db.models import Event, WebSession
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import PASSWORD, PanelClient, make_user, signed_in
from tests.support.queries import settled
from tests.support.replies import latest, plain

SEKDA = "agus.nugroho@banyumaskab.go.id"
SECRET_PERIHAL = "Rencana Mutasi Pejabat Eselon III"
OPEN_PERIHAL = "Undangan Rapat Koordinasi Penanganan Stunting"


def send(gw: RunningGateway, unit: str, body: str, subject: str = "Surat") -> None:
    raw = letter(to=f"{unit}@{DOMAIN}", subject=subject, body=body)
    with gw.smtp() as client:
        client.sendmail("tu@bkpsdm.jatengprov.go.id", [f"{unit}@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app))


def letters(gw: RunningGateway) -> None:
    """1: an open letter to SETDA; 2: a Rahasia letter to SETDA (disposed to the Sekda by
    the demo rules); 3: an open letter to DINKES."""
    send(gw, "setda", f"Nomor: 005/1/2026\nPerihal: {OPEN_PERIHAL}\n")
    send(gw, "setda", f"Nomor: 800/9/2026\nSifat: Rahasia\nPerihal: {SECRET_PERIHAL}\n")
    send(gw, "dinkes", "Nomor: 440/3/2026\nPerihal: Laporan Surveilans Campak\n")


def test_anonymous_requests_see_nothing(sqlite_gateway: RunningGateway) -> None:
    letters(sqlite_gateway)
    anonymous = PanelClient(sqlite_gateway)
    for path in ("/", "/naskah/1", "/naskah/2"):
        answer = anonymous.get(path)
        assert answer.status == 303 and answer.headers["Location"].startswith("/login")
        assert OPEN_PERIHAL not in answer.body and "00001" not in answer.body
    assert anonymous.get("/api/v1/naskah").status == 401
    assert anonymous.get("/healthz").status == 200
    assert anonymous.get("/login").status == 200


def test_password_sign_in_session_cookie_and_fixation(gateway: RunningGateway) -> None:
    make_user(gateway, "operator1", "operator", ["SETDA"])
    client = PanelClient(gateway)
    assert client.login("operator1", "salah-kata-sandi").status == 401
    answer = client.login("operator1")
    assert answer.status == 303 and answer.headers["Location"] == "/"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    first = client.cookie("tnde_sesi")
    assert first is not None
    # Signing in again from the same browser gives a new session id; the old one is dead.
    client.login("operator1")
    second = client.cookie("tnde_sesi")
    assert second is not None and second.value != first.value
    with gateway.app.db.read() as session:
        assert len(session.scalars(select(WebSession)).all()) == 1
    assert client.get("/").status == 200
    # Logging out ends the session on the server, not just in the browser.
    assert client.post("/logout").status == 303
    assert client.get("/").status == 303
    with gateway.app.db.read() as session:
        kinds = [e.type for e in session.scalars(select(Event).where(Event.channel == "web"))]
    assert kinds.count("login") == 2 and "login_failed" in kinds and "logout" in kinds


def test_a_forged_or_replayed_cookie_is_anonymous(sqlite_gateway: RunningGateway) -> None:
    client = signed_in(sqlite_gateway)
    cookie = client.cookie("tnde_sesi")
    assert cookie is not None
    value, _, mac = cookie.value.rpartition(".")
    cookie.value = value + "." + ("0" * len(mac))
    assert client.get("/").status == 303


def test_csrf_is_required_on_every_form(sqlite_gateway: RunningGateway) -> None:
    client = signed_in(sqlite_gateway)
    assert client.post("/logout", csrf=False).status == 403
    assert client.post("/logout", {"csrf_token": "x" * 40}).status == 403
    assert client.get("/").status == 200  # still signed in
    fresh = PanelClient(sqlite_gateway)
    fresh.get("/login")
    refused = fresh.post("/login", {"username": "a", "password": "b"}, csrf=False)
    assert refused.status == 403


def test_failed_logins_are_throttled_per_account(sqlite_gateway: RunningGateway) -> None:
    make_user(sqlite_gateway, "operator1", "operator", ["SETDA"])
    client = PanelClient(sqlite_gateway)
    for _ in range(5):
        assert client.login("operator1", "salah-salah-salah").status == 401
    # Even the right password is refused from this address while the account is over its
    # limit here (other addresses: tests/test_panel_auth_hardening.py).
    answer = client.login("operator1")
    assert answer.status == 429 and "terlalu banyak percobaan" in answer.body


def test_an_operator_sees_only_its_units_and_no_secret_content(
    gateway: RunningGateway,
) -> None:
    letters(gateway)
    operator = signed_in(gateway, "operator", ["SETDA"])
    register = operator.get("/").body
    assert OPEN_PERIHAL in register and "00002/SM/SETDA/2026" in register
    assert SECRET_PERIHAL not in register  # the Rahasia row is an entry only
    assert "Laporan Surveilans Campak" not in register and "DINKES" not in register
    assert operator.get("/naskah/3").status == 404  # another unit's letter: as if absent
    secret = operator.get("/naskah/2")
    assert secret.status == 200 and SECRET_PERIHAL not in secret.body
    admin = signed_in(gateway, "admin")
    assert "Laporan Surveilans Campak" in admin.get("/").body
    assert SECRET_PERIHAL not in admin.get("/naskah/2").body  # admins read no SR/R either
    pimpinan = signed_in(gateway, "pimpinan", ["DINKES"])
    assert pimpinan.get("/naskah/1").status == 404 and pimpinan.get("/naskah/3").status == 200


def test_an_official_reads_its_secret_letter_through_a_mailed_link(
    gateway: RunningGateway,
) -> None:
    letters(gateway)
    browser = PanelClient(gateway)
    browser.get("/masuk")
    sent = browser.post("/masuk", {"email": SEKDA})
    assert sent.status == 200 and "tautan masuk telah dikirim" in sent.body
    mail = latest(gateway.app, SEKDA, "login_link")
    link = re.search(r"https?://\S+/masuk/\S+", plain(mail))
    assert link is not None
    path = "/masuk/" + link.group(0).rpartition("/masuk/")[2]

    # The same link in another browser does nothing (and stays usable where it belongs).
    other = PanelClient(gateway)
    assert other.get(path).status == 404 and other.get("/").status == 303

    answer = browser.get(path)
    assert answer.status == 303
    register = browser.get("/").body
    assert SECRET_PERIHAL in register  # disposed to the Sekda: he reads it
    unit_filter = register[register.index('name="unit"') :].split("</select>")[0]
    assert re.findall(r'<option value="([A-Z]+)"', unit_filter) == [
        "SETDA"
    ]  # the unit filter offers only the units of his letters
    assert "Laporan Surveilans Campak" not in register  # not his letter
    assert SECRET_PERIHAL in browser.get("/naskah/2").body
    assert browser.get("/naskah/3").status == 404
    # Single use, even in the browser that asked.
    assert browser.get(path).status == 404


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    sqlite_gateway: RunningGateway,
) -> None:
    browser = PanelClient(sqlite_gateway)
    browser.get("/masuk")
    answer = browser.post("/masuk", {"email": "orang.luar@gmail.com"})
    assert answer.status == 200 and "tautan masuk telah dikirim" in answer.body
    with sqlite_gateway.app.db.read() as session:
        from gateway.db.models import Outbox

        kinds = list(session.scalars(select(Outbox.kind)))
    assert "login_link" not in kinds


def test_the_secret_notice_links_to_the_letter_through_a_fresh_sign_in(
    gateway: RunningGateway,
) -> None:
    letters(gateway)
    notice = plain(latest(gateway.app, SEKDA, "notice"))
    assert SECRET_PERIHAL not in notice
    found = re.search(r"https?://\S+(/masuk/surat/[a-z0-9]+)", notice)
    assert found, notice
    browser = PanelClient(gateway)
    offer = browser.get(found.group(1))
    assert offer.status == 200 and "Kirim tautan masuk" in offer.body
    assert SECRET_PERIHAL not in offer.body  # the notice link alone opens nothing
    browser.post(found.group(1))
    mail = latest(gateway.app, SEKDA, "login_link")
    link = re.search(r"https?://\S+(/masuk/\S+)", plain(mail))
    assert link is not None
    answer = browser.get(link.group(1))
    assert answer.status == 303 and answer.headers["Location"] == "/naskah/2"
    assert SECRET_PERIHAL in browser.get("/naskah/2").body


def test_a_disabled_users_session_stops_at_once(sqlite_gateway: RunningGateway) -> None:
    from gateway.accounts.users import disable_user

    client = signed_in(sqlite_gateway, "operator", ["SETDA"])
    assert client.get("/").status == 200
    with sqlite_gateway.app.db.write() as session:
        disable_user(session, "operator-setda")
    assert client.get("/").status == 303
    assert PanelClient(sqlite_gateway).login("operator-setda", PASSWORD).status == 401
