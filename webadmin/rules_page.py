"""Aturan: the routing rules in order, their history with rollback, and changes made in
the expert YAML view, saved only after a dry run over recent letters showed what changes.

Everyone who may use the desk reads the rules; only admins change them.
"""

from __future__ import annotations

import asyncio
import difflib
from typing import TYPE_CHECKING, Any

import yaml
from aiohttp import web

from gateway.routing.cache import compile_routing
from gateway.routing.dryrun import Comparison, changes, compare_recent, describe
from gateway.routing.store import (
    current_document,
    document_of,
    history,
    rollback,
    save_version,
)
from gateway.routing.vocab import vocabulary_from_db
from rules.errors import RuleError
from rules.loader import compile_document
from webadmin.appkey import app_of
from webadmin.auth import VIEWER
from webadmin.params import form_text, record_id
from webadmin.previewed import digest, posted_text, same_as_previewed

if TYPE_CHECKING:
    from gateway.app import App

DRY_RUN_LETTERS = 50
MAX_YAML = 200_000


def _reader(request: web.Request) -> None:
    if not request[VIEWER].can_edit and request[VIEWER].kind != "pimpinan":
        raise web.HTTPForbidden(text="halaman ini untuk admin, operator dan pimpinan")


def _admin(request: web.Request) -> str:
    viewer = request[VIEWER]
    if not viewer.is_admin:
        raise web.HTTPForbidden(text="hanya admin yang dapat mengubah aturan")
    return viewer.name


async def rules_page(request: web.Request) -> web.Response:
    from webadmin.views import page_response

    _reader(request)
    app = app_of(request)

    def load() -> tuple[int | None, dict[str, Any], list[Any]]:
        with app.db.read() as session:
            version, document = current_document(session)
            return version, document, history(session)

    version, document, versions = await asyncio.to_thread(load)
    return page_response(
        request,
        "aturan.html",
        version=version,
        rules=document.get("rules") or [],
        versions=versions,
        message=_message(request.query),
    )


async def version_diff(request: web.Request) -> web.Response:
    """What one version changed against the one before it, as a unified diff of YAML."""
    from webadmin.views import page_response

    _reader(request)
    app = app_of(request)
    version = record_id(request.match_info["version"])
    if version is None:
        raise web.HTTPNotFound()

    def load() -> tuple[str, str]:
        with app.db.read() as session:
            after = document_of(session, version)
            before = document_of(session, version - 1) if version > 1 else {"rules": []}
        return _yaml(before), _yaml(after)

    try:
        before, after = await asyncio.to_thread(load)
    except LookupError:
        raise web.HTTPNotFound() from None
    lines = list(
        difflib.unified_diff(
            before.splitlines(),
            after.splitlines(),
            f"versi {version - 1}",
            f"versi {version}",
            lineterm="",
        )
    )
    return page_response(request, "aturan_beda.html", version=version, lines=lines)


def _yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


async def edit_page(request: web.Request) -> web.Response:
    from webadmin.views import page_response

    _admin(request)
    app = app_of(request)

    def load() -> str:
        with app.db.read() as session:
            _, document = current_document(session)
        return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)

    text = await asyncio.to_thread(load)
    return page_response(request, "aturan_ubah.html", text=text, comment="", error="")


async def dry_run(request: web.Request) -> web.Response:
    """Validate the YAML, then show what the last letters would get: current vs this."""
    _admin(request)
    form = await request.post()
    text = posted_text(form, MAX_YAML)
    return await dry_run_response(request, text, form_text(form, "komentar", 500))


async def dry_run_response(request: web.Request, text: str, comment: str) -> web.Response:
    """The dry-run page for a candidate document (from the YAML view or the form)."""
    from webadmin.views import page_response

    app = app_of(request)
    try:
        document = _parse(text)
        comparisons = await asyncio.to_thread(_compare, app, document)
    except RuleError as err:
        return page_response(
            request, "aturan_ubah.html", text=text, comment=comment, error=str(err), status=422
        )
    rows = [_row(c) for c in comparisons if c.changed]
    return page_response(
        request,
        "aturan_uji.html",
        text=text,
        comment=comment,
        checked=len(comparisons),
        rows=rows,
        digest=digest(request, "aturan", text),
    )


async def save(request: web.Request) -> web.StreamResponse:
    """Save exactly the text that was dry-run (its digest proves it), as a new version."""
    author = _admin(request)
    app = app_of(request)
    form = await request.post()
    text = posted_text(form, MAX_YAML)
    if not same_as_previewed(request, "aturan", text, form):
        raise web.HTTPBadRequest(text="aturan berubah setelah uji coba: uji coba lagi dulu")
    comment = form_text(form, "komentar", 500) or "diubah dari panel"

    def store() -> int:
        with app.db.write() as session:
            return save_version(session, _parse(text), author, comment, app.clock())

    try:
        version = await asyncio.to_thread(store)
    except RuleError as err:
        raise web.HTTPBadRequest(text=f"aturan ditolak: {err}") from err
    raise web.HTTPSeeOther(f"/aturan?disimpan={version}")


async def roll_back(request: web.Request) -> web.StreamResponse:
    author = _admin(request)
    app = app_of(request)
    text = request.match_info["version"]
    if record_id(text) is None:
        raise web.HTTPNotFound()

    def restore() -> int:
        with app.db.write() as session:
            return rollback(session, int(text), author, app.clock())

    try:
        version = await asyncio.to_thread(restore)
    except (LookupError, RuleError) as err:
        raise web.HTTPBadRequest(text=f"rollback ditolak: {err}") from err
    raise web.HTTPSeeOther(f"/aturan?dipulihkan={int(text)}&versi={version}")


def _message(query: Any) -> str:
    """The notice after a save or rollback, built from version numbers only: a link cannot
    put words of its own on the page."""
    saved, restored, version = (
        record_id(query.get(key, "")) for key in ("disimpan", "dipulihkan", "versi")
    )
    if saved:
        return f"Versi {saved} disimpan dan berlaku."
    if restored and version:
        return f"Versi {restored} berlaku lagi sebagai versi {version}."
    return ""


def _parse(text: str) -> dict[str, Any]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise RuleError(f"YAML tidak dapat dibaca: {err}") from err
    if not isinstance(document, dict):
        raise RuleError("dokumen aturan harus berupa tabel dengan kunci 'rules'")
    return document


def _compare(app: App, document: dict[str, Any]) -> list[Comparison]:
    """The recent letters under the current and the candidate rules. SR/R letters are left
    out: whether a probe rule matches one would say what the secret letter contains."""
    settings = app.settings
    with app.db.read() as session:
        vocabulary = vocabulary_from_db(session)
        compile_document(document, vocabulary)  # refused exactly as a save would be
        version, current_doc = current_document(session)
        current = compile_routing(current_doc, vocabulary, version)
        candidate = compile_routing(document, vocabulary, None)
        return list(
            compare_recent(
                session,
                DRY_RUN_LETTERS,
                current,
                candidate,
                app.directory_for(session),
                app.ctx.limits,
                settings.mail.timezone,
                app.sender_trust,
                without_secret=True,
                pdf_signatures=app.pdf_signatures,
            )
        )


def _row(comparison: Comparison) -> dict[str, Any]:
    return {
        "naskah_id": comparison.naskah_id,
        "agenda_number": comparison.agenda_number,
        "perihal": comparison.perihal,
        "current_rules": ", ".join(comparison.current_rules) or "-",
        "candidate_rules": ", ".join(comparison.candidate_rules) or "-",
        "changes": [
            (field, describe(before), describe(after))
            for field, before, after in changes(comparison)
        ],
    }


def add_routes(application: web.Application) -> None:
    application.router.add_get("/aturan", rules_page)
    application.router.add_get("/aturan/ubah", edit_page)
    application.router.add_get("/aturan/versi/{version}", version_diff)
    application.router.add_post("/aturan/uji", dry_run)
    application.router.add_post("/aturan/simpan", save)
    application.router.add_post("/aturan/kembali/{version}", roll_back)
