"""Jejak audit (admins): the audit trail newest first, filtered by type, actor, channel,
letter and date, keyset-paged, and a check that recomputes every hash chain."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select

from gateway.audit import verify_all
from gateway.db.models import Event, Naskah
from gateway.entry import iso
from gateway.registry import SECRET_LEVELS, find_naskah
from webadmin.appkey import app_of
from webadmin.auth import VIEWER
from webadmin.params import clean_text, record_id

if TYPE_CHECKING:
    from gateway.app import App

PAGE = 100
CHANNELS = ("email", "web", "rule", "system", "cli")


@dataclass(frozen=True)
class AuditFilter:
    """What an admin narrows the trail by (all optional)."""

    type: str = ""
    actor: str = ""
    channel: str = ""
    naskah: str = ""  # agenda number or id
    day: dt.date | None = None

    @classmethod
    def from_query(cls, query: Any) -> AuditFilter:
        try:
            day: dt.date | None = dt.date.fromisoformat(clean_text(query.get("tanggal", ""), 10))
        except ValueError:
            day = None
        channel = clean_text(query.get("saluran", ""), 16)
        return cls(
            type=clean_text(query.get("jenis", ""), 48),
            actor=clean_text(query.get("pelaku", ""), 255),
            channel=channel if channel in CHANNELS else "",
            naskah=clean_text(query.get("naskah", ""), 64),
            day=day if day and dt.date(1900, 1, 1) <= day <= dt.date(2199, 12, 31) else None,
        )

    def as_query(self) -> dict[str, str]:
        pairs = {
            "jenis": self.type,
            "pelaku": self.actor,
            "saluran": self.channel,
            "naskah": self.naskah,
            "tanggal": self.day.isoformat() if self.day else "",
        }
        return {key: value for key, value in pairs.items() if value}


def _admin(request: web.Request) -> None:
    if not request[VIEWER].is_admin:
        raise web.HTTPForbidden(text="jejak audit hanya untuk admin")


def audit_rows(
    app: App, wanted: AuditFilter, before: int | None
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of events, newest first, and the key of the next page. Events of an SR/R
    letter show no payload: an admin sees who did what, never what the letter says."""
    zone = app.settings.mail.timezone
    with app.db.read() as session:
        query = select(Event, Naskah.agenda_number, Naskah.sifat_keamanan).outerjoin(
            Naskah, Event.naskah_id == Naskah.id
        )
        if wanted.type:
            query = query.where(Event.type == wanted.type)
        if wanted.actor:
            query = query.where(Event.actor == wanted.actor)
        if wanted.channel:
            query = query.where(Event.channel == wanted.channel)
        if wanted.naskah:
            found = find_naskah(session, wanted.naskah)
            query = query.where(Event.naskah_id == (found[0].id if found else -1))
        if wanted.day:
            start = dt.datetime.combine(wanted.day, dt.time(), ZoneInfo(zone))
            query = query.where(
                Event.created_at >= start.astimezone(dt.UTC),
                Event.created_at < (start + dt.timedelta(days=1)).astimezone(dt.UTC),
            )
        if before:
            query = query.where(Event.id < before)
        rows = session.execute(query.order_by(Event.id.desc()).limit(PAGE + 1)).all()
        items = [
            {
                "id": event.id,
                "at": iso(event.created_at, zone),
                "type": event.type,
                "actor": event.actor,
                "channel": event.channel,
                "naskah_id": event.naskah_id,
                "agenda_number": agenda_number,
                "payload": {} if sifat in SECRET_LEVELS else event.payload,
                "masked": sifat in SECRET_LEVELS,
            }
            for event, agenda_number, sifat in rows[:PAGE]
        ]
    return items, (rows[PAGE - 1][0].id if len(rows) > PAGE else None)


async def audit_page(request: web.Request) -> web.Response:
    from webadmin.views import page_response

    _admin(request)
    app = app_of(request)
    wanted = AuditFilter.from_query(request.query)
    before = record_id(request.query.get("sebelum", ""))
    items, next_before = await asyncio.to_thread(audit_rows, app, wanted, before)
    return page_response(
        request,
        "jejak.html",
        items=items,
        next_before=next_before,
        wanted=wanted,
        query=wanted.as_query(),
        channels=CHANNELS,
    )


async def verify_page(request: web.Request) -> web.Response:
    """Recompute every chain now and show the result (as `tnde audit verify`)."""
    from webadmin.views import page_response

    _admin(request)
    app = app_of(request)

    def verify() -> tuple[int, list[Any]]:
        with app.db.read() as session:
            return verify_all(session)

    chains, problems = await asyncio.to_thread(verify)
    items, next_before = await asyncio.to_thread(audit_rows, app, AuditFilter(), None)
    return page_response(
        request,
        "jejak.html",
        items=items,
        next_before=next_before,
        wanted=AuditFilter(),
        query={},
        channels=CHANNELS,
        verified={"chains": chains, "problems": problems},
    )


def add_routes(application: web.Application) -> None:
    application.router.add_get("/jejak", audit_page)
    application.router.add_post("/jejak/periksa", verify_page)
