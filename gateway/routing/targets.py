"""Which positions a routing decision names: handles and special targets resolved (read only)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.prepared import LetterForUnit
from gateway.db.models import Position, Unit
from rules.model import Decision


@dataclass(frozen=True)
class Target:
    """A resolved routing target with the instruction it carries."""

    position: Position
    kind: str  # disposisi | tembusan
    instructions: tuple[str, ...]
    note: str
    due_spec: str


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
