"""The rule vocabulary from the database: active units, positions and instructions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Instruction, Position, Unit
from rules.vocabulary import Vocabulary


def vocabulary_from_db(session: Session) -> Vocabulary:
    return Vocabulary(
        units=frozenset(session.scalars(select(Unit.code).where(Unit.active.is_(True)))),
        positions=frozenset(
            session.scalars(select(Position.handle).where(Position.active.is_(True)))
        ),
        instructions={
            code: label
            for code, label in session.execute(
                select(Instruction.code, Instruction.label).where(Instruction.active.is_(True))
            )
        },
    )
