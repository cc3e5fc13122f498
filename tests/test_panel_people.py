"""Akun saya and Pengguna: admins add users (password shown once), change role and units,
reset a password, turn TOTP off and disable; staff turn TOTP on, after which a sign-in
needs a fresh code from the app. Every change is on the audit trail."""

from __future__ import annotations

import html
import re

import pyotp
from sqlalchemy import select

from gateway.db.models import Event, WebUser
from tests.support.gateway import RunningGateway
from tests.support.panel import PASSWORD, PanelClient, make_user, signed_in


def shown_password(body: str) -> str:
    found = re.search(r'<code class="sandi">([^<]+)</code>', body)
    assert found, body[:500]
    return html.unescape(found.group(1))


def sign_in(gw: RunningGateway, username: str, password: str, code: str = "") -> PanelClient:
    client = PanelClient(gw)
    client.get("/login")
    answer = client.post(
        "/login", {"username": username, "password": password, "next": "/", "kode": code}
    )
    client.last = answer  # type: ignore[attr-defined]
    return client


def test_an_admin_manages_users_and_everything_is_recorded(gateway: RunningGateway) -> None:
    admin = signed_in(gateway)
    page = admin.get("/pengguna")
    assert page.status == 200 and "admin-semua" in page.body
    added = admin.post("/pengguna", {"username": "tu.dinkes", "peran": "operator"})
    assert added.status == 422 and "memerlukan" in added.body  # an operator needs a unit
    added = admin.post(
        "/pengguna", {"username": "tu.dinkes", "peran": "operator", "unit": "DINKES"}
    )
    password = shown_password(added.body)
    operator = sign_in(gateway, "tu.dinkes", password)
    assert operator.last.status == 303  # type: ignore[attr-defined]
    assert operator.get("/pengguna").status == 403

    admin.get("/pengguna")
    changed = admin.post(
        "/pengguna/tu.dinkes", {"aksi": "ubah", "peran": "pimpinan", "unit": "SETDA"}
    )
    assert changed.status == 200 and "disimpan" in changed.body
    assert "Koreksi data surat" not in operator.get("/").body  # a pimpinan now, at once
    with gateway.app.db.read() as session:
        user = session.scalars(select(WebUser).where(WebUser.username == "tu.dinkes")).one()
        assert (user.role, user.units) == ("pimpinan", ["SETDA"])

    reset = admin.post("/pengguna/tu.dinkes", {"aksi": "sandi"})
    fresh = shown_password(reset.body)
    assert fresh != password and operator.get("/").status == 303  # old session ended
    assert sign_in(gateway, "tu.dinkes", password).last.status == 401  # type: ignore[attr-defined]
    assert sign_in(gateway, "tu.dinkes", fresh).last.status == 303  # type: ignore[attr-defined]

    admin.get("/pengguna")
    assert admin.post("/pengguna/tu.dinkes", {"aksi": "nonaktif"}).status == 200
    assert sign_in(gateway, "tu.dinkes", fresh).last.status == 401  # type: ignore[attr-defined]
    admin.get("/pengguna")
    own = admin.post("/pengguna/admin-semua", {"aksi": "nonaktif"})
    assert own.status == 422 and "sendiri" in own.body
    with gateway.app.db.read() as session:
        kinds = [
            (e.type, e.actor)
            for e in session.scalars(select(Event).where(Event.channel == "web"))
            if e.type.startswith("user_")
        ]
    assert ("user_added", "admin-semua") in kinds and ("user_disabled", "admin-semua") in kinds
    assert ("user_changed", "admin-semua") in kinds
    assert ("user_password_set", "admin-semua") in kinds


def enrol_form(page: str) -> dict[str, str]:
    found = {
        name: re.search(rf'name="{name}" value="([^"]+)"', page) for name in ("rahasia", "ikatan")
    }
    assert all(found.values()) and "<svg" in page
    return {name: html.unescape(m.group(1)) for name, m in found.items() if m}


def test_totp_turned_on_then_needed_then_turned_off(gateway: RunningGateway) -> None:
    make_user(gateway, "tu.setda", "operator", ["SETDA"])
    client = sign_in(gateway, "tu.setda", PASSWORD)
    other_browser = sign_in(gateway, "tu.setda", PASSWORD)
    form = enrol_form(client.get("/akun").body)
    code = pyotp.TOTP(form["rahasia"]).at(gateway.app.clock())  # the gateway's time
    wrong = client.post("/akun/totp", {**form, "kode": "000000", "sandi": PASSWORD})
    assert wrong.status == 422
    no_password = client.post("/akun/totp", {**form, "kode": code, "sandi": "salah-sekali"})
    assert no_password.status == 422 and "kata sandi sekarang salah" in no_password.body
    mine = pyotp.random_base32(32)  # a secret of the caller's choosing is never enrolled
    forged = {"rahasia": mine, "ikatan": form["ikatan"], "sandi": PASSWORD}
    chosen = client.post("/akun/totp", {**forged, "kode": pyotp.TOTP(mine).at(gateway.app.clock())})
    assert chosen.status == 422 and "tidak sah" in chosen.body
    on = client.post("/akun/totp", {**form, "kode": code, "sandi": PASSWORD})
    assert on.status == 303 and "Kode TOTP diaktifkan" in client.get("/akun?totp=1").body
    assert other_browser.get("/").status == 303  # its other sessions ended

    refused = sign_in(gateway, "tu.setda", PASSWORD)
    answer = refused.last  # type: ignore[attr-defined]
    assert answer.status == 401 and "kode TOTP salah" in answer.body
    replay = sign_in(gateway, "tu.setda", PASSWORD, code).last  # type: ignore[attr-defined]
    assert replay.status == 401  # the enrolment code was used already
    with gateway.app.db.read() as session:
        failures = session.scalars(select(Event).where(Event.type == "login_failed")).all()
        assert any(e.payload.get("second_factor") for e in failures)  # only the audit knows
    with gateway.app.db.write() as session:  # one step later, as the app would show
        user = session.scalars(select(WebUser).where(WebUser.username == "tu.setda")).one()
        user.totp_last_step = (user.totp_last_step or 0) - 1
    assert sign_in(gateway, "tu.setda", PASSWORD, code).last.status == 303  # type: ignore[attr-defined]

    admin = signed_in(gateway)
    admin.get("/pengguna")
    assert admin.post("/pengguna/tu.setda", {"aksi": "totp"}).status == 200
    assert sign_in(gateway, "tu.setda", PASSWORD).last.status == 303  # type: ignore[attr-defined]


def test_an_active_totp_is_never_replaced_from_a_session(sqlite_gateway: RunningGateway) -> None:
    make_user(sqlite_gateway, "tu.setda", "operator", ["SETDA"])
    client = sign_in(sqlite_gateway, "tu.setda", PASSWORD)
    first = enrol_form(client.get("/akun").body)
    second = enrol_form(client.get("/akun").body)  # a second tab, before the first is done
    now = sqlite_gateway.app.clock()
    code = pyotp.TOTP(first["rahasia"]).at(now)
    assert client.post("/akun/totp", {**first, "kode": code, "sandi": PASSWORD}).status == 303
    code = pyotp.TOTP(second["rahasia"]).at(now)
    swap = client.post("/akun/totp", {**second, "kode": code, "sandi": PASSWORD})
    assert swap.status == 422 and "sudah aktif" in swap.body
    with sqlite_gateway.app.db.read() as session:
        user = session.scalars(select(WebUser).where(WebUser.username == "tu.setda")).one()
        assert user.totp_secret == first["rahasia"]


def test_a_password_is_changed_only_with_the_current_one(sqlite_gateway: RunningGateway) -> None:
    make_user(sqlite_gateway, "tu.setda", "operator", ["SETDA"])
    client = sign_in(sqlite_gateway, "tu.setda", PASSWORD)
    client.get("/akun")
    for _ in range(5):
        guess = client.post("/akun/sandi", {"sandi_lama": "tebakan-salah", "sandi_baru": "x" * 12})
        assert guess.status in (422, 429)
    client.get("/akun")
    limited = client.post("/akun/sandi", {"sandi_lama": PASSWORD, "sandi_baru": "baru-sekali-1"})
    assert limited.status == 422 and "terlalu banyak" in limited.body  # guesses are limited
    with sqlite_gateway.app.db.read() as session:
        kinds = [e.type for e in session.scalars(select(Event))]
    assert kinds.count("password_check_failed") == 5
    fresh = sign_in(sqlite_gateway, "tu.setda", PASSWORD)  # the desk's own address: refused too
    assert fresh.last.status == 429  # type: ignore[attr-defined]


def test_a_password_the_sign_in_form_refuses_cannot_be_set() -> None:
    from gateway.accounts.passwords import password_problem

    assert password_problem("a" * 1025) and password_problem("kata-sandi\x00x")
    assert password_problem("kata sandi yang baik") == ""


def test_an_admin_changes_its_own_password_on_its_account_page(
    sqlite_gateway: RunningGateway,
) -> None:
    admin = signed_in(sqlite_gateway)
    admin.get("/pengguna")
    for action in ("sandi", "totp"):
        own = admin.post("/pengguna/admin-semua", {"aksi": action})
        assert own.status == 422 and "Akun saya" in own.body
    assert admin.post("/pengguna/a%00b", {"aksi": "sandi"}).status == 404
    ok = admin.post("/akun/sandi", {"sandi_lama": PASSWORD, "sandi_baru": "baru-sekali-123"})
    assert ok.status == 303 and ok.headers["Location"] == "/login"
    assert admin.get("/").status == 303  # signed out everywhere
    assert sign_in(sqlite_gateway, "admin-semua", "baru-sekali-123").last.status == 303  # type: ignore[attr-defined]


def test_an_official_has_no_account_page(sqlite_gateway: RunningGateway) -> None:
    from tests.test_panel_letter import SEKDA, official_signed_in

    pimpinan = signed_in(sqlite_gateway, "pimpinan", ["SETDA"])
    assert pimpinan.get("/akun").status == 200
    assert pimpinan.get("/pengguna").status == 403
    official = official_signed_in(sqlite_gateway, SEKDA)
    assert official.get("/akun").status == 403 and official.get("/pengguna").status == 403
