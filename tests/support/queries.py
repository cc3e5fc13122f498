"""Small read helpers for assertions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from gateway.app import App
from gateway.db.models import Inbound, Naskah, Outbox


def count(app: App, model: Any, *where: Any) -> int:
    with app.db.read() as session:
        query = select(func.count()).select_from(model).where(*where)
        return int(session.execute(query).scalar_one())


def inbound_rows(app: App) -> list[Inbound]:
    with app.db.read() as session:
        return list(session.scalars(select(Inbound).order_by(Inbound.id)))


def naskah_rows(app: App) -> list[Naskah]:
    with app.db.read() as session:
        return list(session.scalars(select(Naskah).order_by(Naskah.id)))


def outbox_rows(app: App, kind: str | None = None) -> list[Outbox]:
    with app.db.read() as session:
        query = select(Outbox).order_by(Outbox.id)
        if kind:
            query = query.where(Outbox.kind == kind)
        return list(session.scalars(query))


def settled(app: App) -> bool:
    """No message is waiting for or in the pipeline."""
    return count(app, Inbound, Inbound.state.in_(("received", "processing"))) == 0


def latest_inbound(app: App) -> tuple[Inbound, Naskah | None]:
    """The newest inbound message and the naskah it became (None when it did not)."""
    with app.db.read() as session:
        inbound = session.scalars(select(Inbound).order_by(Inbound.id.desc())).first()
        assert inbound is not None
        naskah = session.scalars(select(Naskah).where(Naskah.inbound_id == inbound.id)).first()
        session.expunge_all()
    return inbound, naskah
