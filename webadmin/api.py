"""The JSON API under /api/v1: the register with the panel's permissions, bearer tokens
(`tnde token create`), and its OpenAPI document."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gateway.accounts.permissions import Viewer
from gateway.registry import naskah_detail, redact_secret
from gateway.search import AgendaFilter
from webadmin.appkey import app_of
from webadmin.auth import VIEWER
from webadmin.params import record_id

if TYPE_CHECKING:
    from gateway.app import App

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "tnde-gateway API",
        "version": "1",
        "description": (
            "Buku agenda (surat masuk) with the panel's permissions. Authenticate with "
            "`Authorization: Bearer <token>` (tnde token create USERNAME). SR/R letters "
            'come back masked ("masked": true) to anyone who may not read them.'
        ),
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Naskah": {
                "type": "object",
                "required": ["id", "agenda_number", "unit", "status", "received_at"],
                "properties": {
                    "id": {"type": "integer"},
                    "agenda_number": {"type": "string"},
                    "unit": {"type": "string"},
                    "kind": {"type": "string"},
                    "status": {
                        "type": "string",
                        "enum": ["baru", "didisposisikan", "dalam_proses", "selesai", "ditolak"],
                    },
                    "sender": {"type": "string"},
                    "perihal": {"type": "string"},
                    "nomor_surat": {"type": ["string", "null"]},
                    "received_at": {"type": "string", "format": "date-time"},
                    "sifat": {"type": "object"},
                    "masked": {"type": "boolean"},
                },
            }
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/api/v1/naskah": {
            "get": {
                "summary": "The register, newest first, 50 per page",
                "parameters": [
                    {"name": name, "in": "query", "schema": {"type": "string"}}
                    for name in (
                        "q",
                        "unit",
                        "year",
                        "status",
                        "sifat",
                        "jenis",
                        "dari",
                        "sampai",
                        "pengirim",
                        "sebelum",
                    )
                ],
                "responses": {
                    "200": {"description": "items and the key of the next page (sebelum)"},
                    "401": {"description": "no or an invalid bearer token"},
                },
            }
        },
        "/api/v1/naskah/{id}": {
            "get": {
                "summary": "One letter with its timeline, dispositions and routing",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {
                    "200": {"description": "the letter"},
                    "404": {"description": "no such letter, or not yours to see"},
                },
            }
        },
    },
}


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(OPENAPI)


async def naskah_list(request: web.Request) -> web.Response:
    app = app_of(request)
    viewer = request[VIEWER]
    agenda = AgendaFilter.from_query(dict(request.query))
    before = record_id(request.query.get("sebelum", ""))
    items, next_before = await asyncio.to_thread(_list, app, viewer, agenda, before)
    return web.json_response(
        {"items": items, "next": next_before}, headers={"Cache-Control": "no-store"}
    )


def _list(
    app: App, viewer: Viewer, agenda: AgendaFilter, before: int | None
) -> tuple[list[dict[str, Any]], int | None]:
    from webadmin.views import visible_page

    page = visible_page(app, viewer, agenda, before)
    for item in page.items:
        item.pop("auth_results", None)
        item.pop("received_at_dt", None)
    return page.items, page.next_before


async def naskah_one(request: web.Request) -> web.Response:
    from webadmin.views import readable_letters

    app = app_of(request)
    naskah_id = record_id(request.match_info["naskah_id"])
    if naskah_id is None:
        raise web.HTTPNotFound()
    detail = await asyncio.to_thread(
        naskah_detail, app.db, str(naskah_id), app.settings.mail.timezone
    )
    if detail is None:
        raise web.HTTPNotFound()
    readable = await asyncio.to_thread(readable_letters, app, request[VIEWER], [detail["id"]])
    if detail["id"] not in readable:
        raise web.HTTPNotFound()
    detail.pop("received_at_dt", None)
    detail.pop("auth_results", None)
    shown = detail if readable[detail["id"]] else redact_secret(detail)
    return web.json_response(shown, dumps=_dumps, headers={"Cache-Control": "no-store"})


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)


def add_routes(application: web.Application) -> None:
    application.router.add_get("/api/v1/openapi.json", openapi)
    application.router.add_get("/api/v1/naskah", naskah_list)
    application.router.add_get("/api/v1/naskah/{naskah_id}", naskah_one)
