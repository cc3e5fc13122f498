"""Signing in and out of the panel: passwords for staff, one-time mailed links for
officials, the session cookie, CSRF, and the rule that anonymous requests see nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import hmac
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from urllib.parse import quote

from aiohttp import web
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session
from yarl import URL

from gateway.accounts import links, sessions, tokens
from gateway.accounts.permissions import Viewer, viewer_for_person, viewer_for_user
from gateway.accounts.purge import Every, purge_stale
from gateway.accounts.users import BadCredentials, Throttled, UserError, authenticate
from gateway.audit import record_event
from gateway.core.tokens import TokenError, read_login_request_token
from gateway.db.models import Person, WebSession, WebUser
from gateway.org.holders import primary_email
from gateway.outbound.compose import OutgoingMail
from gateway.timefmt import local
from webadmin.appkey import app_of
from webadmin.ratelimit import ClientLimit, client_address

if TYPE_CHECKING:
    from gateway.app import App

P = ParamSpec("P")
SIGN_IN_ATTEMPTS = 5  # a transaction that lost an audit-chain race runs again (_retried)
T = TypeVar("T")
log = logging.getLogger(__name__)

SECRET_KEY: web.AppKey[bytes] = web.AppKey("cookie_secret")
VIEWER: web.RequestKey[Viewer] = web.RequestKey("viewer", Viewer)
WEB_SESSION: web.RequestKey[WebSession] = web.RequestKey("web_session", WebSession)
# Sign-in posts (POST /login, /masuk, /masuk/surat/<token>) one client may make a minute,
# before any database work: a person mistyping a password needs a handful.
SIGN_IN_LIMIT: web.AppKey[ClientLimit] = web.AppKey("sign_in_limit", ClientLimit)
SIGN_IN_POSTS_PER_MINUTE = 30
PURGE: web.AppKey[Every] = web.AppKey("sign_in_purge", Every)
# Link requests still being worked on after their answer went out (see email_submit).
LINK_WORK: web.AppKey[set[asyncio.Future[None]]] = web.AppKey("link_work")
MAX_LINK_WORK = 100
# Every POST /masuk is answered this long after it arrived, whatever the address.
ANSWER_AFTER = 1.0
PRE_COOKIE = "tnde_pra"  # a signed random nonce: CSRF before sign-in, and the browser a
# mailed link is bound to
PUBLIC_PREFIXES = (
    "/login",
    "/healthz",
    "/readyz",
    "/metrics",  # checks its own access: [metrics] allow_from or token (webadmin/health.py)
    "/lacak/",
    "/v/",
    "/tandatangan/",
    "/masuk",
    "/static/",
    "/api/v1/openapi.json",
    "/panduan",  # the officials' guide: no letter data (webadmin/guide.py)
)
_LINK_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,80}")  # secrets.token_urlsafe(32)
_REQUEST_TOKEN = re.compile(r"[A-Za-z2-7]{8,80}")  # base32 (gateway/core/tokens.py)
_UNSAFE_IN_NEXT = re.compile(r"[\s\\]")
_BAD_INPUT = "isian formulir memuat karakter yang tidak diizinkan atau terlalu panjang"
_TOO_FAST = "terlalu banyak permintaan dari alamat ini; tunggu satu menit lalu coba lagi"


def _secret(request: web.Request) -> bytes:
    return request.app[SECRET_KEY]


def secure_request(request: web.Request) -> bool:
    """Secure cookies behind TLS: our own, or the local nginx's (X-Forwarded-Proto)."""
    if request.secure:
        return True
    local_peer = (request.remote or "") in ("127.0.0.1", "::1")
    if local_peer and request.headers.get("X-Forwarded-Proto", "") == "https":
        return True
    return app_of(request).settings.web.public_url.startswith("https://")


def _cookie(response: web.StreamResponse, request: web.Request, name: str, value: str) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="Lax", secure=secure_request(request), path="/"
    )


def _session_cookie(response: web.StreamResponse, request: web.Request, session_id: str) -> None:
    signed = sessions.sign(_secret(request), session_id, sessions.SESSION_LABEL)
    _cookie(response, request, sessions.COOKIE, signed)


def _retried(work: Callable[P, T]) -> Callable[P, T]:
    """Run a sign-in transaction once more when it lost a race for its audit-chain
    position: two concurrent events on the system chain take the same sequence number and
    PostgreSQL refuses the second (uq_event_chain) at commit. Without this the loser would
    answer 500."""

    @functools.wraps(work)
    def again(*args: P.args, **kwargs: P.kwargs) -> T:
        for _ in range(SIGN_IN_ATTEMPTS - 1):
            try:
                return work(*args, **kwargs)
            except IntegrityError:
                log.info("sign-in transaction lost an audit-chain race; running it again")
        return work(*args, **kwargs)

    return again


@web.middleware
async def require_login(request: web.Request, handler: Any) -> web.StreamResponse:
    """Resolve the session into request["viewer"]; anonymous requests for anything but the
    public paths go to /login (API: 401), and every POST must carry the session's CSRF."""
    path = request.path
    bearer = request.headers.get("Authorization", "")
    if path.startswith("/api/") and bearer.lower().startswith("bearer "):
        # Scripts: a bearer token, no cookie and no CSRF (the API only reads).
        viewer = await asyncio.to_thread(_token_viewer, app_of(request), bearer[7:].strip())
        if viewer is None:
            raise web.HTTPUnauthorized(text="token API tidak sah, sudah kedaluwarsa atau dicabut")
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
    secret = _secret(request)
    session_id = sessions.unsign(secret, cookie, sessions.SESSION_LABEL) if cookie else None
    if session_id is None:
        return None
    return await asyncio.to_thread(_load, app_of(request), session_id)


def _token_viewer(app: App, token: str) -> Viewer | None:
    """The viewer behind a bearer token, read in a read transaction; a write only when the
    token's last use is older than tokens.TOUCH_EVERY."""
    if len(token) > 100 or not token.isascii():
        return None
    now = app.clock()
    with app.db.read() as session:
        found = tokens.live_token(session, token, now)
        if found is None:
            return None
        row, user = found
        viewer = viewer_for_user(session, user)
    if tokens.needs_touch(row, now):
        with app.db.write() as session:
            tokens.touch(session, row.id, now)
    return viewer


def _load(app: App, session_id: str) -> tuple[WebSession, Viewer] | None:
    """The session and its viewer, read in a read transaction. Writes happen only to end a
    session that has ended (expired, or its user or official no longer active) and to
    restart the idle timer, at most once every sessions.TOUCH_EVERY."""
    now = app.clock()
    with app.db.read() as session:
        row = sessions.find_session(session, session_id)
        if row is None:
            return None
        viewer = _viewer_of(app, session, row, now) if sessions.is_live(row, now) else None
        session.expunge(row)
    if viewer is None:
        with app.db.write() as session:
            sessions.end_session(session, row.id)
        return None
    if sessions.needs_touch(row, now):
        with app.db.write() as session:
            sessions.touch(session, row.id, now)
    return row, viewer


def _viewer_of(app: App, session: Session, row: WebSession, now: dt.datetime) -> Viewer | None:
    """Who a live session speaks for; None when they may no longer use the panel (a
    disabled user, an official the organisation no longer lists as active)."""
    if row.user_id is not None:
        user = session.get(WebUser, row.user_id)
        return viewer_for_user(session, user) if user is not None and user.active else None
    if row.person_id is not None:
        person = session.get(Person, row.person_id)
        if person is None or not person.active:
            return None
        day = local(now, app.settings.mail.timezone).date()
        return viewer_for_person(session, row.person_id, day)
    return None


# --- the anonymous form token and what anonymous forms may carry --------------------------


def _nonce(request: web.Request) -> str | None:
    cookie = request.cookies.get(PRE_COOKIE, "")
    return sessions.unsign(_secret(request), cookie, sessions.NONCE_LABEL) if cookie else None


def _form_token(request: web.Request, nonce: str) -> str:
    mac = hmac.new(_secret(request), b"tnde-form\0" + nonce.encode(), hashlib.sha256)
    return mac.hexdigest()[:40]


def _anonymous_page(
    request: web.Request, name: str, status: int = 200, **context: Any
) -> web.Response:
    """A page for someone not signed in, with a form token tied to this browser."""
    from webadmin.views import render

    nonce = _nonce(request) or secrets.token_urlsafe(24)
    page = render(app_of(request), name, csrf_token=_form_token(request, nonce), **context)
    response = web.Response(text=page, content_type="text/html", status=status)
    signed = sessions.sign(_secret(request), nonce, sessions.NONCE_LABEL)
    _cookie(response, request, PRE_COOKIE, signed)
    response.headers["Cache-Control"] = "no-store"
    return response


def _message_page(
    title: str, text: str, status: int, back: str = "", logout_csrf: str = ""
) -> web.Response:
    """A page with one message, for answers no template has a place for: a link back, or
    a sign-out button for a signed-in browser."""
    parts = [
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">',
        f"<title>{escape(title)} · TNDE Gateway</title></head><body><main>",
        f'<h1>{escape(title)}</h1><p class="peringatan" role="alert">{escape(text)}</p>',
    ]
    if logout_csrf:
        parts.append(
            '<form method="post" action="/logout"><input type="hidden" name="csrf_token" '
            f'value="{escape(logout_csrf)}"><button type="submit">Keluar</button></form>'
        )
    if back:
        parts.append(f'<p><a href="{escape(back)}">Kembali</a></p>')
    parts.append("</main></body></html>")
    response = web.Response(text="".join(parts), content_type="text/html", status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _anonymous_form(request: web.Request) -> tuple[Any, str]:
    """The posted form and this browser's nonce, or 403 when the form token is wrong."""
    form = await request.post()
    nonce = _nonce(request)
    submitted = str(form.get("csrf_token", ""))
    if nonce is None or not sessions.same(_form_token(request, nonce), submitted):
        raise web.HTTPForbidden(text="token formulir (CSRF) tidak sah; muat ulang halaman")
    return form, nonce


def _too_fast(request: web.Request) -> bool:
    """Whether this client has made more sign-in posts this minute than a person would."""
    return not request.app[SIGN_IN_LIMIT].allow(client_address(request))


def _has_control(value: str) -> bool:
    """Control characters (NUL among them, which PostgreSQL refuses in text) or lone
    surrogates (which no encoding stores)."""
    return any(unicodedata.category(char) in ("Cc", "Cs") for char in value)


def _text(form: Any, name: str, limit: int) -> str | None:
    """A posted field as text, or None when it is no plain text a person typed: a file
    where text belongs, longer than `limit`, or with control characters. Such a value is
    refused before it reaches the database rather than cleaned: a password that is not
    what was typed must not be tried."""
    value = form.get(name, "")
    if not isinstance(value, str) or len(value) > limit or _has_control(value):
        return None
    return value


def _next(value: str) -> str:
    """Only a path on this site (never //host, a scheme or a backslash), checked both as
    given and after yarl's normalisation, which is what the Location header will carry
    ("/\\t/evil" loses its tab there and becomes "//evil"): no open redirect. Anything
    else goes to "/"."""
    if (
        len(value) > 2000
        or not value.startswith("/")
        or _UNSAFE_IN_NEXT.search(value)
        or _has_control(value)
    ):
        return "/"
    try:
        url = URL(value)
    except ValueError:
        return "/"
    shown = str(url)
    if url.scheme or url.host is not None or url.user is not None:
        return "/"
    for path in (shown, url.path):
        if not path.startswith("/") or path.startswith("//") or "\\" in path:
            return "/"
    return shown


# --- password sign-in ----------------------------------------------------------------------


async def login_page(request: web.Request) -> web.Response:
    return _anonymous_page(request, "login.html", next=_next(request.query.get("next", "/")))


async def login_submit(request: web.Request) -> web.StreamResponse:
    if _too_fast(request):
        return _anonymous_page(request, "login.html", status=429, error=_TOO_FAST, next="/")
    form, _ = await _anonymous_form(request)
    app = app_of(request)
    target = _next(str(form.get("next", "/")))
    username, password = _text(form, "username", 256), _text(form, "password", 1024)
    code = _text(form, "kode", 16)  # empty unless the user turned TOTP on
    if username is None or password is None or code is None:
        return _anonymous_page(request, "login.html", status=400, error=_BAD_INPUT, next=target)
    remote = client_address(request)
    old = request.get(WEB_SESSION)
    old_key = old.id if old is not None else None
    try:
        session_id = await asyncio.to_thread(
            _password_login, app, username, password, remote, old_key, code
        )
    except UserError as err:
        status = 429 if isinstance(err, Throttled) else 401
        return _anonymous_page(
            request, "login.html", status=status, error=str(err), next=target, username=username
        )
    finally:
        await asyncio.to_thread(_purge_if_due, app, request.app[PURGE])
    moved = web.HTTPSeeOther(target)
    _session_cookie(moved, request, session_id)
    raise moved


@_retried
def _password_login(
    app: App, username: str, password: str, remote: str, old_key: str | None, code: str = ""
) -> str:
    """The new session's cookie id, or the UserError that refused the sign-in. A
    refusal by a limit (Throttled) writes nothing; a wrong password is recorded with its
    audit event, and the failure that fills a limit adds one `login_throttled` event."""
    now = app.clock()
    refused: BadCredentials | None = None
    with app.db.write() as session:
        try:
            user = authenticate(session, username, password, remote, now, code)
        except BadCredentials as err:
            # Committed with the recorded failure: it counts towards the limits.
            actor = username.strip().lower()[:64]
            # Only the audit trail learns that the password was right and the code not.
            failed = {"from": remote, **({"second_factor": True} if err.second_factor else {})}
            _event(session, "login_failed", actor, now, failed)
            if err.filled:
                payload = {"from": remote, "limits": list(err.filled)}
                _event(session, "login_throttled", actor, now, payload)
            refused = err
        else:
            if old_key is not None:  # a new id at every sign-in: no session fixation
                sessions.end_session(session, old_key)
            _, session_id = sessions.start_session(session, now, remote, user_id=user.id)
            _event(session, "login", user.username, now, {"from": remote})
    if refused is not None:
        raise refused
    return session_id


def _purge_if_due(app: App, every: Every) -> None:
    """Delete stale sign-in rows, at most once every purge.PURGE_EVERY in this process:
    sign-ins are what add rows, so they are when to sweep (no scheduler job needed)."""
    now = app.clock()
    if not every.due(now):
        return
    try:
        with app.db.write() as session:
            purge_stale(session, now)
    except SQLAlchemyError:  # housekeeping: a failed sweep must not fail the sign-in
        log.warning("purging stale sign-in rows failed; trying again later", exc_info=True)


async def logout(request: web.Request) -> web.StreamResponse:
    app = app_of(request)
    row = request[WEB_SESSION]
    viewer = request[VIEWER]

    @_retried
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
    """Send a link if the address is a serving official's; the answer is the same either
    way, so the form tells nobody which addresses exist.

    Nor does its timing: looking the address up, issuing the link and queuing the mail
    run in the background for every address, and the answer goes out ANSWER_AFTER after
    the request arrived, whether the work found someone, found no one or is still busy
    (it then finishes on its own). Doing equivalent fake work for unknown addresses was
    the alternative; it would have to copy a commit's cost and stay in step with the real
    path, which a fixed answer time does by construction."""
    started = asyncio.get_running_loop().time()
    if _too_fast(request):
        return _message_page("Masuk lewat email", _TOO_FAST, 429, back="/masuk")
    form, nonce = await _anonymous_form(request)
    # An address with control characters is nobody's: no work, the same answer.
    address = _text(form, "email", 320)
    work = _start_link_work(request, address, nonce) if address else None
    await _answer_at(started + ANSWER_AFTER, work)
    return _anonymous_page(request, "masuk.html", sent=True)


def _start_link_work(request: web.Request, address: str, nonce: str) -> asyncio.Future[None] | None:
    """Look up the address and mail a link in a worker thread, tracked until it ends (the
    panel's shutdown waits for it)."""
    pending = request.app[LINK_WORK]
    if len(pending) >= MAX_LINK_WORK:  # a flood: the same answer, no more threads
        log.warning("sign-in link request dropped: %d still being worked on", len(pending))
        return None
    app, remote, every = app_of(request), client_address(request), request.app[PURGE]
    work = asyncio.ensure_future(
        asyncio.to_thread(_send_link_to_address, app, address, nonce, remote, every)
    )
    pending.add(work)
    work.add_done_callback(functools.partial(_link_work_done, pending))
    return work


def _link_work_done(pending: set[asyncio.Future[None]], work: asyncio.Future[None]) -> None:
    pending.discard(work)
    if not work.cancelled() and work.exception() is not None:
        log.error("sign-in link request failed", exc_info=work.exception())


async def _answer_at(deadline: float, work: asyncio.Future[None] | None) -> None:
    """Return at `deadline` (loop time): not earlier even when there was nothing to do,
    not later even when the work is still running."""
    loop = asyncio.get_running_loop()
    if work is not None and deadline > loop.time():
        await asyncio.wait({work}, timeout=deadline - loop.time())
    if deadline > loop.time():
        await asyncio.sleep(deadline - loop.time())


async def _finish_link_work(application: web.Application) -> None:
    """At shutdown: let link requests still being worked on finish their transaction."""
    pending: set[asyncio.Future[None]] = application[LINK_WORK].copy()
    if pending:
        await asyncio.wait(pending, timeout=30)


@_retried
def _send_link_to_address(app: App, address: str, nonce: str, remote: str, every: Every) -> None:
    now = app.clock()
    with app.db.write() as session:
        person_id = links.person_for_address(session, address)
        if person_id is not None:
            _mail_link(app, session, person_id, address.strip().lower(), nonce, None, now, remote)
    _purge_if_due(app, every)


async def secret_letter_page(request: web.Request) -> web.Response:
    """From an SR/R notice: offer to mail a one-time link to the holder's own address."""
    found = await asyncio.to_thread(_login_request, app_of(request), request.match_info["token"])
    if found is None:
        return _anonymous_page(request, "masuk.html", invalid=True, status=404)
    return _anonymous_page(request, "masuk_surat.html", token=request.match_info["token"])


async def secret_letter_submit(request: web.Request) -> web.Response:
    """Mail a link to the official the notice's token names. Answered when done: the
    token already says who it is for, so there is no address whose existence the timing
    could tell."""
    if _too_fast(request):
        return _message_page("Masuk lewat email", _TOO_FAST, 429, back="/masuk")
    _, nonce = await _anonymous_form(request)
    app = app_of(request)
    found = await asyncio.to_thread(_login_request, app, request.match_info["token"])
    if found is None:
        return _anonymous_page(request, "masuk.html", invalid=True, status=404)
    person_id, naskah_id = found
    remote = client_address(request)

    @_retried
    def send() -> None:
        now = app.clock()
        with app.db.write() as session:
            person = session.get_one(Person, person_id)
            address = primary_email(person) if person.active else None
            if address:
                _mail_link(app, session, person_id, address, nonce, naskah_id, now, remote)

    await asyncio.to_thread(send)
    return _anonymous_page(request, "masuk.html", sent=True)


def _login_request(app: App, token: str) -> tuple[int, int] | None:
    if not _REQUEST_TOKEN.fullmatch(token):
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
    remote: str,
) -> None:
    """Issue a link and queue its mail; a request refused by a limit writes nothing (the
    request that filled the limit recorded `login_link_limited`)."""
    issued = links.issue_link(session, person_id, nonce, naskah_id, now, remote)
    if issued.token is None:
        return
    person = session.get_one(Person, person_id)
    if issued.filled:
        payload = {"from": remote, "limits": list(issued.filled)}
        _event(session, "login_link_limited", person.name, now, payload)
    ctx = app.ctx
    url = f"{ctx.panel_base()}/masuk/{issued.token}"
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
    """Open a mailed link: a session as the official, in place of this browser's previous
    one. A browser signed in as staff is refused (the link stays unused): a staff member
    who came across an official's link must not become that official in their own
    browser, and signing out first makes the switch deliberate."""
    viewer, old = request.get(VIEWER), request.get(WEB_SESSION)
    if viewer is not None and old is not None and viewer.kind != "pejabat":
        return _message_page(
            "Tautan masuk pejabat",
            f"Peramban ini sedang masuk sebagai {viewer.name} ({viewer.kind}). Tautan masuk "
            "pejabat tidak dapat dibuka di sesi staf: keluar dulu, lalu buka lagi tautan ini.",
            409,
            logout_csrf=old.csrf_token,
        )
    app = app_of(request)
    nonce = _nonce(request) or ""
    remote = client_address(request)
    old_key = old.id if old is not None else None
    token = request.match_info["token"]
    result = await asyncio.to_thread(_use_link, app, token, nonce, remote, old_key)
    if result is None:
        return _anonymous_page(request, "masuk.html", invalid=True, status=404)
    session_id, naskah_id = result
    moved = web.HTTPSeeOther(f"/naskah/{naskah_id}" if naskah_id else "/")
    _session_cookie(moved, request, session_id)
    raise moved


@_retried
def _use_link(
    app: App, token: str, nonce: str, remote: str, old_key: str | None
) -> tuple[str, int | None] | None:
    """(cookie id of the new session, the letter to open) for a usable link, else None."""
    if not _LINK_TOKEN.fullmatch(token):
        return None
    now = app.clock()
    with app.db.write() as session:
        link = links.use_link(session, token, nonce, now)
        if link is None:
            return None
        if old_key is not None:  # as at a password sign-in: the previous session ends
            sessions.end_session(session, old_key)
        _, session_id = sessions.start_session(session, now, remote, person_id=link.person_id)
        person = session.get_one(Person, link.person_id)
        _event(session, "login", person.name, now, {"from": remote, "by": "email"})
        return session_id, link.naskah_id


def _event(session: Any, kind: str, actor: str, now: dt.datetime, payload: dict[str, Any]) -> None:
    record_event(session, type=kind, actor=actor, channel="web", now=now, payload=payload)


def add_routes(application: web.Application) -> None:
    """The sign-in routes, with the state they share: the per-client limit on sign-in
    posts, the purge timer and the link requests still being worked on."""
    application[SIGN_IN_LIMIT] = ClientLimit(SIGN_IN_POSTS_PER_MINUTE)
    application[PURGE] = Every()
    application[LINK_WORK] = set[asyncio.Future[None]]()
    application.on_cleanup.append(_finish_link_work)
    application.router.add_get("/login", login_page)
    application.router.add_post("/login", login_submit)
    application.router.add_post("/logout", logout)
    application.router.add_get("/masuk", email_page)
    application.router.add_post("/masuk", email_submit)
    application.router.add_get("/masuk/surat/{token}", secret_letter_page)
    application.router.add_post("/masuk/surat/{token}", secret_letter_submit)
    application.router.add_get("/masuk/{token}", use_link)
