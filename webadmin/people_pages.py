"""Akun saya (every staff user: password and the TOTP second factor) and Pengguna (admins:
add users, change role and units, reset a password, turn TOTP off, disable). Every change
is an event on the audit trail; a generated password is shown once and never stored."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.accounts import passwords, totp
from gateway.accounts.permissions import Viewer
from gateway.accounts.users import (
    ROLES,
    BadCredentials,
    Throttled,
    UserError,
    add_user,
    authenticate,
    disable_user,
    find_user,
    known_unit_codes,
    list_users,
    set_password,
    start_totp,
    stop_totp,
)
from gateway.audit import record_event
from gateway.db.models import Unit, WebSession, WebUser
from webadmin.appkey import app_of
from webadmin.auth import SECRET_KEY, VIEWER, WEB_SESSION
from webadmin.params import form_text
from webadmin.ratelimit import client_address

if TYPE_CHECKING:
    from gateway.app import App

_SECRET = re.compile(r"[A-Z2-7]{32}")  # what totp.new_secret() issues
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,62}")


def _staff(request: web.Request) -> Viewer:
    viewer = request[VIEWER]
    if viewer.user_id is None:  # officials sign in by mailed link and have no account
        raise web.HTTPForbidden(text="halaman ini untuk pengguna dengan kata sandi")
    return viewer


def _admin(request: web.Request) -> Viewer:
    viewer = request[VIEWER]
    if not viewer.is_admin:
        raise web.HTTPForbidden(text="hanya admin yang mengelola pengguna")
    return viewer


def _event(session: Session, kind: str, actor: str, now: dt.datetime, **payload: Any) -> None:
    record_event(session, type=kind, actor=actor, channel="web", now=now, payload=payload)


# --- Akun saya -----------------------------------------------------------------------------


def _account(app: App, user_id: int) -> WebUser:
    with app.db.read() as session:
        user = session.get_one(WebUser, user_id)
        session.expunge(user)
        return user


async def account_page(request: web.Request, **extra: Any) -> web.Response:
    from webadmin.views import page_response

    viewer = _staff(request)
    app = app_of(request)
    assert viewer.user_id is not None
    user = await asyncio.to_thread(_account, app, viewer.user_id)
    extra["totp_enabled"] = bool(user.totp_secret) and request.query.get("totp") == "1"
    enrol = None
    if not user.totp_secret:
        secret = totp.new_secret()  # a fresh one on every showing, never one posted to us
        uri = totp.provisioning_uri(secret, f"{user.username}@{app.settings.mail.domain}")
        # Inline SVG drawn here from our own data: the secret never leaves the page.
        svg = totp.qr_svg(uri).decode("utf-8").split("?>", 1)[-1]
        enrol = {"secret": secret, "qr": svg, "binding": _binding(request, user.id, secret)}
    return page_response(
        request,
        "akun.html",
        status=422 if extra.get("error") else 200,
        account=user,
        enrol=enrol,
        **extra,
    )


def _binding(request: web.Request, user_id: int, secret: str) -> str:
    """Proof that this secret was issued by us to this user (HMAC under [web] secret_key):
    nobody can enrol a secret of their own choosing."""
    key = request.app[SECRET_KEY]
    message = b"tnde-totp\0" + str(user_id).encode() + b"\0" + secret.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _password_again(
    app: App, session: Session, viewer: Viewer, password: str, remote: str
) -> WebUser:
    """The viewer's account when `password` is its current one, under the sign-in limits
    (a wrong one counts as a failed sign-in): a borrowed session cannot guess it."""
    return authenticate(session, viewer.name, password, remote, app.clock(), signing_in=False)


def _with_password(app: App, viewer: Viewer, password: str, remote: str, work: Any) -> None:
    """Run `work(session, user)` after the password check; a wrong password is recorded
    (committed) before the refusal is raised."""
    refused: UserError | None = None
    now = app.clock()
    with app.db.write() as session:
        try:
            user = _password_again(app, session, viewer, password, remote)
        except BadCredentials:  # committed with the recorded failure: it counts
            _event(session, "password_check_failed", viewer.name, now, **{"from": remote})
            refused = UserError("kata sandi sekarang salah")
        except Throttled as err:
            refused = err
        else:
            work(session, user, now)
    if refused is not None:
        raise refused


async def account_totp_on(request: web.Request) -> web.StreamResponse:
    viewer = _staff(request)
    app = app_of(request)
    form = await request.post()
    secret, code = form_text(form, "rahasia", 64), form_text(form, "kode", 16)
    password = str(form.get("sandi", ""))[:1024]
    current_key = request[WEB_SESSION].id
    assert viewer.user_id is not None
    valid = _SECRET.fullmatch(secret) is not None and hmac.compare_digest(
        _binding(request, viewer.user_id, secret).encode(),
        form_text(form, "ikatan", 64).encode("utf-8", "replace"),
    )

    def turn_on(session: Session, user: WebUser, now: dt.datetime) -> None:
        start_totp(session, user.id, secret, code, now)
        # Every other browser signed in as this user must sign in again, with a code.
        session.execute(
            delete(WebSession).where(WebSession.user_id == user.id, WebSession.id != current_key)
        )
        _event(session, "totp_enabled", viewer.name, now, username=viewer.name)

    try:
        if not valid:
            raise UserError("kode rahasia tidak sah; muat ulang halaman dan pindai lagi")
        remote = client_address(request)
        await asyncio.to_thread(_with_password, app, viewer, password, remote, turn_on)
    except UserError as err:
        return await account_page(request, error=str(err))
    raise web.HTTPSeeOther("/akun?totp=1")


async def account_password(request: web.Request) -> web.StreamResponse:
    """A new password after the current one; every session of the user ends."""
    viewer = _staff(request)
    app = app_of(request)
    form = await request.post()
    current, new = str(form.get("sandi_lama", ""))[:1024], str(form.get("sandi_baru", ""))

    def change(session: Session, user: WebUser, now: dt.datetime) -> None:
        set_password(session, user.username, new, now)
        _event(session, "user_password_set", viewer.name, now, username=user.username)

    try:
        remote = client_address(request)
        await asyncio.to_thread(_with_password, app, viewer, current, remote, change)
    except UserError as err:
        return await account_page(request, error=str(err))
    # set_password ended every session of the user, this one included: sign in again.
    moved = web.HTTPSeeOther("/login")
    moved.del_cookie("tnde_sesi", path="/")
    raise moved


# --- Pengguna (admins) ---------------------------------------------------------------------


def _units(app: App) -> list[str]:
    with app.db.read() as session:
        return list(session.scalars(select(Unit.code).where(Unit.active.is_(True))))


async def users_page(request: web.Request, **extra: Any) -> web.Response:
    from webadmin.views import page_response

    _admin(request)
    app = app_of(request)

    def load() -> list[Any]:
        with app.db.read() as session:
            return list_users(session)

    users = await asyncio.to_thread(load)
    units = await asyncio.to_thread(_units, app)
    return page_response(
        request,
        "pengguna.html",
        status=422 if extra.get("error") else 200,
        users=users,
        roles=ROLES,
        units=sorted(units),
        **extra,
    )


async def users_add(request: web.Request) -> web.Response:
    admin = _admin(request)
    app = app_of(request)
    form = await request.post()
    username, role = form_text(form, "username", 64), form_text(form, "peran", 16)
    units = [form_text({"u": u}, "u", 32) for u in form.getall("unit", [])]
    password = passwords.generated_password()

    def add() -> None:
        now = app.clock()
        with app.db.write() as session:
            add_user(session, username, role, units, password, now)
            _event(session, "user_added", admin.name, now, username=username.lower(), role=role)

    try:
        await asyncio.to_thread(add)
    except UserError as err:
        return await users_page(request, error=str(err))
    return await users_page(request, shown={"username": username.lower(), "password": password})


async def users_action(request: web.Request) -> web.Response:
    """One change to one user: role and units, a new password, TOTP off, or disable."""
    admin = _admin(request)
    app = app_of(request)
    form = await request.post()
    username = request.match_info["username"]
    if not _USERNAME.fullmatch(username):
        raise web.HTTPNotFound()
    action = form_text(form, "aksi", 16)
    password = passwords.generated_password()

    def change() -> dict[str, str] | None:
        now = app.clock()
        with app.db.write() as session:
            user = find_user(session, username)
            if user.id == admin.user_id and action in ("sandi", "totp"):
                # Your own password and second factor change on Akun saya, with the
                # current password: a borrowed admin session cannot take the account.
                raise UserError("ubah kata sandi dan TOTP Anda sendiri di halaman Akun saya")
            if action == "sandi":
                set_password(session, user.username, password, now)
                _event(session, "user_password_set", admin.name, now, username=user.username)
                return {"username": user.username, "password": password}
            if action == "totp":
                stop_totp(session, user.username)
                _event(session, "user_totp_reset", admin.name, now, username=user.username)
            elif action == "nonaktif":
                if user.id == admin.user_id:
                    raise UserError("Anda tidak dapat menonaktifkan akun Anda sendiri")
                disable_user(session, user.username)
                _event(session, "user_disabled", admin.name, now, username=user.username)
            elif action == "ubah":
                # Sessions read the role and units at every request: it applies at once.
                _change_role(session, user, form, admin)
                _event(
                    session,
                    "user_changed",
                    admin.name,
                    now,
                    username=user.username,
                    role=user.role,
                    units=list(user.units or []),
                )
            else:
                raise UserError("aksi tidak dikenal")
        return None

    try:
        shown = await asyncio.to_thread(change)
    except UserError as err:
        return await users_page(request, error=str(err))
    return await users_page(request, shown=shown, done=username)


def _change_role(session: Session, user: WebUser, form: Any, admin: Viewer) -> None:
    role = form_text(form, "peran", 16)
    codes = known_unit_codes(
        session, [form_text({"u": u}, "u", 32) for u in form.getall("unit", [])]
    )
    if role not in ROLES:
        raise UserError(f"peran {role!r} tidak dikenal; pilih {', '.join(ROLES)}")
    if user.id == admin.user_id and role != "admin":
        raise UserError("Anda tidak dapat melepas peran admin dari akun Anda sendiri")
    if role in ("operator", "pimpinan") and not codes:
        raise UserError(f"peran {role} memerlukan sekurang-kurangnya satu unit")
    user.role, user.units = role, codes


def add_routes(application: web.Application) -> None:
    application.router.add_get("/akun", account_page)
    application.router.add_post("/akun/totp", account_totp_on)
    application.router.add_post("/akun/sandi", account_password)
    application.router.add_get("/pengguna", users_page)
    application.router.add_post("/pengguna", users_add)
    application.router.add_post("/pengguna/{username}", users_action)
