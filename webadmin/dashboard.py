"""Dasbor: counters per unit and the pictures people would rather look at than read."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy import select

from gateway.accounts.permissions import Viewer, visible, visible_units
from gateway.core.states import APPROVAL_KINDS, OPEN, DispositionStatus
from gateway.db.models import Disposition, Naskah, Position, Unit
from gateway.timefmt import local
from webadmin.appkey import app_of
from webadmin.auth import VIEWER
from webadmin.desk import failed_outbox_count, quarantined_count

if TYPE_CHECKING:
    from gateway.app import App

DAYS = 30
# One colour per unit in the chart, in order (readable on white, distinct in greyscale).
PALETTE = ("#1f5f99", "#d9822b", "#3a8f4b", "#a63d40", "#6b4c9a", "#8c6d1f", "#2b8c8c")


@dataclass
class UnitCounts:
    code: str
    name: str
    today: int = 0
    week: int = 0
    unread: int = 0
    not_acted: int = 0
    overdue: int = 0


@dataclass
class Dashboard:
    units: list[UnitCounts]
    quarantined: int
    outbox_failed: int
    days: list[dt.date]
    per_day: dict[str, list[int]]  # unit code -> count per day, oldest first
    by_state: list[tuple[str, int]]
    overdue_by_position: list[tuple[str, int]]
    # Konsep (surat keluar drafts) waiting for each approver's paraf or signature.
    drafts_waiting: list[tuple[str, int]] = field(default_factory=list)
    colours: dict[str, str] = field(default_factory=dict)

    @property
    def peak(self) -> int:
        totals = [sum(day) for day in zip(*self.per_day.values(), strict=True)] or [0]
        return int(max(1, *totals))


def build(app: App, viewer: Viewer) -> Dashboard:
    """Everything the page shows, for the letters this viewer may see."""
    now = app.clock()
    zone = app.settings.mail.timezone
    today = local(now, zone).date()
    days = [today - dt.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    week_start = today - dt.timedelta(days=today.weekday())
    with app.db.read() as session:
        units = {
            u.id: UnitCounts(u.code, u.name)
            for u in session.scalars(visible_units(viewer, select(Unit).order_by(Unit.code)))
            if u.active
        }
        since = dt.datetime.combine(days[0], dt.time(), local(now, zone).tzinfo)
        letters = session.execute(
            visible(viewer, select(Naskah.unit_id, Naskah.received_at)).where(
                Naskah.received_at >= since.astimezone(dt.UTC), Naskah.kind != "konsep"
            )
        ).all()
        per_day: dict[str, list[int]] = defaultdict(lambda: [0] * DAYS)
        for unit_id, received in letters:
            counts = units.get(unit_id)
            if counts is None:
                continue
            day = local(received, zone).date()
            per_day[counts.code][(day - days[0]).days] += 1
            counts.today += day == today
            counts.week += day >= week_start
        dispositions = session.execute(
            select(Disposition, Naskah.unit_id, Position.title)
            .join(Naskah, Disposition.naskah_id == Naskah.id)
            .join(Position, Disposition.to_position_id == Position.id)
            .where(
                Disposition.kind == "disposisi",
                Naskah.id.in_(visible(viewer, select(Naskah.id))),
            )
        ).all()
        states: Counter[str] = Counter()
        overdue_positions: Counter[str] = Counter()
        for disposition, unit_id, title in dispositions:
            states[disposition.status] += 1
            counts = units.get(unit_id)
            is_open = disposition.status in OPEN
            late = is_open and disposition.due_at is not None and disposition.due_at < now
            if late:
                overdue_positions[title] += 1
            if counts is None:
                continue
            counts.unread += disposition.status == DispositionStatus.SENT
            counts.not_acted += disposition.status in (
                DispositionStatus.SENT,
                DispositionStatus.READ,
            )
            counts.overdue += late
        waiting = Counter(
            title
            for (title,) in session.execute(
                select(Position.title)
                .join(Disposition, Disposition.to_position_id == Position.id)
                .where(
                    Disposition.kind.in_(APPROVAL_KINDS),
                    Disposition.status.in_(OPEN),
                    Disposition.naskah_id.in_(visible(viewer, select(Naskah.id))),
                )
            )
        )
        quarantined = outbox_failed = 0
        if viewer.can_edit:  # counted as the desk pages list them: the viewer's units
            quarantined = quarantined_count(session, viewer)
            outbox_failed = failed_outbox_count(session, viewer)
    codes = sorted(per_day)
    return Dashboard(
        units=list(units.values()),
        quarantined=int(quarantined),
        outbox_failed=int(outbox_failed),
        days=days,
        per_day={code: per_day[code] for code in codes},
        by_state=sorted(states.items(), key=lambda item: -item[1]),
        overdue_by_position=overdue_positions.most_common(10),
        drafts_waiting=waiting.most_common(10),
        colours={code: PALETTE[i % len(PALETTE)] for i, code in enumerate(codes)},
    )


async def dashboard_page(request: web.Request) -> web.Response:
    from webadmin.views import page_response

    app = app_of(request)
    data = await asyncio.to_thread(build, app, request[VIEWER])
    return page_response(request, "dasbor.html", data=data)


def add_routes(application: web.Application) -> None:
    application.router.add_get("/dasbor", dashboard_page)
