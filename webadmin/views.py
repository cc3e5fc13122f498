"""Panel views: health, buku agenda list, one naskah with its timeline."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select

from gateway import timefmt
from gateway.accounts.permissions import Viewer, may_read, visible, visible_units
from gateway.catalogue import Catalogue
from gateway.core.states import NASKAH_LABEL, REGISTERS
from gateway.core.verdict import sender_verdict, signature_lines
from gateway.db.models import Instruction, Naskah, Position, Unit
from gateway.org.senders import UNVERIFIED_LABEL, OrgAddresses, claims_org_unproven
from gateway.registry import (
    AGENDA_COLUMNS,
    agenda_row,
    naskah_detail,
    redact_secret,
    state_counts,
)
from gateway.search import (
    PAGE,
    SECRET,
    AgendaFilter,
    Page,
    every_row,
    filtered,
    page_of,
)
from gateway.workflow.corrections import CORRECTABLE, CorrectionError, correct_naskah
from gateway.workflow.status import Whereabouts, whereabouts
from rules.model import KECEPATAN
from webadmin.appkey import app_of
from webadmin.auth import VIEWER, WEB_SESSION
from webadmin.language import language_of
from webadmin.params import form_text, record_id
from webadmin.signing import add_routes as add_signing_routes
from webadmin.tracking import tracking_page
from webadmin.verification import verification_page

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


def render(app: App, name: str, **context: Any) -> str:
    """A page in the office zone; `t` speaks [ui] language unless the caller gives one
    (page_response gives the browser's choice)."""
    settings = app.settings
    context.setdefault("t", Catalogue(settings.ui.language))
    return _ENV.get_template(name).render(zone=settings.mail.timezone, **context)


def page_response(
    request: web.Request, name: str, status: int = 200, **context: Any
) -> web.Response:
    """A signed-in page: the viewer and the session's form token are in every template,
    and the texts speak the language this browser chose (webadmin.language)."""
    row = request.get(WEB_SESSION)
    default = app_of(request).settings.ui.language
    context.setdefault("t", Catalogue(language_of(request, default)))
    context.setdefault("viewer", request.get(VIEWER))
    context.setdefault("csrf_token", row.csrf_token if row is not None else "")
    response = web.Response(
        text=render(app_of(request), name, **context), content_type="text/html", status=status
    )
    response.headers["Cache-Control"] = "no-store"  # letters are not for shared caches
    response.headers["Content-Language"] = context["t"].language
    return response


async def health(request: web.Request) -> web.Response:
    """Liveness and readiness: the database answers and queue depths."""
    app = app_of(request)

    def probe() -> dict[str, Any]:
        inbound, outbox = state_counts(app.db)
        return {"status": "ok", "inbound": inbound, "outbox": outbox}

    try:
        body = await asyncio.to_thread(probe)
    except Exception as err:
        return web.json_response({"status": "error", "error": str(err)}, status=503)
    return web.json_response(body)


async def register_list(request: web.Request) -> web.Response:
    """Buku agenda: filters, full-text search, keyset pages; SR/R rows as entries only."""
    app = app_of(request)
    viewer = request[VIEWER]
    agenda = AgendaFilter.from_query(dict(request.query))
    before = record_id(request.query.get("sebelum", ""))
    page, units = await asyncio.to_thread(_register_page, app, viewer, agenda, before)
    return page_response(
        request,
        "register.html",
        items=page.items,
        next_before=page.next_before,
        agenda=agenda,
        query=agenda.as_query(),
        units=units,
        status_labels=NASKAH_LABEL,
        registers=REGISTERS,
        domain=app.settings.mail.domain,
        unverified_label=UNVERIFIED_LABEL,
    )


def visible_page(
    app: App, viewer: Viewer, agenda: AgendaFilter, before: int | None, size: int = PAGE
) -> Page:
    """One page of the register as this viewer may see it: filtered, keyset-paged, SR/R
    rows masked for anyone who may not read them (the pages, the print view, the API)."""
    zone = app.settings.mail.timezone
    with app.db.read() as session:
        query = filtered(
            session, agenda, lambda q: visible(viewer, q), zone, viewer.kind != "pejabat"
        )
        page = page_of(session, query, before, zone, size)
    readable = readable_letters(app, viewer, [i["id"] for i in page.items])
    page.items = [i if readable.get(i["id"]) else redact_secret(i) for i in page.items]
    return page


def _register_page(
    app: App, viewer: Viewer, agenda: AgendaFilter, before: int | None
) -> tuple[Page, list[tuple[str, str]]]:
    page = visible_page(app, viewer, agenda, before)
    with app.db.read() as session:
        org = OrgAddresses.load(session, app.settings.mail.domain)
        units = [
            (code, name)
            for code, name in session.execute(
                visible_units(viewer, select(Unit.code, Unit.name).order_by(Unit.code))
            )
        ]
    for item in page.items:
        item["sender_unverified"] = org.claims_unproven(
            item["sender"], item.pop("auth_results", None) or {}
        )
    return page, units


async def register_csv(request: web.Request) -> web.StreamResponse:
    """Exactly the filtered rows as CSV, streamed (constant memory at any size)."""
    app = app_of(request)
    viewer = request[VIEWER]
    agenda = AgendaFilter.from_query(dict(request.query))
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="buku-agenda.csv"',
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=8)
    loop = asyncio.get_running_loop()
    stopped = threading.Event()

    def hand_over(chunk: bytes | None) -> bool:
        """Queue one chunk; False once the reader is gone (never blocks for good)."""
        while not stopped.is_set():
            future = asyncio.run_coroutine_threadsafe(queue.put(chunk), loop)
            try:
                future.result(timeout=1.0)
                return True
            except TimeoutError:
                if not future.cancel():  # it went in just as the wait ended
                    return True
        return False

    def produce() -> None:
        try:
            for chunk in _csv_chunks(app, viewer, agenda):
                if not hand_over(chunk):
                    return  # the download was aborted: end the read transaction now
        finally:
            hand_over(None)

    producer = asyncio.create_task(asyncio.to_thread(produce))
    try:
        while (chunk := await queue.get()) is not None:
            await response.write(chunk)
    finally:
        # A client that goes away mid-download must not leave the thread (and its
        # database transaction) waiting on a queue nobody reads.
        stopped.set()
        await producer
    await response.write_eof()
    return response


def export_items(app: App, viewer: Viewer, agenda: AgendaFilter) -> Iterator[dict[str, Any]]:
    """Every row the viewer may see under the filter, oldest first, SR/R masked for whoever
    may not read them, times as people read them (CSV and XLSX alike)."""
    zone = app.settings.mail.timezone
    with app.db.read() as session:
        query = filtered(
            session, agenda, lambda q: visible(viewer, q), zone, viewer.kind != "pejabat"
        )
        for item in every_row(session, query, zone):
            if item["sifat"]["keamanan"] in SECRET and viewer.kind != "pejabat":
                item = redact_secret(item)  # noqa: PLW2901 - the masked row replaces it
            item["received_at"] = timefmt.waktu(
                dt.datetime.fromisoformat(item["received_at"]), zone
            )
            yield item


def _csv_chunks(app: App, viewer: Viewer, agenda: AgendaFilter) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column for column, _ in AGENDA_COLUMNS])
    for item in export_items(app, viewer, agenda):
        writer.writerow(agenda_row(item))
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


async def register_print(request: web.Request) -> web.Response:
    """The filtered rows laid out like a paper buku agenda (at most 1,000 per print)."""
    app = app_of(request)
    viewer = request[VIEWER]
    agenda = AgendaFilter.from_query(dict(request.query))
    page, _ = await asyncio.to_thread(_print_rows, app, viewer, agenda)
    return page_response(request, "register_print.html", items=page.items, agenda=agenda)


def _print_rows(app: App, viewer: Viewer, agenda: AgendaFilter) -> tuple[Page, None]:
    page = visible_page(app, viewer, agenda, None, size=1000)
    page.items.reverse()  # a paper register runs oldest first
    return page, None


async def naskah_page(request: web.Request) -> web.Response:
    # Anything but a database-sized positive id is simply not a letter here (not a 500).
    naskah_id = record_id(request.match_info["naskah_id"])
    if naskah_id is None:
        raise web.HTTPNotFound()
    context = await _naskah_context(request, naskah_id)
    context["corrected"] = request.query.get("dikoreksi") == "1"
    return page_response(request, "naskah.html", **context)


async def _naskah_context(request: web.Request, naskah_id: int) -> dict[str, Any]:
    """Everything the letter page shows to this viewer (404 when it may not see it)."""
    app = app_of(request)
    viewer = request[VIEWER]
    detail = await asyncio.to_thread(
        naskah_detail, app.db, str(naskah_id), app.settings.mail.timezone
    )
    if detail is None:
        raise web.HTTPNotFound()
    readable = await asyncio.to_thread(readable_letters, app, viewer, [detail["id"]])
    if detail["id"] not in readable:
        raise web.HTTPNotFound()  # the same answer as for a letter that does not exist
    sender_unverified = await asyncio.to_thread(_sender_unverified, app, detail)
    t = Catalogue(language_of(request, app.settings.ui.language))
    zone = app.settings.mail.timezone
    where = await asyncio.to_thread(_whereabouts, app, detail["id"])
    item = detail if readable[detail["id"]] else redact_secret(detail)
    titles = await asyncio.to_thread(_position_titles, app)
    for disposition in item.get("dispositions", []):
        disposition["title"] = titles.get(disposition["to"], disposition["to"])
    return {
        "item": item,
        "readable": readable[detail["id"]],
        "may_correct": readable[detail["id"]] and viewer.can_edit,
        "tree": disposition_tree(item.get("dispositions", [])),
        "correctable": CORRECTABLE,
        "speeds": KECEPATAN,
        "sender_unverified": sender_unverified,
        "unverified_label": UNVERIFIED_LABEL,
        "verdict": sender_verdict(detail.get("auth_results") or {}, detail.get("sender"), t),
        # File names of an SR/R letter are not shown to whoever may not read it.
        "signatures": signature_lines(detail.get("auth_results") or {}, t, zone)
        if readable[detail["id"]]
        else [],
        "where": where,
        "titles": titles,
    }


def _position_titles(app: App) -> dict[str, str]:
    with app.db.read() as session:
        rows = session.execute(select(Position.handle, Position.title))
        return {handle: title for handle, title in rows}


async def naskah_sheet(request: web.Request) -> web.Response:
    """The lembar disposisi to print: the letter's particulars, whom it went to with which
    instructions, notes, and room for the signature, as a pemda's paper form lays it out."""
    naskah_id = record_id(request.match_info["naskah_id"])
    if naskah_id is None:
        raise web.HTTPNotFound()
    context = await _naskah_context(request, naskah_id)
    app = app_of(request)
    item = context["item"]

    def load() -> tuple[str, list[tuple[str, str]]]:
        with app.db.read() as session:
            name = session.scalars(select(Unit.name).where(Unit.code == item["unit"])).first()
            vocabulary = session.execute(
                select(Instruction.code, Instruction.label)
                .where(Instruction.active.is_(True))
                .order_by(Instruction.code)
            )
            return name or item["unit"], [(code, label) for code, label in vocabulary]

    unit_name, instructions = await asyncio.to_thread(load)
    flat = item.get("dispositions", [])
    chosen = {code for d in flat for code in d.get("instructions", [])}
    return page_response(
        request,
        "lembar_disposisi.html",
        unit_name=unit_name,
        instructions=instructions,
        chosen=chosen,
        flat=flat,
        **context,
    )


def disposition_tree(dispositions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The dispositions as nested nodes ("children"), each under the one it came from."""
    nodes = {d["id"]: {**d, "children": []} for d in dispositions}
    roots: list[dict[str, Any]] = []
    for node in nodes.values():
        parent = nodes.get(node["parent_id"]) if node["parent_id"] else None
        (parent["children"] if parent is not None else roots).append(node)
    return roots


async def naskah_correct(request: web.Request) -> web.StreamResponse:
    """An operator's correction of the letter's fields, with a reason, into the audit."""
    app = app_of(request)
    viewer = request[VIEWER]
    naskah_id = record_id(request.match_info["naskah_id"])
    if naskah_id is None:
        raise web.HTTPNotFound()
    context = await _naskah_context(request, naskah_id)
    if not context["may_correct"]:
        raise web.HTTPForbidden(text="koreksi hanya oleh admin dan operator TU unit surat ini")
    form = await request.post()
    wanted = {name: form_text(form, name, 1000) for name in CORRECTABLE if name in form}
    reason = form_text(form, "alasan", 500)

    def apply() -> None:
        with app.db.write() as session:
            naskah = session.get_one(Naskah, naskah_id, with_for_update=True)
            if not may_read(session, viewer, naskah):  # checked again under the row lock
                raise CorrectionError("surat ini tidak dapat Anda koreksi")
            correct_naskah(session, naskah, wanted, viewer.name, reason, app.clock())

    try:
        await asyncio.to_thread(apply)
    except CorrectionError as err:
        return page_response(
            request, "naskah.html", status=422, error=str(err), wanted=wanted, **context
        )
    raise web.HTTPSeeOther(f"/naskah/{naskah_id}?dikoreksi=1")


def readable_letters(app: App, viewer: Viewer, ids: list[int]) -> dict[int, bool]:
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


# Sent with every answer: no framing, no sniffing, nothing loaded from elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; "
        "frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Add SECURITY_HEADERS to every answer just before its headers go out (errors and
    streamed downloads included); a handler that set its own (the body frame) keeps them."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


def register_routes(application: web.Application) -> None:
    application.router.add_get("/healthz", health, name="health")
    application.router.add_get("/", register_list, name="register")
    application.router.add_get("/agenda.csv", register_csv, name="agenda_csv")
    application.router.add_get("/agenda/cetak", register_print, name="agenda_print")
    application.router.add_get("/naskah/{naskah_id}", naskah_page, name="naskah")
    application.router.add_post("/naskah/{naskah_id}/koreksi", naskah_correct)
    application.router.add_get("/naskah/{naskah_id}/lembar-disposisi", naskah_sheet)
    application.router.add_get("/lacak/{token}", tracking_page, name="lacak")
    application.router.add_get("/v/{token}", verification_page, name="verifikasi")
    add_signing_routes(application)
