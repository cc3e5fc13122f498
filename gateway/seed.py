"""Reference data every installation needs (instructions, klasifikasi) and the demo."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.archive.kka import seed_kka
from gateway.core.calendar import parse_holidays
from gateway.db.models import Holiday, Instruction, Unit
from gateway.db.secret import WEB_KEY, ensure_secret
from gateway.org.document import parse_org
from gateway.org.store import ImportReport, import_org
from gateway.routing.store import latest_version, save_version


def data_file(name: str) -> str:
    """Text of a file shipped in gateway/data/."""
    return resources.files("gateway").joinpath("data", name).read_text(encoding="utf-8")


def load_yaml(name: str) -> Any:
    return yaml.safe_load(data_file(name))


def seed_reference(session: Session) -> dict[str, int]:
    """Insert missing instruction codes and klasifikasi codes; never overwrite edits."""
    added = {"instructions": 0, "klasifikasi": 0, "holidays": 0}
    known = set(session.scalars(select(Instruction.code)))
    for code, label in load_yaml("instructions.yaml").items():
        if code not in known:
            session.add(Instruction(code=code, label=label, active=True))
            added["instructions"] += 1
    added["klasifikasi"] = seed_kka(session)
    added["holidays"] = seed_holidays(session)
    ensure_secret(session)
    ensure_secret(session, WEB_KEY)
    return added


def seed_holidays(session: Session) -> int:
    """National holidays and cuti bersama shipped with the release (local ones are added
    with `tnde holidays add`); existing days are left as they are."""
    known = set(session.scalars(select(Holiday.day)))
    added = 0
    for day, name, kind in parse_holidays(load_yaml("holidays.yaml")):
        if day not in known:
            session.add(Holiday(day=day, name=name, kind=kind))
            known.add(day)
            added += 1
    return added


def has_organisation(session: Session) -> bool:
    return session.scalars(select(Unit.id).limit(1)).first() is not None


def seed_demo(session: Session, domain: str, now: dt.datetime | None = None) -> ImportReport:
    """Import the Banyumas demo organisation and, if there are no rules yet, the demo rules.

    Idempotent: a second run changes nothing.
    """
    document = parse_org(load_yaml("demo-org.yaml"), domain)
    report = import_org(session, document, deactivate_missing=False)
    session.flush()
    if latest_version(session) is None:
        save_version(
            session,
            load_yaml("demo-rules.yaml"),
            "demo",
            "aturan contoh Banyumas",
            now or dt.datetime.now(dt.UTC),
        )
        report.bump(report.created, "rule set")
    return report
