"""Organisasi: units with their addresses, the positions tree with today's holders (Plt and
Plh included), people and their assignments; admins edit the organisation document, which
goes through exactly the validation and import of `tnde org import`, previewed first."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import yaml
from aiohttp import web
from sqlalchemy import select

from gateway.accounts.permissions import Viewer
from gateway.audit import record_event
from gateway.db.models import Position, Unit
from gateway.org.document import OrgError, parse_org
from gateway.org.holders import holders
from gateway.org.store import ImportReport, export_org, import_org
from gateway.timefmt import local
from webadmin.appkey import app_of
from webadmin.auth import VIEWER
from webadmin.params import form_text
from webadmin.previewed import digest, posted_text, same_as_previewed

if TYPE_CHECKING:
    from gateway.app import App

MAX_YAML = 1_000_000


def _staff(request: web.Request) -> None:
    if request[VIEWER].kind == "pejabat":
        raise web.HTTPForbidden(text="halaman ini untuk admin, operator dan pimpinan")


def _admin(request: web.Request) -> str:
    viewer = request[VIEWER]
    if not viewer.is_admin:
        raise web.HTTPForbidden(text="hanya admin yang dapat mengubah organisasi")
    return viewer.name


def organisation(app: App, viewer: Viewer | None = None) -> dict[str, Any]:
    """The active organisation as export_org gives it, each position with its holders
    today and its subordinates nested under it. An operator or pimpinan sees its own
    units and the people placed in them (names, NIP and addresses are personal data)."""
    today = local(app.clock(), app.settings.mail.timezone).date()
    with app.db.read() as session:
        document = export_org(session, app.settings.mail.domain)
        today_holders = {
            position.handle: [
                {"name": h.name, "kind": h.kind, "email": h.email}
                for h in holders(session, position, today)
            ]
            for position in session.scalars(select(Position).where(Position.active.is_(True)))
        }
    if viewer is not None and viewer.kind in ("operator", "pimpinan"):
        _narrow(app, document, viewer)
    for unit in document["units"]:
        nodes = {
            p["handle"]: {**p, "holders": today_holders.get(p["handle"], []), "children": []}
            for p in unit["positions"]
        }
        roots: list[dict[str, Any]] = []
        for node in nodes.values():
            superior = nodes.get(node.get("superior") or "")
            (superior["children"] if superior is not None else roots).append(node)
        unit["tree"] = roots
    return document


def _narrow(app: App, document: dict[str, Any], viewer: Viewer) -> None:
    """Keep only the viewer's units and the people assigned to their positions."""
    with app.db.read() as session:
        codes = set(session.scalars(select(Unit.code).where(Unit.id.in_(viewer.unit_ids))))
    document["units"] = [u for u in document["units"] if u["code"] in codes]
    handles = {p["handle"] for u in document["units"] for p in u["positions"]}
    document["people"] = [
        person
        for person in document["people"]
        if any(a["position"] in handles for a in person["assignments"])
    ]


async def org_page(request: web.Request) -> web.Response:
    from webadmin.views import page_response

    _staff(request)
    document = await asyncio.to_thread(organisation, app_of(request), request[VIEWER])
    return page_response(
        request, "organisasi.html", org=document, saved=request.query.get("disimpan") == "1"
    )


def _yaml_of(app: App) -> str:
    with app.db.read() as session:
        document = export_org(session, app.settings.mail.domain)
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


async def edit_page(request: web.Request) -> web.Response:
    from webadmin.views import page_response

    _admin(request)
    text = await asyncio.to_thread(_yaml_of, app_of(request))
    return page_response(request, "organisasi_ubah.html", text=text, error="", report=None)


class _Preview(Exception):
    """Carries a preview's report out of the transaction it rolls back."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("preview")
        self.report = report


def _document(app: App, text: str) -> Any:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise OrgError(f"YAML tidak dapat dibaca: {err}") from err
    return parse_org(data, app.settings.mail.domain)


def preview(app: App, text: str) -> ImportReport:
    """What saving would create, update and deactivate; nothing is written."""
    document = _document(app, text)
    try:
        with app.db.write() as session:
            raise _Preview(import_org(session, document, deactivate_missing=True))
    except _Preview as done:
        return done.report


async def preview_page(request: web.Request) -> web.Response:
    from webadmin.views import page_response

    _admin(request)
    app = app_of(request)
    form = await request.post()
    text = posted_text(form, MAX_YAML)
    try:
        report = await asyncio.to_thread(preview, app, text)
    except OrgError as err:
        return page_response(
            request, "organisasi_ubah.html", status=422, text=text, error=str(err), report=None
        )
    return page_response(
        request,
        "organisasi_ubah.html",
        text=text,
        error="",
        report=report,
        digest=digest(request, "organisasi", text),
        comment=form_text(form, "komentar", 500),
    )


async def save(request: web.Request) -> web.StreamResponse:
    """Import exactly the previewed text (its digest proves it) and record who did it."""
    author = _admin(request)
    app = app_of(request)
    form = await request.post()
    text = posted_text(form, MAX_YAML)
    if not same_as_previewed(request, "organisasi", text, form):
        raise web.HTTPBadRequest(text="organisasi berubah setelah pratinjau: pratinjau lagi dulu")
    comment = form_text(form, "komentar", 500)

    def store() -> None:
        document = _document(app, text)
        now = app.clock()
        with app.db.write() as session:
            report = import_org(session, document, deactivate_missing=True)
            record_event(
                session,
                type="org_edited",
                actor=author,
                channel="web",
                now=now,
                payload={
                    "created": report.created,
                    "updated": report.updated,
                    "deactivated": report.deactivated,
                    "comment": comment,
                },
            )

    try:
        await asyncio.to_thread(store)
    except OrgError as err:
        raise web.HTTPBadRequest(text=f"organisasi ditolak: {err}") from err
    raise web.HTTPSeeOther("/organisasi?disimpan=1")


def add_routes(application: web.Application) -> None:
    application.router.add_get("/organisasi", org_page)
    application.router.add_get("/organisasi/ubah", edit_page)
    application.router.add_post("/organisasi/uji", preview_page)
    application.router.add_post("/organisasi/simpan", save)
