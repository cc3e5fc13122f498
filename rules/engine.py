"""Evaluate a compiled rule set against the facts of one letter (pure, no I/O)."""

from __future__ import annotations

import logging
from typing import Any

from rules.actions import apply
from rules.loader import RuleSet
from rules.model import Decision, Facts

log = logging.getLogger("tnde.rules")

# Actions that change facts the index looks at: candidates must be recomputed after them.
_REINDEX = frozenset({"set_unit", "set_jenis", "set_sifat"})


def evaluate(
    rules: RuleSet, facts: Facts, fallback: RuleSet | None = None, released: bool = False
) -> Decision:
    """Rules in priority order; the first match applies and stops unless it continues.

    When no administrator rule routed the letter, the fallback rules run the same way.
    `released`: an operator released the letter from a rule's quarantine, so rules that
    quarantine are passed over (recorded as misses) and the others route it.
    """
    values = facts.lowered()
    decision = Decision(
        unit=facts.unit.upper(),
        jenis=facts.jenis,
        sifat_keamanan=facts.sifat_keamanan,
        kecepatan=facts.kecepatan,
        klasifikasi=facts.klasifikasi,
        version=rules.version,
    )
    _run(rules, values, decision, released)
    if fallback is not None and not decision.routed:
        _run(fallback, values, decision, released)
    return decision


def _run(rule_set: RuleSet, values: dict[str, Any], decision: Decision, released: bool) -> None:
    candidates = rule_set.index.candidates(values)
    for position, rule in enumerate(rule_set.rules):
        if not rule.enabled:
            decision.misses.append((rule.name, "disabled"))
            continue
        if rule.guard is not None and position not in candidates:
            # The guard alone decides this miss; running the rule would say the same.
            decision.misses.append((rule.name, rule.guard.miss_reason))
            continue
        try:
            matched, reason = rule.condition(values)
        except Exception as err:  # A rule that fails at run time is skipped, never fatal.
            log.exception("rule %s failed; skipped", rule.name)
            decision.errors.append({"rule": rule.name, "error": f"{type(err).__name__}: {err}"})
            continue
        if not matched:
            decision.misses.append((rule.name, reason))
            continue
        if released and any(action.kind == "quarantine" for action in rule.actions):
            decision.misses.append((rule.name, f"{reason}; quarantine released by operator"))
            continue
        for action in rule.actions:
            apply(action, decision, values)
        decision.hits.append(
            {"rule": rule.name, "reason": reason, "actions": [a.describe() for a in rule.actions]}
        )
        if rule.stop:
            return
        if any(action.kind in _REINDEX for action in rule.actions):
            candidates = rule_set.index.candidates(values)
