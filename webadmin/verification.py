"""The public verification page of a sent surat keluar, /v/<token>: anyone holding the
letter checks its number, date, signer and that their PDF is the one that was sent."""

from __future__ import annotations

import asyncio
import base64
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gateway.accounts.totp import qr_svg
from gateway.catalogue import Catalogue
from gateway.registry import verified_letter
from webadmin.appkey import app_of
from webadmin.ratelimit import client_address
from webadmin.tracking import LIMIT_KEY

if TYPE_CHECKING:
    from gateway.app import App

# Tokens are 32 characters of URL-safe base64; anything much longer is not one.
MAX_TOKEN_CHARS = 64
# Read by people outside the organisation: always Bahasa Indonesia.
_T = Catalogue("id")


async def verification_page(request: web.Request) -> web.Response:
    """The letter's particulars and file hashes; the same 404 page for every unknown token."""
    from webadmin.views import render

    app = app_of(request)
    if not request.app[LIMIT_KEY].allow(client_address(request)):
        page = render(app, "verifikasi.html", t=_T, view=None, too_many=True, qr="")
        return _answer(page, 429, {"Retry-After": "60"})
    token = request.match_info["token"]
    view = None
    if (
        len(token) <= MAX_TOKEN_CHARS
        and token.isascii()
        and token.replace("-", "").replace("_", "").isalnum()
    ):
        view = await asyncio.to_thread(_view, app, token)
    qr = _qr(request, app) if view else ""
    page = render(app, "verifikasi.html", t=_T, view=view, too_many=False, qr=qr)
    return _answer(page, 200 if view else 404)


def _view(app: App, token: str) -> dict[str, Any] | None:
    return verified_letter(app.db, token)


def _qr(request: web.Request, app: App) -> str:
    """The page's own address as a QR code (SVG, drawn here), to print on the letter."""
    base = app.settings.web.public_url.rstrip("/")
    url = f"{base}{request.path}" if base else str(request.url)
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url)).decode("ascii")


def _answer(page: str, status: int, headers: dict[str, str] | None = None) -> web.Response:
    response = web.Response(text=page, content_type="text/html", status=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response
