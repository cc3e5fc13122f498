"""The TU desk's pages: Karantina (requeue, release, discard, raw message) and Kotak
keluar (the outbox decoded, retry now). Admins see everything; an operator sees what
concerns its units; nobody else sees these pages."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.accounts.permissions import Viewer
from gateway.audit import record_event
from gateway.core.states import InboundState, OutboxState
from gateway.db.blobs import get_blob
from gateway.db.models import Inbound, Naskah, Outbox, UnitAddress
from gateway.outbound.readable import readable
from gateway.parsing.message import parse_message
from gateway.parsing.naskah import extract_metadata
from gateway.parsing.pdftext import pdf_texts
from gateway.pipeline.worker import discard, requeue
from gateway.registry import MAX_LISTED, SECRET_LEVELS, inbound_dict, outbox_dict
from webadmin.appkey import app_of
from webadmin.auth import VIEWER
from webadmin.params import form_text, record_id

if TYPE_CHECKING:
    from gateway.app import App


def _desk_viewer(request: web.Request) -> Viewer:
    viewer = request[VIEWER]
    if not viewer.can_edit:
        raise web.HTTPForbidden(text="halaman ini untuk admin dan operator TU")
    return viewer


# --- Karantina -----------------------------------------------------------------------------


def _unit_addresses(session: Session, viewer: Viewer) -> set[str] | None:
    """The addresses of the viewer's units (None: every address, for an admin)."""
    if viewer.is_admin:
        return None
    rows = session.scalars(
        select(UnitAddress.address).where(UnitAddress.unit_id.in_(viewer.unit_ids))
    )
    return {address.lower() for address in rows}


def _concerns(rcpt_tos: list[str], addresses: set[str] | None) -> bool:
    """Addressed to at least one of the viewer's units (admins: everything)."""
    return addresses is None or any(rcpt.lower() in addresses for rcpt in rcpt_tos)


def _only_ours(rcpt_tos: list[str], addresses: set[str] | None) -> bool:
    """Addressed to the viewer's units alone: only then may an operator decide on it (a
    message also for another unit is that unit's business too: admins decide)."""
    if not rcpt_tos:  # addressed to nobody we know: not any unit's to decide
        return addresses is None
    return addresses is None or all(rcpt.lower() in addresses for rcpt in rcpt_tos)


def _quarantined_rows(session: Session, viewer: Viewer, limit: int | None) -> Iterator[Inbound]:
    """Quarantined messages that concern the viewer, newest first, read in batches so that
    other units' messages never crowd the viewer's own out of a limited list."""
    addresses = _unit_addresses(session, viewer)
    found, before = 0, None
    while limit is None or found < limit:
        query = select(Inbound).where(Inbound.state == InboundState.QUARANTINED)
        if before is not None:
            query = query.where(Inbound.id < before)
        batch = list(session.scalars(query.order_by(Inbound.id.desc()).limit(500)))
        if not batch:
            return
        for row in batch:
            if _concerns(list(row.rcpt_tos or []), addresses):
                found += 1
                yield row
                if limit is not None and found >= limit:
                    return
        before = batch[-1].id


def quarantined_count(session: Session, viewer: Viewer) -> int:
    """How many quarantined messages concern this viewer (the dashboard's counter): a
    count for admins, the recipients alone for an operator's units."""
    waiting = Inbound.state == InboundState.QUARANTINED
    if viewer.is_admin:
        return int(session.scalar(select(func.count()).select_from(Inbound).where(waiting)) or 0)
    addresses = _unit_addresses(session, viewer)
    recipients = session.scalars(select(Inbound.rcpt_tos).where(waiting)).yield_per(1000)
    return sum(1 for rcpt_tos in recipients if _concerns(list(rcpt_tos or []), addresses))


def _quarantined(app: App, viewer: Viewer) -> list[dict[str, Any]]:
    zone = app.settings.mail.timezone
    with app.db.read() as session:
        addresses = _unit_addresses(session, viewer)
        return [
            inbound_dict(row, zone) | {"decidable": _only_ours(list(row.rcpt_tos), addresses)}
            for row in _quarantined_rows(session, viewer, MAX_LISTED)
        ]


def _decidable(app: App, viewer: Viewer, inbound_id: int | None) -> Inbound | None:
    """The quarantined message this viewer may act on or open, or None."""
    if inbound_id is None:
        return None
    with app.db.read() as session:
        row = session.get(Inbound, inbound_id)
        if row is None or row.state != InboundState.QUARANTINED:
            return None
        if not _only_ours(list(row.rcpt_tos or []), _unit_addresses(session, viewer)):
            return None
        session.expunge(row)
        return row


async def quarantine_page(request: web.Request) -> web.Response:
    from webadmin.views import page_response

    viewer = _desk_viewer(request)
    app = app_of(request)
    items = await asyncio.to_thread(_quarantined, app, viewer)
    return page_response(
        request, "karantina.html", items=items, done=request.query.get("selesai", "")
    )


async def quarantine_action(request: web.Request) -> web.StreamResponse:
    viewer = _desk_viewer(request)
    app = app_of(request)
    form = await request.post()
    action = form_text(form, "aksi", 32)
    reason = form_text(form, "alasan", 500)
    found = await asyncio.to_thread(
        _decidable, app, viewer, record_id(request.match_info["inbound_id"])
    )
    if found is None:
        raise web.HTTPNotFound()
    inbound_id = found.id
    now = app.clock()
    if action in ("proses-ulang", "lepas"):
        release = action == "lepas"
        await asyncio.to_thread(requeue, app.db, [inbound_id], now, viewer.name, release, "web")
    elif action == "buang":
        if not reason:
            raise web.HTTPBadRequest(text="sebutkan alasan membuang pesan ini")
        await asyncio.to_thread(discard, app.db, [inbound_id], now, viewer.name, reason, "web")
    else:
        raise web.HTTPBadRequest(text="aksi tidak dikenal")
    raise web.HTTPSeeOther(f"/karantina?selesai={inbound_id}")


async def quarantine_raw(request: web.Request) -> web.Response:
    """The message exactly as it arrived, to inspect in a mail program; not for a letter
    marked Sangat Rahasia or Rahasia, whose content is for its addressee alone."""
    viewer = _desk_viewer(request)
    app = app_of(request)
    row = await asyncio.to_thread(
        _decidable, app, viewer, record_id(request.match_info["inbound_id"])
    )
    if row is None:
        raise web.HTTPNotFound()

    def load() -> bytes:
        with app.db.read() as session:
            return get_blob(session, row.raw_sha256)

    raw = await asyncio.to_thread(load)
    if await asyncio.to_thread(_marked_secret, raw, app):
        raise web.HTTPForbidden(
            text=(
                "Pesan ini bertanda Sangat Rahasia/Rahasia: isinya hanya untuk penerimanya. "
                "Putuskan dari alasan karantina dan amplopnya (pengirim, penerima)."
            )
        )
    return web.Response(
        body=raw,
        headers={
            "Content-Type": "message/rfc822",
            "Content-Disposition": f'attachment; filename="karantina-{row.id}.eml"',
            "Cache-Control": "no-store",
        },
    )


def _marked_secret(raw: bytes, app: App) -> bool:
    """The message's own marking (subject, body, PDF) says SR or R, read as registration
    would read it."""
    try:
        parsed = parse_message(raw, app.ctx.limits)
    except Exception:  # a message too odd to parse: treat it as possibly secret
        return True
    return extract_metadata(parsed, pdf_texts(parsed)).keamanan in SECRET_LEVELS


# --- Kotak keluar --------------------------------------------------------------------------


def _outbox_query(viewer: Viewer) -> Any:
    return _outbox_scope(viewer, select(Outbox)).order_by(Outbox.id.desc()).limit(MAX_LISTED)


def _outbox_scope(viewer: Viewer, query: Any) -> Any:
    if not viewer.is_admin:
        # Mail about letters of the viewer's units; mail about no letter (sign-in links,
        # alerts) is for admins only.
        query = query.join(Naskah, Outbox.naskah_id == Naskah.id).where(
            Naskah.unit_id.in_(viewer.unit_ids)
        )
    return query


async def outbox_page(request: web.Request) -> web.Response:
    from webadmin.views import page_response

    viewer = _desk_viewer(request)
    app = app_of(request)
    state = request.query.get("keadaan", "")

    def load() -> list[dict[str, Any]]:
        zone = app.settings.mail.timezone
        with app.db.read() as session:
            query = _outbox_query(viewer)
            if state in tuple(OutboxState):
                query = query.where(Outbox.state == state)
            return [outbox_dict(row, zone) for row in session.scalars(query)]

    items = await asyncio.to_thread(load)
    smarthost = app.settings.outbound.smarthost
    return page_response(
        request, "kotak_keluar.html", items=items, state=state, smarthost=smarthost
    )


def failed_outbox_count(session: Session, viewer: Viewer) -> int:
    """Failed or bounced mail this viewer answers for (the dashboard's counter)."""
    failed = Outbox.state.in_((OutboxState.FAILED, OutboxState.BOUNCED))
    query = _outbox_scope(viewer, select(func.count()).select_from(Outbox)).where(failed)
    return int(session.scalar(query) or 0)


def _outbox_row(app: App, viewer: Viewer, outbox_id: int) -> Outbox | None:
    with app.db.read() as session:
        query = _outbox_query(viewer).where(Outbox.id == outbox_id)
        row: Outbox | None = session.scalars(query).first()
        if row is not None:
            session.expunge(row)
        return row


async def outbox_message_page(request: web.Request) -> web.Response:
    from webadmin.views import page_response

    viewer = _desk_viewer(request)
    app = app_of(request)
    outbox_id = record_id(request.match_info["outbox_id"])
    row = await asyncio.to_thread(_outbox_row, app, viewer, outbox_id) if outbox_id else None
    if row is None:
        raise web.HTTPNotFound()
    item = outbox_dict(row, app.settings.mail.timezone)
    text = without_sign_in_links(readable(bytes(row.message)))
    return page_response(request, "kotak_keluar_pesan.html", item=item, text=text)


# One-time sign-in links (/masuk/<token>), SR notices' sign-in requests
# (/masuk/surat/<token>) and signing links (/tandatangan/<token>) are keys to an
# official's access: staff reading the outbox must not be able to use them.
_SIGN_IN_LINK = re.compile(r"(/masuk/(?:surat/)?|/tandatangan/)[A-Za-z0-9_-]+")


def without_sign_in_links(text: str) -> str:
    return _SIGN_IN_LINK.sub(r"\1[disembunyikan]", text)


async def outbox_retry(request: web.Request) -> web.StreamResponse:
    """Try a queued or failed message again now (a bounced one is not retried blindly)."""
    viewer = _desk_viewer(request)
    app = app_of(request)
    outbox_id = record_id(request.match_info["outbox_id"])
    row = await asyncio.to_thread(_outbox_row, app, viewer, outbox_id) if outbox_id else None
    if row is None:
        raise web.HTTPNotFound()

    def retry() -> None:
        now = app.clock()
        with app.db.write() as session:
            current = session.get_one(Outbox, row.id)
            if current.state in (OutboxState.QUEUED, OutboxState.FAILED):
                current.state, current.next_attempt_at = OutboxState.QUEUED, now
                current.claim_token = None
                record_event(
                    session,
                    type="outbox_retry",
                    actor=viewer.name,
                    channel="web",
                    now=now,
                    naskah_id=current.naskah_id,
                    payload={"outbox_id": current.id},
                )

    await asyncio.to_thread(retry)
    raise web.HTTPSeeOther(f"/kotak-keluar/{row.id}")


def add_routes(application: web.Application) -> None:
    application.router.add_get("/karantina", quarantine_page)
    application.router.add_post("/karantina/{inbound_id}", quarantine_action)
    application.router.add_get("/karantina/{inbound_id}/eml", quarantine_raw)
    application.router.add_get("/kotak-keluar", outbox_page)
    application.router.add_get("/kotak-keluar/{outbox_id}", outbox_message_page)
    application.router.add_post("/kotak-keluar/{outbox_id}/kirim-ulang", outbox_retry)
