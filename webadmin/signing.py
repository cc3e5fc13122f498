"""The signing page, /tandatangan/<token>: the signer of a konsep signs it with their TTE
(BSrE) by typing their NIK and passphrase; the passphrase goes to BSrE once and is never
stored, logged or shown again. The one-time link in the signing request is the key."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from gateway.tte.bsre import BsreClient, BsreError
from gateway.workflow.konsep import KonsepProblem
from gateway.workflow.sending import DuplicateNumber
from gateway.workflow.signing import SigningRequest, sign_by_link, signing_request
from gateway.workflow.signing_links import claim_link, release_link
from webadmin.appkey import app_of
from webadmin.auth import _anonymous_form, _anonymous_page
from webadmin.ratelimit import client_address
from webadmin.tracking import LIMIT_KEY

if TYPE_CHECKING:
    from gateway.app import App

MAX_TOKEN_CHARS = 64
# BSrE gets this long for all of a letter's PDFs: below a proxy's usual 60 s.
SIGNING_DEADLINE = 50.0
_CONFLICT = "Konsep ini baru saja diubah oleh orang lain; muat ulang halaman."
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
    """Sign every PDF of the approved version with BSrE, then number and send the letter.

    The link is held for this signing first (a second post gets 409, never a second
    signature at BSrE), BSrE gets SIGNING_DEADLINE in all, and a refusal counts against
    the link (MAX_FAILURES, then it is void)."""
    app = app_of(request)
    if not request.app[LIMIT_KEY].allow(client_address(request)):
        return _anonymous_page(request, PAGE, status=429, view=None, too_many=True)
    form, _ = await _anonymous_form(request)
    token = request.match_info["token"]
    view = await asyncio.to_thread(_view, app, token)
    if view is None:
        return _anonymous_page(request, PAGE, status=404, view=None)
    again: dict[str, Any] = {"view": view, "token": token}
    if view.blocked:
        return _anonymous_page(request, PAGE, status=409, error=view.blocked, **again)
    nik = str(form.get("nik", "")).strip()
    passphrase = str(form.get("passphrase", ""))
    if not _NIK.match(nik) or not passphrase:
        error = "NIK (16 angka) dan passphrase wajib diisi."
        return _anonymous_page(request, PAGE, status=400, error=error, **again)
    if not await asyncio.to_thread(_hold, app, token):
        error = "Penandatanganan dengan tautan ini sedang diproses; tunggu lalu muat ulang."
        return _anonymous_page(request, PAGE, status=409, error=error, **again)
    tte = app.settings.tte
    client = BsreClient(tte.bsre_url, tte.bsre_username, tte.bsre_password, tte.bsre_timeout)
    signed: dict[int, bytes] = {}
    try:
        async with asyncio.timeout(SIGNING_DEADLINE):
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
        await asyncio.to_thread(_release, app, token, True)
        error = f"BSrE menolak penandatanganan: {err}. Tidak ada yang berubah."
        return _anonymous_page(request, PAGE, status=400, error=error, **again)
    except TimeoutError:
        await asyncio.to_thread(_release, app, token, False)
        error = "Layanan BSrE tidak menjawab tepat waktu. Tidak ada yang berubah; coba lagi."
        return _anonymous_page(request, PAGE, status=503, error=error, **again)
    try:
        done = await asyncio.to_thread(_sign, app, token, signed)
    except (KonsepProblem, DuplicateNumber, IntegrityError) as err:
        await asyncio.to_thread(_release, app, token, False)
        error = str(err) if not isinstance(err, IntegrityError) else _CONFLICT
        return _anonymous_page(request, PAGE, status=409, error=error, **again)
    return _anonymous_page(request, PAGE, view=view, done=done)


def _hold(app: App, token: str) -> bool:
    with app.db.write() as session:
        return claim_link(session, token, app.clock())


def _release(app: App, token: str, refused: bool) -> None:
    with app.db.write() as session:
        release_link(session, token, refused)


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
