"""Panel views: health, buku agenda list, one naskah with its timeline."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select

from gateway import timefmt
from gateway.accounts.permissions import Viewer, may_read, visible
from gateway.catalogue import Catalogue
from gateway.core.states import NASKAH_LABEL
from gateway.db.models import Naskah
from gateway.org.senders import UNVERIFIED_LABEL, OrgAddresses, claims_org_unproven
from gateway.registry import load_naskah_list, naskah_detail, redact_secret, state_counts
from gateway.workflow.status import Whereabouts, whereabouts
from webadmin.auth import VIEWER, WEB_SESSION
from webadmin.tracking import tracking_page

if TYPE_CHECKING:
    from gateway.app import App

_ENV = Environment(
    loader=PackageLoader("webadmin", "templates"),
    autoescape=select_autoescape(default=True),
)
# Times in the office zone ([mail] timezone, passed to every page as `zone`).
_ENV.filters["waktu"] = lambda v, zone="Asia/Jakarta": timefmt.waktu(v, zone) if v else "-"
_ENV.filters["waktu_iso"] = lambda v, zone="Asia/Jakarta": (
    timefmt.waktu(dt.datetime.fromisoformat(v), zone) if v else "-"
)
_ENV.filters["tanggal"] = lambda v: timefmt.tanggal(v) if v else "-"


def _app(request: web.Request) -> App:
    from webadmin.app import APP_KEY

    return request.app[APP_KEY]


def render(app: App, name: str, **context: Any) -> str:
    """A page in the office zone; `t` speaks [ui] language unless the caller gives one."""
    settings = app.settings
    context.setdefault("t", Catalogue(settings.ui.language))
    return _ENV.get_template(name).render(zone=settings.mail.timezone, **context)


def _page(request: web.Request, name: str, **context: Any) -> web.Response:
    """A signed-in page: the viewer and the session's form token are in every template."""
    row = request.get(WEB_SESSION)
    context.setdefault("viewer", request.get(VIEWER))
    context.setdefault("csrf_token", row.csrf_token if row is not None else "")
    response = web.Response(text=render(_app(request), name, **context), content_type="text/html")
    response.headers["Cache-Control"] = "no-store"  # letters are not for shared caches
    return response


async def health(request: web.Request) -> web.Response:
    """Liveness and readiness: the database answers and queue depths."""
    app = _app(request)

    def probe() -> dict[str, Any]:
        inbound, outbox = state_counts(app.db)
        return {"status": "ok", "inbound": inbound, "outbox": outbox}

    try:
        body = await asyncio.to_thread(probe)
    except Exception as err:
        return web.json_response({"status": "error", "error": str(err)}, status=503)
    return web.json_response(body)


async def register_list(request: web.Request) -> web.Response:
    """Buku agenda: the latest registered naskah."""
    app = _app(request)
    viewer = request[VIEWER]
    items = await asyncio.to_thread(load_naskah_list, app.db, 200, True, app.settings.mail.timezone)
    readable = await asyncio.to_thread(_readable, app, viewer, [i["id"] for i in items])
    org = await asyncio.to_thread(_org_addresses, app)
    shown = []
    for item in items:
        if item["id"] not in readable:
            continue  # not this viewer's letter at all
        item["sender_unverified"] = org.claims_unproven(item["sender"], item.pop("auth_results"))
        # SR/R rows show no perihal to anyone who may not read them.
        shown.append(item if readable[item["id"]] else redact_secret(item))
    items = shown
    return _page(
        request,
        "register.html",
        items=items,
        status_labels=NASKAH_LABEL,
        domain=app.settings.mail.domain,
        unverified_label=UNVERIFIED_LABEL,
    )


async def naskah_page(request: web.Request) -> web.Response:
    app = _app(request)
    text = request.match_info["naskah_id"]
    # Anything but a database-sized positive id is simply not a letter here (not a 500).
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_ID:
        raise web.HTTPNotFound()
    detail = await asyncio.to_thread(
        naskah_detail, app.db, str(int(text)), app.settings.mail.timezone
    )
    if detail is None:
        raise web.HTTPNotFound()
    readable = await asyncio.to_thread(_readable, app, request[VIEWER], [detail["id"]])
    if detail["id"] not in readable:
        raise web.HTTPNotFound()  # the same answer as for a letter that does not exist
    sender_unverified = await asyncio.to_thread(_sender_unverified, app, detail)
    where = await asyncio.to_thread(_whereabouts, app, detail["id"])
    return _page(
        request,
        "naskah.html",
        item=detail if readable[detail["id"]] else redact_secret(detail),
        sender_unverified=sender_unverified,
        unverified_label=UNVERIFIED_LABEL,
        where=where,
    )


def _readable(app: App, viewer: Viewer, ids: list[int]) -> dict[int, bool]:
    """Of these letters, those the viewer may see, each with whether it may read the
    content (False: SR/R shown as an entry only)."""
    if not ids:
        return {}
    with app.db.read() as session:
        query = visible(viewer, select(Naskah).where(Naskah.id.in_(ids)))
        return {n.id: may_read(session, viewer, n) for n in session.scalars(query)}


def _whereabouts(app: App, naskah_id: int) -> Whereabouts:
    with app.db.read() as session:
        naskah = session.get_one(Naskah, naskah_id)
        return whereabouts(session, naskah, app.clock(), app.settings.mail.timezone)


def _org_addresses(app: App) -> OrgAddresses:
    with app.db.read() as session:
        return OrgAddresses.load(session, app.settings.mail.domain)


def _sender_unverified(app: App, detail: dict[str, Any]) -> bool:

    with app.db.read() as session:
        return claims_org_unproven(
            session,
            detail.get("sender"),
            detail.get("auth_results") or {},
            app.settings.mail.domain,
        )


# The largest id every supported database's INTEGER column holds (PostgreSQL: 32 bits).
MAX_ID = 2**31 - 1

# Sent with every answer: no framing, no sniffing, nothing loaded from elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    """Add SECURITY_HEADERS to every answer, errors included."""
    try:
        response: web.StreamResponse = await handler(request)
    except web.HTTPException as err:
        err.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


def register_routes(application: web.Application) -> None:
    application.router.add_get("/healthz", health, name="health")
    application.router.add_get("/", register_list, name="register")
    application.router.add_get("/naskah/{naskah_id}", naskah_page, name="naskah")
    application.router.add_get("/lacak/{token}", tracking_page, name="lacak")
