"""Turn a routing decision into disposition rows and notices, in the registering transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.config import Settings
from gateway.db.models import Disposition, Holiday, Naskah, Position, Unit
from gateway.pipeline.context import PipelineContext
from gateway.pipeline.prepare import LetterForUnit, Prepared
from gateway.routing.notices import NoticeSource, queue_notices
from gateway.workflow.calendar import BusinessCalendar, resolve_spec
from rules.model import Decision


@dataclass(frozen=True)
class Target:
    """A resolved routing target with the instruction it carries."""

    position: Position
    kind: str  # disposisi | tembusan
    instructions: tuple[str, ...]
    note: str
    due_spec: str


def calendar_for(session: Session, settings: Settings) -> BusinessCalendar:
    """Weekends, the holidays in the database and the configured local ones."""
    days = frozenset(session.scalars(select(Holiday.day)))
    local_days = settings.workflow.local_holiday_dates()
    return BusinessCalendar(days | local_days, settings.mail.timezone)


def resolve_handles(
    session: Session, handle: str, unit: Unit, letter: LetterForUnit
) -> list[Position]:
    """A handle, or a special target (@head, @registrar, @addressed), as positions."""
    query = select(Position).where(Position.active.is_(True))
    if handle == "@head":
        return list(session.scalars(query.where(Position.unit_id == unit.id, Position.is_head)))
    if handle == "@registrar":
        return list(
            session.scalars(query.where(Position.unit_id == unit.id, Position.is_registrar))
        )
    if handle == "@addressed":
        handles = [r.position_handle for r in letter.recipients if r.position_handle]
        return list(session.scalars(query.where(Position.handle.in_(handles))))
    return list(session.scalars(query.where(Position.handle == handle)))


def resolve_targets(
    session: Session, decision: Decision, unit: Unit, letter: LetterForUnit
) -> list[Target]:
    """Every position a decision names, once, dispositions before tembusan."""
    targets: list[Target] = []
    seen: set[int] = set()
    for dispose in decision.dispositions:
        for handle in dispose.targets:
            for position in resolve_handles(session, handle, unit, letter):
                if position.id not in seen:
                    seen.add(position.id)
                    targets.append(
                        Target(
                            position, "disposisi", dispose.instructions, dispose.note, dispose.due
                        )
                    )
    for handle in decision.copies:
        for position in resolve_handles(session, handle, unit, letter):
            if position.id not in seen:
                seen.add(position.id)
                targets.append(Target(position, "tembusan", ("KETAHUI",), "", ""))
    return targets


def registrar_of(session: Session, unit: Unit) -> Position | None:
    return session.scalars(
        select(Position).where(
            Position.unit_id == unit.id, Position.is_registrar, Position.active.is_(True)
        )
    ).first()


def apply_decision(
    session: Session,
    ctx: PipelineContext,
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
    calendar = calendar_for(session, settings)
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
            status="sent",
            channel="rule",
            created_at=now,
        )
        session.add(disposition)
        session.flush()
        created.append(disposition)
        record_event(
            session,
            type="disposed",
            actor=f"aturan: {', '.join(rule_names) or '-'}",
            channel="rule",
            now=now,
            naskah_id=naskah.id,
            disposition_id=disposition.id,
            payload={
                "to": target.position.handle,
                "kind": target.kind,
                "instructions": list(target.instructions),
                "note": target.note,
                "due_at": due_at.isoformat() if due_at else None,
            },
        )
        queue_notices(session, ctx, naskah, unit, disposition, target.position, source, now)
    if created:
        naskah.status = "didisposisikan"
    return created
