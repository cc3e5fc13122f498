"""Dry run: what the current rules did, and what candidate rules would do, per letter.

It re-prepares each letter from its stored raw bytes and routes it with exactly the
functions the worker uses (`prepare`, `route_letter`, target resolution).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.directory import RecipientDirectory
from gateway.core.prepared import LetterForUnit, PdfSignatureCheck, SenderTrust, prepare
from gateway.db.blobs import get_blob
from gateway.db.models import Inbound, Naskah, Unit
from gateway.parsing.message import Limits
from gateway.registry import SECRET_LEVELS
from gateway.routing.cache import Routing
from gateway.routing.route import route_letter
from gateway.routing.targets import resolve_targets
from rules.model import Decision


@dataclass(frozen=True)
class Comparison:
    """One letter: the outcome under the current rules and under the candidate."""

    naskah_id: int
    agenda_number: str
    perihal: str
    current: dict[str, Any]
    candidate: dict[str, Any]
    current_rules: list[str]
    candidate_rules: list[str]

    @property
    def changed(self) -> bool:
        return self.current != self.candidate


def outcome(session: Session, decision: Decision, letter: LetterForUnit) -> dict[str, Any]:
    """A decision with its targets resolved to position handles, as the worker would."""
    result = decision.outcome()
    unit = session.scalars(select(Unit).where(Unit.code == decision.unit)).first()
    if unit is None:
        return result
    targets = resolve_targets(session, decision, unit, letter)
    result["dispositions_to"] = [t.position.handle for t in targets if t.kind == "disposisi"]
    result["tembusan_to"] = [t.position.handle for t in targets if t.kind == "tembusan"]
    return result


def compare_recent(
    session: Session,
    last: int,
    current: Routing,
    candidate: Routing,
    directory: RecipientDirectory,
    limits: Limits,
    zone: str,
    trust: SenderTrust,
    progress: Callable[[], None] | None = None,
    without_secret: bool = False,
    pdf_signatures: PdfSignatureCheck | None = None,
) -> Iterator[Comparison]:
    """The last `last` registered letters, newest first; `without_secret` leaves SR/R
    letters out (the panel: a probe rule must not tell an admin what a secret letter says)."""
    query = (
        select(Naskah, Inbound, Unit.code)
        .join(Inbound, Naskah.inbound_id == Inbound.id)
        .join(Unit, Naskah.unit_id == Unit.id)
        .order_by(Naskah.id.desc())
        .limit(last)
    )
    if without_secret:
        query = query.where(Naskah.sifat_keamanan.not_in(SECRET_LEVELS))
    for naskah, inbound, unit_code in session.execute(query).all():
        raw = get_blob(session, inbound.raw_sha256)
        prepared = prepare(
            raw,
            inbound.mail_from,
            list(inbound.rcpt_tos),
            directory,
            limits,
            trust,
            inbound.auth_header,
            pdf_signatures,
            trust.checks_itself(inbound.source, inbound.peer or ""),
        )
        letter = _letter_for(prepared.letters, naskah, unit_code)
        yield _compare(
            session, naskah, prepared, letter, current, candidate, inbound.received_at, zone
        )
        if progress:
            progress()


def _letter_for(letters: list[LetterForUnit], naskah: Naskah, unit_code: str) -> LetterForUnit:
    """The copy of the message that became this naskah (by its recipients, else its unit)."""
    for letter in letters:
        if sorted(r.address for r in letter.recipients) == sorted(naskah.recipients):
            return letter
    for letter in letters:
        if letter.unit_code == unit_code:
            return letter
    return letters[0]


def _compare(
    session: Session,
    naskah: Naskah,
    prepared: Any,
    letter: LetterForUnit,
    current: Routing,
    candidate: Routing,
    received_at: dt.datetime,
    zone: str,
) -> Comparison:
    before = route_letter(current, prepared, _copy(letter), received_at, zone)
    after = route_letter(candidate, prepared, _copy(letter), received_at, zone)
    return Comparison(
        naskah.id,
        naskah.agenda_number,
        naskah.perihal,
        outcome(session, before, letter),
        outcome(session, after, letter),
        [hit["rule"] for hit in before.hits],
        [hit["rule"] for hit in after.hits],
    )


def _copy(letter: LetterForUnit) -> LetterForUnit:
    return LetterForUnit(letter.unit_code, list(letter.recipients))


def changes(comparison: Comparison) -> list[tuple[str, Any, Any]]:
    """The outcome fields that differ: (field, current value, candidate value)."""
    keys = [key for key in comparison.current if key in comparison.candidate]
    keys += [key for key in comparison.candidate if key not in comparison.current]
    return [
        (key, comparison.current.get(key), comparison.candidate.get(key))
        for key in keys
        if comparison.current.get(key) != comparison.candidate.get(key)
    ]


def describe(value: Any, yes: str = "ya", no: str = "tidak") -> str:
    """A routing outcome value in words: lists joined, sifat as its two parts, no Python."""
    if value is None or value in ([], ""):
        return "-"
    if isinstance(value, bool):
        return yes if value else no
    if isinstance(value, dict) and set(value) == {"keamanan", "kecepatan"}:
        return f"{value['keamanan'] or '-'} / {value['kecepatan'] or '-'}"
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return "; ".join(_disposition(item) for item in value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _disposition(item: dict[str, Any]) -> str:
    """One planned disposition: its targets, [instructions], due and note."""
    text = ", ".join(item.get("to") or []) or "-"
    if item.get("instructions"):
        text += f" [{', '.join(item['instructions'])}]"
    if item.get("due"):
        text += f" ({item['due']})"
    if item.get("note"):
        text += f": {item['note']}"
    return text
