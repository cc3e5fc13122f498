"""The signing page, /tandatangan/<token>: the signer of a konsep signs it with their TTE
(BSrE) by typing their NIK and passphrase; the passphrase goes to BSrE once and is never
stored, logged or shown again. The one-time link in the signing request is the key."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gateway.tte.bsre import BsreClient, BsreError
from gateway.workflow.konsep import KonsepProblem
from gateway.workflow.signing import SigningRequest, sign_by_link, signing_request
from webadmin.appkey import app_of
from webadmin.auth import _anonymous_form, _anonymous_page
from webadmin.ratelimit import client_address
from webadmin.tracking import LIMIT_KEY

if TYPE_CHECKING:
    from gateway.app import App

MAX_TOKEN_CHARS = 64
_NIK = re.compile(r"^[0-9]{16}$")
PAGE = "tandatangan.html"


async def signing_page(request: web.Request) -> web.Response:
    """What is about to be signed, and the form; the same 404 for every unusable link."""
    app = app_of(request)
    if not request.app[LIMIT_KEY].allow(client_address(request)):
        return _anonymous_page(request, PAGE, status=429, view=None, too_many=True)
    token = request.match_info["token"]
    view = await asyncio.to_thread(_view, app, token)
    if view is None:
        return _anonymous_page(request, PAGE, status=404, view=None)
    return _anonymous_page(request, PAGE, view=view, token=token)


async def signing_post(request: web.Request) -> web.Response:
    """Sign every PDF of the approved version with BSrE, then number and send the letter."""
    app = app_of(request)
    if not request.app[LIMIT_KEY].allow(client_address(request)):
        return _anonymous_page(request, PAGE, status=429, view=None, too_many=True)
    form, _ = await _anonymous_form(request)
    token = request.match_info["token"]
    view = await asyncio.to_thread(_view, app, token)
    if view is None:
        return _anonymous_page(request, PAGE, status=404, view=None)
    nik = str(form.get("nik", "")).strip()
    passphrase = str(form.get("passphrase", ""))
    again: dict[str, Any] = {"view": view, "token": token}
    if not _NIK.match(nik) or not passphrase:
        error = "NIK (16 angka) dan passphrase wajib diisi."
        return _anonymous_page(request, PAGE, status=400, error=error, **again)
    tte = app.settings.tte
    client = BsreClient(tte.bsre_url, tte.bsre_username, tte.bsre_password, tte.bsre_timeout)
    signed: dict[int, bytes] = {}
    try:
        for attachment_id, filename, pdf in view.pdfs:
            result = await client.sign(
                pdf,
                nik=nik,
                passphrase=passphrase,
                filename=filename,
                reason=f"Penandatanganan {view.konsep_number}",
            )
            signed[attachment_id] = result.pdf
    except BsreError as err:
        # BSrE's own reason ("Passphrase anda salah"); nothing was changed here.
        error = f"BSrE menolak penandatanganan: {err}. Tidak ada yang berubah."
        return _anonymous_page(request, PAGE, status=400, error=error, **again)
    try:
        done = await asyncio.to_thread(_sign, app, token, signed)
    except KonsepProblem as err:
        return _anonymous_page(request, PAGE, status=409, error=str(err), **again)
    return _anonymous_page(request, PAGE, view=view, done=done)


def _view(app: App, token: str) -> SigningRequest | None:
    if len(token) > MAX_TOKEN_CHARS or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        return None
    with app.db.read() as session:
        return signing_request(session, app.ctx, token, app.clock())


def _sign(app: App, token: str, signed: dict[int, bytes]) -> str:
    with app.db.write() as session:
        return sign_by_link(session, app.ctx, token, signed, app.clock())


def add_routes(application: web.Application) -> None:
    application.router.add_get("/tandatangan/{token}", signing_page, name="tandatangan")
    application.router.add_post("/tandatangan/{token}", signing_post)
