"""Signing in and out of the panel: passwords for staff, one-time mailed links for
officials, the session cookie, CSRF, and the rule that anonymous requests see nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from gateway.accounts import links, sessions
from gateway.accounts.permissions import Viewer, viewer_for_person, viewer_for_user
from gateway.accounts.tokens import user_for_token
from gateway.accounts.users import UserError, authenticate
from gateway.audit import record_event
from gateway.core.tokens import TokenError, read_login_request_token
from gateway.db.models import Person, WebSession, WebUser
from gateway.org.holders import primary_email
from gateway.outbound.compose import OutgoingMail
from gateway.timefmt import local
from webadmin.ratelimit import client_address

if TYPE_CHECKING:
    from gateway.app import App

SECRET_KEY: web.AppKey[bytes] = web.AppKey("cookie_secret")
VIEWER: web.RequestKey[Viewer] = web.RequestKey("viewer", Viewer)
WEB_SESSION: web.RequestKey[WebSession] = web.RequestKey("web_session", WebSession)
PRE_COOKIE = "tnde_pra"  # a signed random nonce: CSRF before sign-in, and the browser a
# mailed link is bound to
PUBLIC_PREFIXES = ("/login", "/healthz", "/lacak/", "/masuk", "/static/", "/api/v1/openapi.json")


def _app(request: web.Request) -> App:
    from webadmin.app import APP_KEY

    return request.app[APP_KEY]


def _secret(request: web.Request) -> bytes:
    return request.app[SECRET_KEY]


def _secure(request: web.Request) -> bool:
    """Secure cookies behind TLS: our own, or the local nginx's (X-Forwarded-Proto)."""
    if request.secure:
        return True
    local_peer = (request.remote or "") in ("127.0.0.1", "::1")
    if local_peer and request.headers.get("X-Forwarded-Proto", "") == "https":
        return True
    return _app(request).settings.web.public_url.startswith("https://")


def _cookie(response: web.StreamResponse, request: web.Request, name: str, value: str) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="Lax", secure=_secure(request), path="/"
    )


@web.middleware
async def require_login(request: web.Request, handler: Any) -> web.StreamResponse:
    """Resolve the session into request["viewer"]; anonymous requests for anything but the
    public paths go to /login (API: 401), and every POST must carry the session's CSRF."""
    path = request.path
    bearer = request.headers.get("Authorization", "")
    if path.startswith("/api/") and bearer.lower().startswith("bearer "):
        # Scripts: a bearer token, no cookie and no CSRF (the API only reads).
        viewer = await asyncio.to_thread(_token_viewer, _app(request), bearer[7:].strip())
        if viewer is None:
            raise web.HTTPUnauthorized(text="token API tidak sah atau sudah dicabut")
        request[VIEWER] = viewer
        api: web.StreamResponse = await handler(request)
        return api
    found = await _session_of(request)
    if found is not None:
        request[WEB_SESSION], request[VIEWER] = found
    if path.startswith(PUBLIC_PREFIXES) or path == "/favicon.ico":
        public: web.StreamResponse = await handler(request)
        return public
    if found is None:
        if path.startswith("/api/"):
            raise web.HTTPUnauthorized(text="masuk dulu (Authorization: Bearer <token>)")
        target = "/login?next=" + quote(path, safe="/")
        raise web.HTTPSeeOther(target if request.method == "GET" else "/login")
    if request.method == "POST":
        form = await request.post()
        if not sessions.csrf_ok(found[0], str(form.get("csrf_token", ""))):
            raise web.HTTPForbidden(text="token formulir (CSRF) tidak sah; muat ulang halaman")
    response: web.StreamResponse = await handler(request)
    return response


async def _session_of(request: web.Request) -> tuple[WebSession, Viewer] | None:
    cookie = request.cookies.get(sessions.COOKIE, "")
    session_id = sessions.unsign(_secret(request), cookie) if cookie else None
    if session_id is None:
        return None
    app = _app(request)
    return await asyncio.to_thread(_load, app, session_id)


def _token_viewer(app: App, token: str) -> Viewer | None:
    if len(token) > 100:
        return None
    with app.db.write() as session:
        user = user_for_token(session, token, app.clock())
        return viewer_for_user(session, user) if user is not None else None


def _load(app: App, session_id: str) -> tuple[WebSession, Viewer] | None:
    now = app.clock()
    with app.db.write() as session:
        row = sessions.load_session(session, session_id, now)
        if row is None:
            return None
        if row.user_id is not None:
            user = session.get(WebUser, row.user_id)
            if user is None or not user.active:
                session.delete(row)
                return None
            viewer = viewer_for_user(session, user)
        elif row.person_id is not None:
            day = local(now, app.settings.mail.timezone).date()
            viewer = viewer_for_person(session, row.person_id, day)
        else:
            return None
        session.expunge(row)
        return row, viewer


# --- the anonymous form token --------------------------------------------------------------


def _nonce(request: web.Request) -> str | None:
    cookie = request.cookies.get(PRE_COOKIE, "")
    return sessions.unsign(_secret(request), cookie) if cookie else None


def _form_token(request: web.Request, nonce: str) -> str:
    mac = hmac.new(_secret(request), b"tnde-form\0" + nonce.encode(), hashlib.sha256)
    return mac.hexdigest()[:40]


def _anonymous_page(
    request: web.Request, name: str, status: int = 200, **context: Any
) -> web.Response:
    """A page for someone not signed in, with a form token tied to this browser."""
    from webadmin.views import render

    nonce = _nonce(request) or secrets.token_urlsafe(24)
    page = render(_app(request), name, csrf_token=_form_token(request, nonce), **context)
    response = web.Response(text=page, content_type="text/html", status=status)
    _cookie(response, request, PRE_COOKIE, sessions.sign(_secret(request), nonce))
    response.headers["Cache-Control"] = "no-store"
    return response


async def _anonymous_form(request: web.Request) -> tuple[Any, str]:
    """The posted form and this browser's nonce, or 403 when the form token is wrong."""
    form = await request.post()
    nonce = _nonce(request)
    submitted = str(form.get("csrf_token", ""))
    if nonce is None or not hmac.compare_digest(_form_token(request, nonce), submitted):
        raise web.HTTPForbidden(text="token formulir (CSRF) tidak sah; muat ulang halaman")
    return form, nonce


def _next(value: str) -> str:
    """Only a path on this site (never //host or a scheme): no open redirect."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


# --- password sign-in ----------------------------------------------------------------------


async def login_page(request: web.Request) -> web.Response:
    return _anonymous_page(request, "login.html", next=_next(request.query.get("next", "/")))


async def login_submit(request: web.Request) -> web.StreamResponse:
    form, _ = await _anonymous_form(request)
    app = _app(request)
    username = str(form.get("username", ""))
    password = str(form.get("password", ""))
    target = _next(str(form.get("next", "/")))
    remote = client_address(request)
    old = request.get(WEB_SESSION)
    try:
        row = await asyncio.to_thread(_password_login, app, username, password, remote, old)
    except UserError as err:
        status = 429 if "terlalu banyak" in str(err) else 401
        return _anonymous_page(
            request, "login.html", status=status, error=str(err), next=target, username=username
        )
    moved = web.HTTPSeeOther(target)
    _cookie(moved, request, sessions.COOKIE, sessions.sign(_secret(request), row.id))
    raise moved


def _password_login(
    app: App, username: str, password: str, remote: str, old: WebSession | None
) -> WebSession:
    now = app.clock()
    refused: UserError | None = None
    with app.db.write() as session:
        try:
            user = authenticate(session, username, password, remote, now)
        except UserError as err:
            # Committed with the recorded failure: it counts towards the limits.
            _event(session, "login_failed", username.strip().lower()[:64], now, {"from": remote})
            refused = err
        else:
            if old is not None:  # a new id at every sign-in: no session fixation
                sessions.end_session(session, old.id)
            row = sessions.start_session(session, now, remote, user_id=user.id)
            _event(session, "login", user.username, now, {"from": remote})
            session.expunge(row)
    if refused is not None:
        raise refused
    return row


async def logout(request: web.Request) -> web.StreamResponse:
    app = _app(request)
    row = request[WEB_SESSION]
    viewer = request[VIEWER]

    def end() -> None:
        with app.db.write() as session:
            sessions.end_session(session, row.id)
            _event(session, "logout", viewer.name, app.clock(), {})

    await asyncio.to_thread(end)
    moved = web.HTTPSeeOther("/login")
    moved.del_cookie(sessions.COOKIE, path="/")
    raise moved


# --- officials: one-time links by mail -----------------------------------------------------


async def email_page(request: web.Request) -> web.Response:
    return _anonymous_page(request, "masuk.html")


async def email_submit(request: web.Request) -> web.Response:
    """Send a link if the address is an official's in our domain; the answer is the same
    either way, so the form tells nobody which addresses exist."""
    form, nonce = await _anonymous_form(request)
    app = _app(request)
    address = str(form.get("email", ""))[:320]
    await asyncio.to_thread(_send_link_to_address, app, address, nonce)
    return _anonymous_page(request, "masuk.html", sent=True)


def _send_link_to_address(app: App, address: str, nonce: str) -> None:
    now = app.clock()
    with app.db.write() as session:
        person_id = links.person_for_address(session, address)
        if person_id is not None:
            _mail_link(app, session, person_id, address.strip().lower(), nonce, None, now)


async def secret_letter_page(request: web.Request) -> web.Response:
    """From an SR/R notice: offer to mail a one-time link to the holder's own address."""
    found = await asyncio.to_thread(_login_request, _app(request), request.match_info["token"])
    if found is None:
        return _anonymous_page(request, "masuk.html", invalid=True, status=404)
    return _anonymous_page(request, "masuk_surat.html", token=request.match_info["token"])


async def secret_letter_submit(request: web.Request) -> web.Response:
    _, nonce = await _anonymous_form(request)
    app = _app(request)
    found = await asyncio.to_thread(_login_request, app, request.match_info["token"])
    if found is None:
        return _anonymous_page(request, "masuk.html", invalid=True, status=404)
    person_id, naskah_id = found

    def send() -> None:
        now = app.clock()
        with app.db.write() as session:
            address = primary_email(session.get_one(Person, person_id))
            if address:
                _mail_link(app, session, person_id, address, nonce, naskah_id, now)

    await asyncio.to_thread(send)
    return _anonymous_page(request, "masuk.html", sent=True)


def _login_request(app: App, token: str) -> tuple[int, int] | None:
    if len(token) > 80:
        return None
    now = app.clock()
    with app.db.read() as session:
        secret = app.ctx.reply_secret(session)
    today = local(now, app.settings.mail.timezone).date()
    try:
        return read_login_request_token(secret, token, today)
    except TokenError:
        return None


def _mail_link(
    app: App,
    session: Any,
    person_id: int,
    address: str,
    nonce: str,
    naskah_id: int | None,
    now: dt.datetime,
) -> None:
    token = links.issue_link(session, person_id, nonce, naskah_id, now)
    person = session.get_one(Person, person_id)
    if token is None:
        _event(session, "login_link_refused", person.name, now, {"reason": "rate"})
        return
    ctx = app.ctx
    url = f"{ctx.panel_base()}/masuk/{token}"
    text, html = ctx.renderer.render(
        "login_link",
        {
            "person": person,
            "url": url,
            "minutes": int(links.LIFETIME.total_seconds() // 60),
            "gateway_name": app.settings.mail.sender_name,
            "domain": app.settings.mail.domain,
            "helpdesk": app.settings.mail.helpdesk,
        },
    )
    mail = OutgoingMail(
        kind="login_link",
        to_address=address,
        to_name=person.name,
        subject="Tautan masuk panel TNDE",
        text=text,
        html=html,
        auto_submitted="auto-generated",
    )
    ctx.queue_mail(session, mail, now, person_id=person_id, naskah_id=naskah_id)
    _event(session, "login_link_sent", person.name, now, {"to": address})


async def use_link(request: web.Request) -> web.StreamResponse:
    app = _app(request)
    nonce = _nonce(request) or ""
    remote = client_address(request)
    result = await asyncio.to_thread(_use_link, app, request.match_info["token"], nonce, remote)
    if result is None:
        return _anonymous_page(request, "masuk.html", invalid=True, status=404)
    row, naskah_id = result
    moved = web.HTTPSeeOther(f"/naskah/{naskah_id}" if naskah_id else "/")
    _cookie(moved, request, sessions.COOKIE, sessions.sign(_secret(request), row.id))
    raise moved


def _use_link(
    app: App, token: str, nonce: str, remote: str
) -> tuple[WebSession, int | None] | None:
    if len(token) > 80:
        return None
    now = app.clock()
    with app.db.write() as session:
        link = links.use_link(session, token, nonce, now)
        if link is None:
            return None
        row = sessions.start_session(session, now, remote, person_id=link.person_id)
        person = session.get_one(Person, link.person_id)
        _event(session, "login", person.name, now, {"from": remote, "by": "email"})
        session.expunge(row)
        return row, link.naskah_id


def _event(session: Any, kind: str, actor: str, now: dt.datetime, payload: dict[str, Any]) -> None:
    record_event(session, type=kind, actor=actor, channel="web", now=now, payload=payload)


def add_routes(application: web.Application) -> None:
    application.router.add_get("/login", login_page)
    application.router.add_post("/login", login_submit)
    application.router.add_post("/logout", logout)
    application.router.add_get("/masuk", email_page)
    application.router.add_post("/masuk", email_submit)
    application.router.add_get("/masuk/surat/{token}", secret_letter_page)
    application.router.add_post("/masuk/surat/{token}", secret_letter_submit)
    application.router.add_get("/masuk/{token}", use_link)
