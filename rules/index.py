"""A prefilter over rule conditions: skip rules that cannot match without running them.

From each condition document we derive a necessary guard - "the sender domain must end
in kemkes.go.id", "a recipient unit must be DINKES" - and index rules by it. Evaluation
then runs only the candidates; the others are recorded as misses with the guard's
reason, exactly as running them would have said. Rules without a guard always run.
An `all` is guarded by its first part only: put the sender/recipient/unit test first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from rules.conditions import FACT_ATTRIBUTE, FIELDS, operator_of
from rules.errors import RuleError

# Fields whose equality (or domain-suffix) matchers can be indexed, most selective first.
INDEXED = (
    "sender",
    "recipient",
    "recipient_position",
    "recipient_unit",
    "unit",
    "sender_domain",
    "jenis",
    "kecepatan",
    "sifat_keamanan",
)


@dataclass(frozen=True)
class Guard:
    """The rule can match only if the fact `field` yields one of `keys`."""

    field: str
    keys: frozenset[str]
    miss_reason: str


def guard_of(node: Any) -> Guard | None:
    """A necessary guard for a condition document, or None when there is none."""
    if not isinstance(node, dict) or len(node) != 1:
        return None
    ((key, value),) = node.items()
    if key == "all" and isinstance(value, list) and value:
        # Only the first part: `all` stops at its first failing part, so only that part's
        # failure is the reason running the rule would give. (Write the key condition first.)
        return guard_of(value[0])
    if key == "any" and isinstance(value, list) and value:
        guards = [guard_of(item) for item in value]
        fields = {g.field for g in guards if g is not None}
        if None in guards or len(fields) != 1:
            return None
        keys = frozenset().union(*(g.keys for g in guards if g is not None))
        return Guard(
            fields.pop(), keys, "none of: " + "; ".join(g.miss_reason for g in guards if g)
        )
    if key in INDEXED:
        return _leaf_guard(key, value)
    return None


def _leaf_guard(field: str, matcher: Any) -> Guard | None:
    try:  # the operator exactly as the condition compiler reads it
        operator, operand = operator_of(matcher, FIELDS[field][1], field)
    except RuleError:
        return None
    if field == "sender_domain" and operator == "domain":
        text = str(operand).strip().lower()
        suffix = text[2:] if text.startswith("*.") else text
        return Guard(field, frozenset({suffix}), f"{field} not domain {operand!r}")
    if operator == "equals":
        return Guard(
            field, frozenset({str(operand).strip().lower()}), f"{field} not equals {operand!r}"
        )
    if operator == "in":
        items = operand if isinstance(operand, list) else [operand]
        keys = frozenset(str(item).strip().lower() for item in items)
        return Guard(field, keys, f"{field} not in {operand!r}")
    return None


def fact_keys(field: str, values: dict[str, Any]) -> tuple[str, ...]:
    """The index keys a letter offers for a field (all suffixes of a domain)."""
    if field == "sender_domain":
        parts = values["sender_domain"].split(".")
        return tuple(".".join(parts[i:]) for i in range(len(parts)))
    value = values[FACT_ATTRIBUTE.get(field, field)]
    return tuple(value) if isinstance(value, tuple) else (value,)


class RuleIndex:
    """Maps (field, key) to the positions of the rules guarded by it."""

    def __init__(self, guards: list[Guard | None]) -> None:
        self.by_key: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for position, guard in enumerate(guards):
            if guard is not None:
                for key in guard.keys:
                    self.by_key[guard.field][key].append(position)

    def candidates(self, values: dict[str, Any]) -> set[int]:
        """Positions of guarded rules whose guard the letter satisfies."""
        found: set[int] = set()
        for field, table in self.by_key.items():
            for key in fact_keys(field, values):
                found.update(table.get(key, ()))
        return found
