"""Route one prepared letter: facts, evaluate, and merge letters that a rule moved."""

from __future__ import annotations

import datetime as dt

from gateway.core.prepared import LetterForUnit, Prepared
from gateway.metrics import RULE_SECONDS
from gateway.routing.cache import Routing
from gateway.routing.facts import build_facts
from rules.engine import evaluate
from rules.model import Decision


def route_letter(
    routing: Routing,
    prepared: Prepared,
    letter: LetterForUnit,
    received_at: dt.datetime,
    zone: str,
    released: bool = False,
) -> Decision:
    """The decision for one unit's copy of a letter (rule errors recorded, not raised)."""
    facts = build_facts(prepared, letter, received_at, zone)
    with RULE_SECONDS.time():
        decision = evaluate(routing.rules, facts, routing.fallback, released)
    decision.errors.extend(routing.rules.errors)
    return decision


def route_all(
    routing: Routing, prepared: Prepared, received_at: dt.datetime, zone: str, released: bool
) -> None:
    """Decide every letter; a rule's set_unit moves a letter, and two copies in one unit merge."""
    merged: dict[str, LetterForUnit] = {}
    for letter in prepared.letters:
        decision = route_letter(routing, prepared, letter, received_at, zone, released)
        letter.decision = decision
        letter.unit_code = decision.unit
        if letter.unit_code in merged:
            merged[letter.unit_code].recipients.extend(letter.recipients)
        else:
            merged[letter.unit_code] = letter
    prepared.letters = list(merged.values())


def quarantine_reason(prepared: Prepared) -> str | None:
    """A rule that quarantines one copy holds the whole message for the operator."""
    for letter in prepared.letters:
        if letter.decision is not None and letter.decision.quarantine:
            rules = ", ".join(hit["rule"] for hit in letter.decision.hits)
            return f"aturan {rules}: {letter.decision.quarantine}"
    return None
