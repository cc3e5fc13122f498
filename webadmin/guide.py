"""Panduan pejabat, /panduan: the reply commands on one printable A4 page, from the registry.

Decision: the page is public (no sign-in). It holds no letter data, only how to answer a
notice, and officials open it from a phone or print it for the desk; the PDF in
docs/id/panduan-pejabat.pdf is this page printed (tools/build_guide_pdf.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from gateway.catalogue import Catalogue
from gateway.workflow.commands import COMMANDS, EXAMPLES, CommandSpec, mailto_commands
from webadmin.appkey import app_of
from webadmin.language import language_of

PATH = "/panduan"
# How the page groups the registry's commands, and the catalogue key of each group. A
# command the registry has and no group names is shown in the last group, so a new
# command is on the page the day it is added (tests/test_guide.py asks for its text).
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("guide.group.incoming", ("TERIMA", "DISPOSISI", "SELESAI", "TANGGAPAN", "TOLAK", "BATAL")),
    ("guide.group.drafts", ("SETUJU", "REVISI", "KIRIM", "TAUTAN")),
    ("guide.group.other", ("STATUS", "BANTUAN", "KONFIRMASI")),
)
# What each command is for, in words an official reads (gateway/data/messages/guide.toml).
PURPOSE = {
    "TERIMA": "guide.cmd.terima",
    "DISPOSISI": "guide.cmd.disposisi",
    "SELESAI": "guide.cmd.selesai",
    "TANGGAPAN": "guide.cmd.tanggapan",
    "TOLAK": "guide.cmd.tolak",
    "BATAL": "guide.cmd.batal",
    "SETUJU": "guide.cmd.setuju",
    "REVISI": "guide.cmd.revisi",
    "KIRIM": "guide.cmd.kirim",
    "TAUTAN": "guide.cmd.tautan",
    "STATUS": "guide.cmd.status",
    "BANTUAN": "guide.cmd.bantuan",
    "KONFIRMASI": "guide.cmd.konfirmasi",
}
# The lines a DISPOSISI may carry below it, shown with the registry's own examples.
DISPOSISI_LINES = ("instruksi", "batas", "catatan")
_COLUMNS = re.compile(r"\s{2,}")


@dataclass(frozen=True)
class Entry:
    """One command as the page shows it."""

    name: str
    form: str  # "DISPOSISI <tujuan>", the first column of its BANTUAN text
    aliases: tuple[str, ...]
    purpose: str
    example: str


def form_of(spec: CommandSpec) -> str:
    """The written form from the command's BANTUAN line: 'TOLAK <alasan>'."""
    first = spec.help.strip().splitlines()[0]
    return _COLUMNS.split(first)[0].strip()


def entries(t: Catalogue) -> list[tuple[str, list[Entry]]]:
    """(group title, commands) in page order; every command of the registry exactly once."""
    specs = {spec.name: spec for spec in COMMANDS}
    placed = {name for _, names in GROUPS for name in names}
    groups = [(key, [n for n in names if n in specs]) for key, names in GROUPS]
    groups[-1][1].extend(spec.name for spec in COMMANDS if spec.name not in placed)
    return [(t(key), [_entry(specs[name], t) for name in names]) for key, names in groups if names]


def _entry(spec: CommandSpec, t: Catalogue) -> Entry:
    key = PURPOSE.get(spec.name)
    purpose = t(key) if key else spec.help.strip().splitlines()[0][len(form_of(spec)) :].strip()
    return Entry(
        name=spec.name,
        form=form_of(spec),
        aliases=tuple(alias.upper() for alias in spec.aliases),
        purpose=purpose,
        example=spec.example,
    )


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("webadmin", "templates"), autoescape=select_autoescape(default=True)
    )


def guide_html(t: Catalogue) -> str:
    """The whole page; the same HTML the panel serves and the PDF is printed from."""
    lines = [EXAMPLES[key] for key in DISPOSISI_LINES]
    buttons = ", ".join(label for label, _ in mailto_commands())
    return (
        _environment()
        .get_template("panduan.html")
        .render(t=t, groups=entries(t), disposisi_lines=lines, buttons=buttons)
    )


async def guide_page(request: web.Request) -> web.Response:
    """GET /panduan: public, in the browser's chosen language, else [ui] language."""
    default = app_of(request).settings.ui.language
    t = Catalogue(language_of(request, default))
    response = web.Response(text=guide_html(t), content_type="text/html")
    response.headers["Content-Language"] = t.language
    return response


def add_routes(application: web.Application) -> None:
    application.router.add_get(PATH, guide_page, name="panduan")
