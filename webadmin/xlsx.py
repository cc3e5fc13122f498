"""The buku agenda as an XLSX workbook: exactly the filtered rows, written row by row to a
temporary file (XlsxWriter's constant_memory mode), every cell stored as plain text or
number so that nothing a sender wrote can become a formula or a link."""

from __future__ import annotations

import asyncio
import os
import tempfile
from typing import TYPE_CHECKING

import xlsxwriter
from aiohttp import web

from gateway.accounts.permissions import Viewer
from gateway.registry import AGENDA_COLUMNS, agenda_values
from gateway.search import AgendaFilter
from webadmin.appkey import app_of
from webadmin.auth import VIEWER

if TYPE_CHECKING:
    from gateway.app import App

# Column widths in characters, by column name (the rest get 14).
_WIDTHS = {"nomor_agenda": 22, "tanggal_diterima": 24, "pengirim": 28, "perihal": 48}


# Exports built at once; more would hold the panel's worker threads (every request's
# session lookup runs there too), so a further request is told to wait.
EXPORT_SLOTS: web.AppKey[asyncio.Semaphore] = web.AppKey("xlsx_export_slots", asyncio.Semaphore)
SLOTS = 2
MAX_ROWS = 1_048_575  # a worksheet's rows below the header


def write_workbook(
    path: str, app: App, viewer: Viewer, agenda: AgendaFilter, max_rows: int = MAX_ROWS
) -> int:
    """Write the viewer's filtered register to `path`; the number of letters written. A
    register longer than a worksheet is cut there, with a note saying so on a second sheet."""
    from webadmin.views import export_items

    workbook = xlsxwriter.Workbook(
        path,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    sheet = workbook.add_worksheet("Buku Agenda")
    bold = workbook.add_format({"bold": True, "bg_color": "#F3F5F7"})
    for column, (name, _) in enumerate(AGENDA_COLUMNS):
        sheet.set_column(column, column, _WIDTHS.get(name, 14))
        sheet.write_string(0, column, name, bold)
    sheet.freeze_panes(1, 0)
    written, cut = 0, False
    for item in export_items(app, viewer, agenda):
        if written == max_rows:
            cut = True
            break
        written += 1
        for column, value in enumerate(agenda_values(item)):
            if isinstance(value, int) and not isinstance(value, bool):
                sheet.write_number(written, column, value)
            else:
                sheet.write_string(written, column, str(value)[:32767])  # a cell's limit
    sheet.autofilter(0, 0, max(written, 1), len(AGENDA_COLUMNS) - 1)
    if cut:
        note = workbook.add_worksheet("Catatan")
        note.write_string(0, 0, f"Dipotong pada {max_rows} surat: unduh CSV untuk semuanya.")
    workbook.close()
    return written


def _build(app: App, viewer: Viewer, agenda: AgendaFilter) -> str:
    """The workbook in a new private temporary file (removed again if writing fails)."""
    handle, path = tempfile.mkstemp(prefix="tnde-agenda-", suffix=".xlsx")
    os.close(handle)
    try:
        write_workbook(path, app, viewer, agenda)
    except BaseException:
        os.unlink(path)
        raise
    return path


async def register_xlsx(request: web.Request) -> web.StreamResponse:
    """Download the filtered register as buku-agenda.xlsx (at most SLOTS at a time)."""
    app = app_of(request)
    viewer = request[VIEWER]
    agenda = AgendaFilter.from_query(dict(request.query))
    slots = request.app[EXPORT_SLOTS]
    if slots.locked():
        raise web.HTTPTooManyRequests(
            text="Ekspor lain sedang dibuat; coba lagi sebentar lagi.",
            headers={"Retry-After": "10"},
        )
    async with slots:
        # Shielded: the thread finishes (and its file is removed) even if this request
        # is cancelled, e.g. at shutdown; nothing is left behind in the temporary folder.
        building = asyncio.ensure_future(asyncio.to_thread(_build, app, viewer, agenda))
        try:
            path = await asyncio.shield(building)
        except asyncio.CancelledError:
            building.add_done_callback(_remove_result)
            raise
    try:
        response = web.StreamResponse(
            headers={
                "Content-Type": (
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                ),
                "Content-Disposition": 'attachment; filename="buku-agenda.xlsx"',
                "Cache-Control": "no-store",
            }
        )
        await response.prepare(request)
        with open(path, "rb") as stream:
            while chunk := stream.read(256 * 1024):
                await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        os.unlink(path)


def _remove_result(done: asyncio.Future[str]) -> None:
    if not done.cancelled() and done.exception() is None:
        os.unlink(done.result())


def add_routes(application: web.Application) -> None:
    application[EXPORT_SLOTS] = asyncio.Semaphore(SLOTS)
    application.router.add_get("/agenda.xlsx", register_xlsx)
