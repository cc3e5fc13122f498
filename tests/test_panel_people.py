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


def test_totp_turned_on_then_needed_then_turned_off(sqlite_gateway: RunningGateway) -> None:
    make_user(sqlite_gateway, "tu.setda", "operator", ["SETDA"])
    client = sign_in(sqlite_gateway, "tu.setda", PASSWORD)
    page = client.get("/akun").body
    secret = re.search(r'name="rahasia" value="([A-Z2-7]+)"', page)
    assert secret and "<svg" in page
    wrong = client.post("/akun/totp", {"rahasia": secret.group(1), "kode": "000000"})
    assert wrong.status == 422
    code = pyotp.TOTP(secret.group(1)).at(sqlite_gateway.app.clock())  # the gateway's time
    on = client.post("/akun/totp", {"rahasia": secret.group(1), "kode": code})
    assert on.status == 303 and "aktif" in client.get("/akun?totp=1").body

    refused = sign_in(sqlite_gateway, "tu.setda", PASSWORD)
    answer = refused.last  # type: ignore[attr-defined]
    assert answer.status == 401 and "kode TOTP salah" in answer.body
    replay = sign_in(sqlite_gateway, "tu.setda", PASSWORD, code).last  # type: ignore[attr-defined]
    assert replay.status == 401  # the enrolment code was used already
    with sqlite_gateway.app.db.write() as session:  # one step later, as the app would show
        user = session.scalars(select(WebUser).where(WebUser.username == "tu.setda")).one()
        user.totp_last_step = (user.totp_last_step or 0) - 1
    assert sign_in(sqlite_gateway, "tu.setda", PASSWORD, code).last.status == 303  # type: ignore[attr-defined]

    admin = signed_in(sqlite_gateway)
    admin.get("/pengguna")
    assert admin.post("/pengguna/tu.setda", {"aksi": "totp"}).status == 200
    assert sign_in(sqlite_gateway, "tu.setda", PASSWORD).last.status == 303  # type: ignore[attr-defined]


def test_an_official_has_no_account_page(sqlite_gateway: RunningGateway) -> None:
    pimpinan = signed_in(sqlite_gateway, "pimpinan", ["SETDA"])
    assert pimpinan.get("/akun").status == 200
    assert pimpinan.get("/pengguna").status == 403
