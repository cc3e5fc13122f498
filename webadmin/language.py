"""The panel's language per browser: /bahasa/{id,en} sets a cookie, else [ui] language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from gateway.catalogue import LANGUAGES
from webadmin.auth import secure_request

if TYPE_CHECKING:
    pass

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


def language_of(request: web.Request, default: str) -> str:
    """The language this browser chose, when it is one the catalogue speaks; else default."""
    chosen = request.cookies.get(COOKIE, "")
    return chosen if chosen in LANGUAGES else default


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
        secure=secure_request(request),
    )
    return response


def add_routes(application: web.Application) -> None:
    application.router.add_get("/bahasa/{code}", choose_language, name="bahasa")
