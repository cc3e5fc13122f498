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
from webadmin.auth import VIEWER

if TYPE_CHECKING:
    from gateway.app import App

# Column widths in characters, by column name (the rest get 14).
_WIDTHS = {"nomor_agenda": 22, "tanggal_diterima": 24, "pengirim": 28, "perihal": 48}


def _app(request: web.Request) -> App:
    from webadmin.app import APP_KEY

    return request.app[APP_KEY]


def write_workbook(path: str, app: App, viewer: Viewer, agenda: AgendaFilter) -> int:
    """Write the viewer's filtered register to `path`; the number of letters written."""
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
    written = 0
    for item in export_items(app, viewer, agenda):
        written += 1
        for column, value in enumerate(agenda_values(item)):
            if isinstance(value, int) and not isinstance(value, bool):
                sheet.write_number(written, column, value)
            else:
                sheet.write_string(written, column, str(value))
    sheet.autofilter(0, 0, max(written, 1), len(AGENDA_COLUMNS) - 1)
    workbook.close()
    return written


async def register_xlsx(request: web.Request) -> web.StreamResponse:
    """Download the filtered register as buku-agenda.xlsx."""
    app = _app(request)
    viewer = request[VIEWER]
    agenda = AgendaFilter.from_query(dict(request.query))
    handle, path = tempfile.mkstemp(prefix="tnde-agenda-", suffix=".xlsx")
    os.close(handle)
    try:
        await asyncio.to_thread(write_workbook, path, app, viewer, agenda)
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


def add_routes(application: web.Application) -> None:
    application.router.add_get("/agenda.xlsx", register_xlsx)
