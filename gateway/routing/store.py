"""Rule set versions in the database: every save is a new immutable version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.db.models import RuleSetVersion
from gateway.routing.vocab import vocabulary_from_db
from rules.loader import compile_document


@dataclass(frozen=True)
class VersionInfo:
    version: int
    author: str
    comment: str
    created_at: dt.datetime
    rules: int
    restored_from: int | None


def latest_version(session: Session) -> int | None:
    return session.execute(select(func.max(RuleSetVersion.version))).scalar_one_or_none()


def current_document(session: Session) -> tuple[int | None, dict[str, Any]]:
    """The active rule set (the newest version), or an empty one."""
    version = latest_version(session)
    if version is None:
        return None, {"rules": []}
    row = session.get_one(RuleSetVersion, version)
    return version, dict(row.document)


def save_version(
    session: Session,
    document: dict[str, Any],
    author: str,
    comment: str,
    now: dt.datetime,
    restored_from: int | None = None,
) -> int:
    """Validate against today's organisation (RuleError names the field), then store."""
    compile_document(document, vocabulary_from_db(session))
    version = (latest_version(session) or 0) + 1
    session.add(
        RuleSetVersion(
            version=version,
            document=document,
            author=author,
            comment=comment,
            created_at=now,
            restored_from=restored_from,
        )
    )
    session.flush()
    record_event(
        session,
        type="rules_saved",
        actor=author,
        channel="cli",
        now=now,
        payload={
            "version": version,
            "comment": comment,
            "restored_from": restored_from,
            "rules": len(document.get("rules") or []),
        },
    )
    return version


def rollback(session: Session, version: int, author: str, now: dt.datetime) -> int:
    """A new version with the content of an older one (history is never rewritten)."""
    row = session.get(RuleSetVersion, version)
    if row is None:
        raise LookupError(f"aturan versi {version} tidak ada")
    comment = f"rollback ke versi {version}"
    return save_version(session, dict(row.document), author, comment, now, restored_from=version)


def history(session: Session) -> list[VersionInfo]:
    rows = session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.version.desc()))
    return [
        VersionInfo(
            r.version,
            r.author,
            r.comment,
            r.created_at,
            len(r.document.get("rules") or []),
            r.restored_from,
        )
        for r in rows
    ]


def document_of(session: Session, version: int) -> dict[str, Any]:
    row = session.get(RuleSetVersion, version)
    if row is None:
        raise LookupError(f"aturan versi {version} tidak ada")
    return dict(row.document)
