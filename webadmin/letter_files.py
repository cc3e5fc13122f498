"""The files of one letter in the panel: its attachments (PDF also inline), the original
message as it arrived, and its body sanitised for a sandboxed frame; each only for those
who may read the letter's content (never an SR/R letter's, except to its official)."""

from __future__ import annotations

import asyncio
import html
from typing import TYPE_CHECKING
from urllib.parse import quote

import nh3
from aiohttp import web

from gateway.db.blobs import get_blob
from gateway.db.models import Attachment, Naskah
from webadmin.appkey import app_of
from webadmin.auth import VIEWER
from webadmin.params import record_id

if TYPE_CHECKING:
    pass

# The body frame: no script, no form, nothing fetched from elsewhere (remote images are
# how senders learn that a letter was opened), and framed only by our own pages.
BODY_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)
_INLINE_TYPES = ("application/pdf",)


async def _readable_naskah_id(request: web.Request) -> int:
    """The letter in the URL when this viewer may read its content; 404 otherwise (the
    same answer as for a letter that does not exist)."""
    from webadmin.views import readable_letters

    naskah_id = record_id(request.match_info["naskah_id"])
    if naskah_id is None:
        raise web.HTTPNotFound()
    readable = await asyncio.to_thread(
        readable_letters, app_of(request), request[VIEWER], [naskah_id]
    )
    if not readable.get(naskah_id):
        raise web.HTTPNotFound()
    return naskah_id


def _disposition(kind: str, filename: str) -> str:
    """A Content-Disposition any browser reads, whatever the sender named the file."""
    fallback = "".join(c if (c.isascii() and c.isalnum()) or c in "._-" else "_" for c in filename)
    return (
        f"{kind}; filename=\"{fallback[:100] or 'lampiran'}\"; filename*=UTF-8''{quote(filename)}"
    )


async def attachment(request: web.Request) -> web.Response:
    """One attachment: downloaded, or shown in the browser when it is a PDF and asked."""
    app = app_of(request)
    naskah_id = await _readable_naskah_id(request)
    attachment_id = record_id(request.match_info["attachment_id"])

    def load() -> tuple[Attachment, bytes] | None:
        with app.db.read() as session:
            row = session.get(Attachment, attachment_id) if attachment_id else None
            if row is None or row.naskah_id != naskah_id:
                return None
            session.expunge(row)
            return row, get_blob(session, row.sha256)

    found = await asyncio.to_thread(load)
    if found is None:
        raise web.HTTPNotFound()
    row, data = found
    # Inline only for what the bytes really are (sniffed), never for what the mail says.
    inline = request.query.get("tampil") == "1" and row.sniffed_type in _INLINE_TYPES
    content_type = row.sniffed_type if inline else "application/octet-stream"
    return web.Response(
        body=data,
        headers={
            "Content-Type": content_type or "application/octet-stream",
            "Content-Disposition": _disposition("inline" if inline else "attachment", row.filename),
            "Cache-Control": "no-store",
        },
    )


async def original(request: web.Request) -> web.Response:
    """The message exactly as it arrived (its SHA-256 is on the letter's page)."""
    app = app_of(request)
    naskah_id = await _readable_naskah_id(request)

    def load() -> bytes:
        with app.db.read() as session:
            naskah = session.get_one(Naskah, naskah_id)
            return get_blob(session, naskah.raw_sha256)

    raw = await asyncio.to_thread(load)
    return web.Response(
        body=raw,
        headers={
            "Content-Type": "message/rfc822",
            "Content-Disposition": f'attachment; filename="naskah-{naskah_id}.eml"',
            "Cache-Control": "no-store",
        },
    )


async def body(request: web.Request) -> web.Response:
    """The body for the letter page's sandboxed frame: HTML through nh3, else the text."""
    app = app_of(request)
    naskah_id = await _readable_naskah_id(request)

    def load() -> tuple[str | None, str]:
        with app.db.read() as session:
            naskah = session.get_one(Naskah, naskah_id)
            return naskah.body_html, naskah.body_text

    body_html, body_text = await asyncio.to_thread(load)
    return web.Response(
        text=sanitised_page(body_html, body_text),
        content_type="text/html",
        headers={
            "Content-Security-Policy": BODY_POLICY,
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "no-store",
        },
    )


def sanitised_page(body_html: str | None, body_text: str) -> str:
    """A whole small page: the sender's HTML cleaned by nh3 (no script, no event handler,
    no form, no remote reference survives), or the plain text escaped."""
    if body_html:
        content = nh3.clean(body_html, url_schemes={"https", "http", "mailto", "data"})
    else:
        content = f'<pre style="white-space:pre-wrap">{html.escape(body_text)}</pre>'
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        "<style>body{font-family:sans-serif;font-size:14px;margin:8px}</style>"
        f"</head><body>{content}</body></html>"
    )


def add_routes(application: web.Application) -> None:
    application.router.add_get("/naskah/{naskah_id}/lampiran/{attachment_id}", attachment)
    application.router.add_get("/naskah/{naskah_id}/eml", original)
    application.router.add_get("/naskah/{naskah_id}/isi", body)
