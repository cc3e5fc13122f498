"""Rule documents (YAML/JSON data) to compiled rule sets, refusing invalid rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rules.actions import parse_action
from rules.conditions import compile_condition
from rules.errors import RuleError
from rules.index import RuleIndex, guard_of
from rules.model import Action, Rule
from rules.vocabulary import Vocabulary

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
RULE_KEYS = ("name", "priority", "enabled", "continue", "description", "when", "then")


@dataclass(frozen=True)
class RuleSet:
    """Compiled rules in evaluation order, their index, and the document they came from."""

    rules: tuple[Rule, ...]
    document: dict[str, Any]
    version: int | None = None
    index: RuleIndex = field(default_factory=lambda: RuleIndex([]))
    # Rules skipped when compiling leniently (stored rules the organisation outgrew).
    errors: tuple[dict[str, str], ...] = ()


def compile_document(
    document: Any,
    vocabulary: Vocabulary,
    version: int | None = None,
    builtin: bool = False,
    lenient: bool = False,
) -> RuleSet:
    """Validate and compile; every problem at once raises one RuleError, a line per rule.

    `lenient` (used at run time) skips a rule that no longer compiles - e.g. it names a
    position that was removed since it was saved - and records why, instead of failing.
    """
    if document is None:
        document = {"rules": []}
    place = control_character_path(document)
    if place is not None:
        raise RuleError(f"{place}: teks memuat karakter kendali (mis. NUL); hapus karakter itu")
    if not isinstance(document, dict) or not isinstance(document.get("rules", []), list):
        raise RuleError("dokumen aturan harus berupa tabel dengan daftar 'rules'")
    unknown = set(document) - {"rules", "comment"}
    if unknown:
        raise RuleError(f"kunci tingkat atas tidak dikenal: {', '.join(sorted(unknown))}")
    compiled: list[Rule] = []
    errors = []
    names: set[str] = set()
    priorities: dict[int, str] = {}
    for i, item in enumerate(document.get("rules") or []):
        try:
            rule = compile_rule(item, f"rules[{i}]", vocabulary, builtin)
            _claim_place(rule, names, priorities)
            compiled.append(rule)
        except RuleError as err:
            name = str(item.get("name", f"rules[{i}]")) if isinstance(item, dict) else f"rules[{i}]"
            errors.append({"rule": name, "error": str(err)})
    if errors and not lenient:
        # Every invalid rule at once, each naming rule and field: one fix-and-retry.
        if len(errors) == 1:
            raise RuleError(errors[0]["error"])
        lines = "\n  ".join(e["error"] for e in errors)
        raise RuleError(f"{len(errors)} aturan tidak sah:\n  {lines}")
    ordered = tuple(sorted(compiled, key=lambda rule: rule.priority))
    index = RuleIndex([rule.guard for rule in ordered])
    return RuleSet(ordered, document, version, index, tuple(errors))


def control_character_path(value: Any, path: str = "") -> str | None:
    """Where in a loaded document a text holds a control character other than tab and
    newline (a NUL cannot be stored in PostgreSQL and has no place in a name), or None."""
    if isinstance(value, str):
        return path or "dokumen" if _CONTROL.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = control_character_path(key, path) or control_character_path(
                item, f"{path}.{key}" if path else str(key)
            )
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = control_character_path(item, f"{path}[{index}]")
            if found:
                return found
    return None


def compile_rule(node: Any, where: str, vocabulary: Vocabulary, builtin: bool = False) -> Rule:
    if not isinstance(node, dict):
        raise RuleError(f"{where}: aturan harus berupa tabel dengan name, priority, when, then")
    name = str(node.get("name") or "").strip()
    if not name:
        raise RuleError(f"{where}.name wajib diisi")
    where = f'{where} "{name}"'
    unknown = set(node) - set(RULE_KEYS)
    if unknown:
        keys = ", ".join(RULE_KEYS)
        raise RuleError(
            f"{where}: kunci tidak dikenal: {', '.join(sorted(unknown))}; kunci aturan: {keys}"
        )
    for flag in ("enabled", "continue"):
        if flag in node and not isinstance(node[flag], bool):
            raise RuleError(f"{where}.{flag}: tulis true atau false")
    priority = node.get("priority")
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise RuleError(
            f"{where}.priority: wajib berupa bilangan bulat "
            "(yang lebih kecil dijalankan lebih dulu)"
        )
    then = node.get("then")
    if not isinstance(then, list) or not then:
        raise RuleError(f"{where}.then: wajib berupa daftar tindakan yang tidak kosong")
    parsed = [parse_action(item, f"{where}.then[{i}]", vocabulary) for i, item in enumerate(then)]
    actions: tuple[Action, ...] = tuple(a for a in parsed if a is not None)
    _refuse_copy_to_disposed(actions, where)
    explicit_stop = len(actions) < len(parsed)
    keep_going = bool(node.get("continue", False))
    if explicit_stop and keep_going:
        raise RuleError(f"{where}: 'continue: true' dan tindakan 'stop' saling bertentangan")
    return Rule(
        name=name,
        priority=priority,
        enabled=bool(node.get("enabled", True)),
        stop=not keep_going,
        condition=compile_condition(node.get("when", "always"), f"{where}.when"),
        actions=actions,
        description=str(node.get("description") or ""),
        builtin=builtin,
        guard=guard_of(node.get("when")),
    )


def _refuse_copy_to_disposed(actions: tuple[Action, ...], where: str) -> None:
    """A tembusan to a position the same rule disposes to is a mistake: one holder would
    get the letter twice, once to act and once only to know."""
    disposed = {t for a in actions if a.dispose is not None for t in a.dispose.targets}
    copied = {t for a in actions if a.kind == "copy" for t in a.value}
    both = sorted(disposed & copied)
    if both:
        raise RuleError(
            f"{where}: {', '.join(both)} menerima disposisi sekaligus tembusan dari aturan ini; "
            "pilih salah satu"
        )


def _claim_place(rule: Rule, names: set[str], priorities: dict[int, str]) -> None:
    """Refuse a rule whose name or priority an earlier rule has; else record it as taken."""
    if rule.name in names:
        raise RuleError(f'nama aturan "{rule.name}" dipakai dua kali')
    if rule.priority in priorities:
        raise RuleError(
            f'aturan "{priorities[rule.priority]}" dan "{rule.name}" sama-sama memakai priority '
            f"{rule.priority}; beri setiap aturan nilai priority sendiri"
        )
    names.add(rule.name)
    priorities[rule.priority] = rule.name
