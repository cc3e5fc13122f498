"""Panel views: health, buku agenda list, one naskah with its timeline."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import func, select, text

from gateway import timefmt
from gateway.db.models import Inbound, Outbox
from gateway.register import load_naskah_list, naskah_detail

if TYPE_CHECKING:
    from gateway.app import App

_ENV = Environment(
    loader=PackageLoader("webadmin", "templates"),
    autoescape=select_autoescape(default=True),
)
_ENV.filters["waktu"] = lambda v: timefmt.waktu(v) if v else "-"
_ENV.filters["tanggal"] = lambda v: timefmt.tanggal(v) if v else "-"


def _app(request: web.Request) -> App:
    from webadmin.app import APP_KEY

    return request.app[APP_KEY]


def _page(name: str, **context: Any) -> web.Response:
    return web.Response(text=_ENV.get_template(name).render(**context), content_type="text/html")


async def health(request: web.Request) -> web.Response:
    """Liveness and readiness: the database answers and queue depths."""
    app = _app(request)

    def probe() -> dict[str, Any]:
        with app.db.read() as session:
            session.execute(text("SELECT 1"))
            states = dict(
                session.execute(select(Inbound.state, func.count()).group_by(Inbound.state)).all()
            )
            outbox = dict(
                session.execute(select(Outbox.state, func.count()).group_by(Outbox.state)).all()
            )
        return {"status": "ok", "inbound": states, "outbox": outbox}

    try:
        body = await asyncio.to_thread(probe)
    except Exception as err:
        return web.json_response({"status": "error", "error": str(err)}, status=503)
    return web.json_response(body)


async def register_list(request: web.Request) -> web.Response:
    """Buku agenda: the latest registered naskah."""
    app = _app(request)
    items = await asyncio.to_thread(load_naskah_list, app.db, 200)
    return _page("register.html", items=items, domain=app.settings.mail.domain)


async def naskah_page(request: web.Request) -> web.Response:
    app = _app(request)
    try:
        naskah_id = int(request.match_info["naskah_id"])
    except ValueError as err:
        raise web.HTTPNotFound() from err
    detail = await asyncio.to_thread(naskah_detail, app.db, str(naskah_id))
    if detail is None:
        raise web.HTTPNotFound()
    return _page("naskah.html", item=detail)


def register_routes(application: web.Application) -> None:
    application.router.add_get("/healthz", health, name="health")
    application.router.add_get("/", register_list, name="register")
    application.router.add_get("/naskah/{naskah_id}", naskah_page, name="naskah")
