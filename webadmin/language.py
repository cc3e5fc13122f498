"""The panel's language per browser: /bahasa/{id,en} sets a cookie, else [ui] language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from gateway.catalogue import LANGUAGES

if TYPE_CHECKING:
    from gateway.app import App

COOKIE = "tnde_bahasa"
ONE_YEAR = 365 * 24 * 60 * 60

# Which pages listen: every signed-in page (views.page_response) speaks the browser's
# choice. The sign-in pages (/login, /masuk), the mailed-link pages and the public
# tracking page (/lacak/, read by other agencies) keep speaking [ui] language: they are
# rendered before anyone is known, and tracking is official correspondence. /bahasa/ is
# therefore behind sign-in like any other page (not a public prefix): an anonymous visitor
# is sent through /login and lands back here, on the same choice.
#
# The choice is a preference, not a secret: the cookie holds only "id" or "en", and the
# answer always goes to "/" (never to a URL from the request), so the route can be used
# for nothing but switching languages.


def _app(request: web.Request) -> App:
    from webadmin.app import APP_KEY

    return request.app[APP_KEY]


def language_of(request: web.Request, default: str) -> str:
    """The language this browser chose, when it is one the catalogue speaks; else default."""
    chosen = request.cookies.get(COOKIE, "")
    return chosen if chosen in LANGUAGES else default


def _secure(request: web.Request) -> bool:
    """Secure like the session cookie: behind TLS, ours or the local nginx's."""
    if request.secure:
        return True
    local_peer = (request.remote or "") in ("127.0.0.1", "::1")
    if local_peer and request.headers.get("X-Forwarded-Proto", "") == "https":
        return True
    return _app(request).settings.web.public_url.startswith("https://")


async def choose_language(request: web.Request) -> web.Response:
    """GET /bahasa/{code}: remember the language for a year, then go to the register."""
    code = request.match_info["code"]
    if code not in LANGUAGES:
        raise web.HTTPNotFound()
    response = web.Response(status=303, headers={"Location": "/", "Cache-Control": "no-store"})
    response.set_cookie(
        COOKIE,
        code,
        max_age=ONE_YEAR,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=_secure(request),
    )
    return response


def add_routes(application: web.Application) -> None:
    application.router.add_get("/bahasa/{code}", choose_language, name="bahasa")
