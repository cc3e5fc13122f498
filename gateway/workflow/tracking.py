"""Tracking for the sending agency: the receipt's link, what the page and STATUS show.

What an agency may learn: its agenda number, when the letter was received, registered,
disposed (to which unit or bidang, never to whom), taken up and closed, and the reason
when it was returned. Nothing of the content, no names, no internal notes; for SR/R
letters only the number and the dates. Only the address the receipt went to is ever
answered: a token binds the letter to it, and it is where every answer goes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.core.states import NaskahStatus
from gateway.core.tokens import TokenError, TrackingClaim, address_tag, read_tracking_token
from gateway.db.models import Disposition, Event, Naskah, Position, Unit

RECEIPT_EVENT = "receipt_queued"
_HEAD_PREFIX = "kepala "


@dataclass(frozen=True)
class Receipt:
    """Where the receipt went and whether the sender was proven when it did."""

    address: str
    verified: bool


@dataclass(frozen=True)
class Milestone:
    """One step a sender understands; `at` is None while it is still ahead."""

    key: str  # diterima | diregistrasi | didisposisikan | dalam_proses | selesai | ditolak
    at: dt.datetime | None
    detail: str = ""


@dataclass(frozen=True)
class TrackingView:
    """Everything the tracking page and a STATUS answer show, nothing more."""

    agenda_number: str
    received_at: dt.datetime
    unit_name: str  # "" for SR/R letters
    secret: bool
    status: str
    milestones: list[Milestone] = field(default_factory=list)


def receipt_of(session: Session, naskah: Naskah) -> Receipt | None:
    """The receipt that was queued for this letter (none: no link was ever given out)."""
    event = session.scalars(
        select(Event)
        .where(Event.naskah_id == naskah.id, Event.type == RECEIPT_EVENT)
        .order_by(Event.id)
    ).first()
    if event is None or not event.payload.get("to"):
        return None
    return Receipt(str(event.payload["to"]), bool(event.payload.get("sender_verified")))


def tracking_enabled(session: Session, settings: Settings, naskah: Naskah) -> bool:
    unit = session.get_one(Unit, naskah.unit_id)
    return settings.tracking.enabled_for(unit.code)


def find_tracked(
    session: Session, secret: bytes, settings: Settings, token: str, now: dt.datetime
) -> tuple[Naskah, Receipt] | None:
    """The letter a token tracks, or None for anything that must look unknown: a forged
    or malformed token (refused by its MAC before any lookup), a letter whose receipt
    went elsewhere, tracking switched off for its unit, or a link past its retention."""
    try:
        claim = read_tracking_token(secret, token)
    except TokenError:
        return None
    return tracked_letter(session, settings, claim, now)


def tracked_letter(
    session: Session, settings: Settings, claim: TrackingClaim, now: dt.datetime
) -> tuple[Naskah, Receipt] | None:
    naskah = session.get(Naskah, claim.naskah_id)
    if naskah is None:
        return None
    receipt = receipt_of(session, naskah)
    if receipt is None or address_tag(receipt.address) != claim.address_tag:
        return None
    if not tracking_enabled(session, settings, naskah):
        return None
    retention = dt.timedelta(days=settings.tracking.retention_days)
    if naskah.closed_at is not None and now - naskah.closed_at > retention:
        return None
    return naskah, receipt


def tracking_view(session: Session, naskah: Naskah) -> TrackingView:
    """The letter's milestones from its dispositions, as a sender may see them."""
    secret = naskah.is_secret
    unit = session.get_one(Unit, naskah.unit_id)
    dispositions = list(
        session.scalars(
            select(Disposition)
            .where(Disposition.naskah_id == naskah.id, Disposition.kind == "disposisi")
            .order_by(Disposition.id)
        )
    )
    milestones = [
        Milestone("diterima", naskah.received_at),
        Milestone("diregistrasi", naskah.registered_at),
    ]
    disposed_at = min((d.created_at for d in dispositions), default=None)
    live = [d for d in dispositions if d.status != "cancelled"]
    offices = "" if secret else _offices(session, unit, live)
    milestones.append(Milestone("didisposisikan", disposed_at, offices))
    milestones.append(Milestone("dalam_proses", _taken_up(naskah, dispositions)))
    if naskah.status == NaskahStatus.DITOLAK:
        # The officials' refusal notes are internal (and may name people): the agency
        # learns that the letter went back, not why.
        milestones.append(Milestone("ditolak", naskah.closed_at))
    else:
        done = [d for d in dispositions if d.status == "done"]
        by = "" if secret else _offices(session, unit, done)
        closed = naskah.closed_at if naskah.status == NaskahStatus.SELESAI else None
        milestones.append(Milestone("selesai", closed, by))
    return TrackingView(
        naskah.agenda_number,
        naskah.received_at,
        "" if secret else unit.name,
        secret,
        naskah.status,
        milestones,
    )


def _taken_up(naskah: Naskah, dispositions: list[Disposition]) -> dt.datetime | None:
    """When someone first read, answered, forwarded or closed a disposition."""
    if naskah.status in (NaskahStatus.BARU, NaskahStatus.DIDISPOSISIKAN):
        return None
    moments = [d.read_at for d in dispositions if d.read_at is not None]
    moments += [d.done_at for d in dispositions if d.done_at is not None]
    moments += [d.created_at for d in dispositions if d.parent_id is not None]
    return min(moments, default=naskah.closed_at)


def office_of(position: Position, unit: Unit) -> str:
    """Which unit or bidang a position stands for, without naming a person: the head of
    a unit is the unit; "Kepala Bidang P2P" is "Bidang P2P"; anyone else is their unit."""
    if position.is_head:
        return unit.name
    if position.title.lower().startswith(_HEAD_PREFIX):
        return position.title[len(_HEAD_PREFIX) :].strip()
    return unit.name


def _offices(session: Session, unit: Unit, dispositions: list[Disposition]) -> str:
    names: list[str] = []
    for item in dispositions:
        position = session.get_one(Position, item.to_position_id)
        position_unit = (
            unit if position.unit_id == unit.id else session.get_one(Unit, position.unit_id)
        )
        name = office_of(position, position_unit)
        if name not in names:
            names.append(name)
    return ", ".join(names)
