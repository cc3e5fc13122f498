"""The public tracking page /lacak/<token>: where the sending agency follows its letter."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from gateway.catalogue import Catalogue
from gateway.workflow.tracking import TrackingView, find_tracked, tracking_view
from webadmin.appkey import app_of
from webadmin.ratelimit import ClientLimit, client_address

if TYPE_CHECKING:
    from gateway.app import App

LIMIT_KEY: web.AppKey[ClientLimit] = web.AppKey("tracking_limit")
# Tokens are 39 characters; anything much longer is not one (and is not looked at).
MAX_TOKEN_CHARS = 64
# Shown to agencies outside the organisation: always Bahasa Indonesia.
_T = Catalogue("id")


async def tracking_page(request: web.Request) -> web.Response:
    """The milestones of one letter; the same 404 page for every token we cannot use."""
    from webadmin.views import render

    app = app_of(request)
    limit = request.app[LIMIT_KEY]
    if not limit.allow(client_address(request)):
        page = render(app, "lacak.html", t=_T, view=None, too_many=True)
        return _answer(page, 429, {"Retry-After": "60"})
    token = request.match_info["token"]
    view = None
    if len(token) <= MAX_TOKEN_CHARS and token.isascii() and token.isalnum():
        view = await asyncio.to_thread(_view, app, token)
    page = render(app, "lacak.html", t=_T, view=view, too_many=False)
    return _answer(page, 200 if view else 404)


def _view(app: App, token: str) -> TrackingView | None:
    with app.db.read() as session:
        secret = app.ctx.reply_secret(session)
        found = find_tracked(session, secret, app.settings, token, app.clock())
        return tracking_view(session, found[0]) if found else None


def _answer(page: str, status: int, headers: dict[str, str] | None = None) -> web.Response:
    response = web.Response(text=page, content_type="text/html", status=status)
    # The token is the key to the page: never cached, never sent on as a Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response
