"""Turn a routing decision into disposition rows and notices, in the registering transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.core.calendar import BusinessCalendar, resolve_spec
from gateway.core.prepared import LetterForUnit, Prepared
from gateway.core.states import DispositionStatus, NaskahStatus
from gateway.db.models import Disposition, Naskah, Position, Unit
from gateway.routing.targets import resolve_targets
from gateway.services import Services
from gateway.workflow.notices import NoticeSource, queue_notices
from rules.model import Decision


def calendar_for(session: Session, ctx: Services) -> BusinessCalendar:
    """Weekends, the holidays in the database (cached per org version) and the
    configured local ones."""
    settings = ctx.settings
    days = ctx.org.snapshot(session).holidays
    local_days = settings.workflow.local_holiday_dates()
    return BusinessCalendar(days | local_days, settings.mail.timezone)


def registrar_of(session: Session, unit: Unit) -> Position | None:
    return session.scalars(
        select(Position).where(
            Position.unit_id == unit.id, Position.is_registrar, Position.active.is_(True)
        )
    ).first()


def dispose(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    unit: Unit,
    disposition: Disposition,
    position: Position,
    source: NoticeSource,
    actor: str,
    now: dt.datetime,
    actor_person_id: int | None = None,
) -> Disposition:
    """Store a new disposition, put it on the timeline, and notify today's holders."""
    session.add(disposition)
    session.flush()
    record_event(
        session,
        type="disposed",
        actor=actor,
        channel=disposition.channel,
        now=now,
        naskah_id=naskah.id,
        disposition_id=disposition.id,
        actor_person_id=actor_person_id,
        payload={
            "to": position.handle,
            "kind": disposition.kind,
            "instructions": list(disposition.instructions),
            "note": disposition.note,
            "due_at": disposition.due_at.isoformat() if disposition.due_at else None,
        },
    )
    queue_notices(session, ctx, naskah, unit, disposition, position, source, now)
    return disposition


def apply_decision(
    session: Session,
    ctx: Services,
    naskah: Naskah,
    unit: Unit,
    decision: Decision,
    prepared: Prepared,
    letter: LetterForUnit,
    now: dt.datetime,
) -> list[Disposition]:
    """Create dispositions (given by the unit's TU desk on behalf of the rule) and notices."""
    if decision.ignore:
        record_event(
            session,
            type="routed",
            actor="rules",
            channel="rule",
            now=now,
            naskah_id=naskah.id,
            payload={"ignored": True, "hits": decision.hits},
        )
        return []
    settings = ctx.settings
    calendar = calendar_for(session, ctx)
    registrar = registrar_of(session, unit)
    rule_names = [hit["rule"] for hit in decision.hits]
    source = NoticeSource(
        disposed_by=registrar.title if registrar else unit.name,
        registrar=registrar,
        files=lambda: [
            (a.filename, a.sniffed_type or a.declared_type, a.data) for a in prepared.parsed.files
        ],
        rules=rule_names,
    )
    created = []
    for target in resolve_targets(session, decision, unit, letter):
        due_at = None
        if target.kind == "disposisi":
            spec = resolve_spec(target.due_spec, naskah.kecepatan, settings.workflow.sla())
            due_at = calendar.due(spec, now)
        disposition = Disposition(
            naskah_id=naskah.id,
            kind=target.kind,
            from_position_id=registrar.id if registrar else None,
            to_position_id=target.position.id,
            instructions=list(target.instructions),
            note=target.note,
            due_at=due_at,
            status=DispositionStatus.SENT,
            channel="rule",
            created_at=now,
        )
        actor = f"aturan: {', '.join(rule_names) or '-'}"
        created.append(
            dispose(session, ctx, naskah, unit, disposition, target.position, source, actor, now)
        )
    if created:
        naskah.status = NaskahStatus.DIDISPOSISIKAN
    return created
