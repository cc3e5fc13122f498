"""Compile condition documents into fast predicates (all/any/not over field matchers).

A leaf is `{field: matcher}`. A matcher is a plain value (the field's default operator)
or a mapping with one operator: equals, contains, regex, glob, prefix, suffix, in, exists,
gt, gte, lt, lte. Text is compared case-insensitively.
"""

from __future__ import annotations

import fnmatch
import operator
import re
from collections.abc import Callable
from typing import Any

from rules.errors import RuleError
from rules.model import (
    KEAMANAN,
    KECEPATAN,
    SENDER_FLAGS,
    TTE_RESULTS,
    WEEKDAYS,
    Predicate,
)

# Field -> (kind, default operator). kind: text | list (any element) | number | bool | enum
FIELDS: dict[str, tuple[str, str]] = {
    "sender": ("text", "equals"),
    "sender_domain": ("text", "domain"),
    "sender_agency": ("text", "contains"),
    "recipient": ("list", "equals"),
    "recipient_unit": ("list", "equals"),
    "recipient_position": ("list", "equals"),
    "unit": ("text", "equals"),
    "subject": ("text", "contains"),
    "body": ("text", "contains"),
    "text": ("text", "contains"),
    "perihal": ("text", "contains"),
    "nomor_surat": ("text", "contains"),
    "attachment_name": ("list", "glob"),
    "attachment_type": ("list", "glob"),
    "has_attachment": ("bool", "equals"),
    "spf": ("text", "equals"),
    "dkim": ("text", "equals"),
    "dmarc": ("text", "equals"),
    # The policy the From domain publishes (p=, or sp= for a subdomain); "" without one.
    "dmarc_policy": ("text", "equals"),
    "arc": ("text", "equals"),
    # The From header is proven: DMARC pass for exactly that domain (ours or upstream's).
    "sender_verified": ("bool", "equals"),
    # A reply to a surat keluar we sent (routed to its drafter unless a rule says otherwise).
    "balasan_surat_keluar": ("bool", "equals"),
    # Signs of deception: address-in-display-name, control-characters-in-name,
    # multiple-addresses, lookalike-domain, own-domain-unverified.
    "sender_flag": ("list", "equals"),
    # Electronic signatures (TTE) in PDF files: the worst verdict, and who signed.
    "tte": ("text", "equals"),
    "tte_signer": ("list", "contains"),
    "sifat_keamanan": ("text", "equals"),
    "kecepatan": ("text", "equals"),
    "jenis": ("text", "equals"),
    "klasifikasi": ("text", "kka"),
    "size": ("number", "gte"),
    "weekday": ("text", "in"),
    "hour": ("number", "in"),
}
# Facts attribute behind each field (the rest have the same name).
FACT_ATTRIBUTE = {
    "recipient": "recipients",
    "recipient_unit": "recipient_units",
    "recipient_position": "recipient_positions",
    "sender_flag": "sender_flags",
    "tte_signer": "tte_signers",
}
_ENUMS = {
    "sifat_keamanan": KEAMANAN,
    "kecepatan": KECEPATAN,
    "weekday": WEEKDAYS,
    "spf": ("pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"),
    "dkim": ("pass", "fail", "neutral", "none", "policy", "temperror", "permerror"),
    "dmarc": ("pass", "fail", "none", "temperror", "permerror"),
    "dmarc_policy": ("", "none", "quarantine", "reject"),
    "arc": ("pass", "fail", "none", "temperror"),
    "sender_flag": SENDER_FLAGS,
    "tte": TTE_RESULTS,
}
OPERATORS = (
    "equals",
    "contains",
    "regex",
    "glob",
    "prefix",
    "suffix",
    "in",
    "exists",
    "kka",
    "gt",
    "gte",
    "lt",
    "lte",
    "domain",
)
_NUMERIC: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def compile_condition(node: Any, where: str) -> Predicate:
    """A predicate for a condition document; RuleError names the bad field."""
    if node is None or node is True or node == "always":
        return lambda _facts: (True, "always")
    if not isinstance(node, dict) or len(node) != 1:
        raise RuleError(f"{where}: kondisi harus berupa all/any/not atau satu {{kolom: pencocok}}")
    ((key, value),) = node.items()
    if key in ("all", "any"):
        if not isinstance(value, list) or not value:
            raise RuleError(f"{where}.{key}: harus berupa daftar kondisi yang tidak kosong")
        parts = [compile_condition(item, f"{where}.{key}[{i}]") for i, item in enumerate(value)]
        return _all(parts) if key == "all" else _any(parts)
    if key == "not":
        inner = compile_condition(value, f"{where}.not")
        return _not(inner)
    return _leaf(key, value, where)


def _all(parts: list[Predicate]) -> Predicate:
    def check(facts: dict[str, Any]) -> tuple[bool, str]:
        reasons = []
        for part in parts:
            ok, reason = part(facts)
            if not ok:
                return False, reason
            reasons.append(reason)
        return True, " and ".join(reasons)

    return check


def _any(parts: list[Predicate]) -> Predicate:
    def check(facts: dict[str, Any]) -> tuple[bool, str]:
        reasons = []
        for part in parts:
            ok, reason = part(facts)
            if ok:
                return True, reason
            reasons.append(reason)
        return False, "none of: " + "; ".join(reasons)

    return check


def _not(inner: Predicate) -> Predicate:
    def check(facts: dict[str, Any]) -> tuple[bool, str]:
        ok, reason = inner(facts)
        return (not ok), f"not ({reason})"

    return check


def _leaf(field: str, matcher: Any, where: str) -> Predicate:
    if field not in FIELDS:
        known = ", ".join(sorted(FIELDS))
        raise RuleError(f"{where}: kolom {field!r} tidak dikenal; kolom yang dikenal: {known}")
    kind, default = FIELDS[field]
    operator, operand = operator_of(matcher, default, f"{where}.{field}")
    test = _make_test(field, kind, operator, operand, f"{where}.{field}")
    key = FACT_ATTRIBUTE.get(field, field)
    hit = f"{field} {operator} {operand!r}"
    miss = f"{field} not {operator} {operand!r}"
    if kind == "list" and operator == "exists":
        # `exists` asks about the list itself (is anything there?), not about an element.
        wanted = bool(operand)

        def check_any(facts: dict[str, Any]) -> tuple[bool, str]:
            return (True, hit) if bool(facts[key]) is wanted else (False, miss)

        return check_any
    if kind == "list":

        def check_list(facts: dict[str, Any]) -> tuple[bool, str]:
            for item in facts[key]:
                if test(item):
                    return True, hit
            return False, miss

        return check_list

    def check(facts: dict[str, Any]) -> tuple[bool, str]:
        return (True, hit) if test(facts[key]) else (False, miss)

    return check


def operator_of(matcher: Any, default: str, where: str) -> tuple[str, Any]:
    """(operator, operand) of a field matcher: {op: value}, a list (in), or a bare value."""
    if isinstance(matcher, dict):
        if "case_sensitive" in matcher:
            raise RuleError(
                f"{where}: case_sensitive tidak tersedia; teks selalu dibandingkan tanpa "
                "membedakan huruf besar/kecil"
            )
        options = dict(matcher)
        if len(options) != 1:
            raise RuleError(f"{where}: berikan tepat satu operator dari {', '.join(OPERATORS)}")
        ((operator, operand),) = options.items()
        if operator not in OPERATORS:
            raise RuleError(
                f"{where}: operator {operator!r} tidak dikenal; gunakan salah satu dari "
                f"{', '.join(OPERATORS)}"
            )
        return str(operator), operand
    if isinstance(matcher, list):
        return "in", matcher
    return default, matcher


def _make_test(
    field: str, kind: str, operator: str, operand: Any, where: str
) -> Callable[[Any], bool]:
    """One comparison, with operands prepared (lower-cased, compiled) at compile time."""
    if kind == "bool":
        if not isinstance(operand, bool):
            raise RuleError(f"{where}: harus true atau false")
        return lambda value: bool(value) is operand
    if kind == "number" and operator in _NUMERIC:
        number = _number(operand, where)
        compare = _NUMERIC[operator]
        return lambda value: compare(value, number)
    if operator == "exists":
        return lambda value: bool(value) is bool(operand)
    if operator == "in":
        options = operand if isinstance(operand, list) else [operand]
        prepared = {_norm(field, kind, item, where) for item in options}
        return lambda value: value in prepared
    text = _norm(field, kind, operand, where)
    return _text_test(operator, text, where)


def _text_test(operator: str, text: Any, where: str) -> Callable[[Any], bool]:
    if operator == "equals":
        return lambda value: value == text
    if operator == "contains":
        return lambda value: text in value
    if operator == "prefix":
        return lambda value: value.startswith(text)
    if operator == "suffix":
        return lambda value: value.endswith(text)
    if operator == "glob":
        pattern = re.compile(fnmatch.translate(str(text)))
        return lambda value: pattern.match(value) is not None
    if operator == "domain":
        return _domain_test(str(text))
    if operator == "kka":
        # Hierarchical: 400.7 covers 400.7 and 400.7.x, but not 400.71.
        return lambda value: value == text or value.startswith(text + ".")
    if operator == "regex":
        try:
            pattern = re.compile(str(text), re.IGNORECASE)
        except re.error as err:
            raise RuleError(f"{where}.regex: ekspresi reguler {text!r} tidak sah: {err}") from err
        literal = required_literal(str(text))
        if literal:
            # A substring test is ~30x cheaper than a regex search over a long body.
            return lambda value: literal in value and pattern.search(value) is not None
        return lambda value: pattern.search(value) is not None
    raise RuleError(f"{where}: operator {operator!r} tidak dapat dipakai untuk kolom ini")


def required_literal(pattern: str) -> str | None:
    """The longest ASCII text every match of `pattern` must contain, lower-cased, or None.

    Only literal runs in the pattern's top-level sequence count: anything inside a group,
    alternation or repetition may be absent from a match, so it is never used.
    """
    try:
        import re._parser as sre_parse  # type: ignore[import-not-found]  # CPython internal

        parsed = sre_parse.parse(pattern, re.IGNORECASE)
        literal_op = sre_parse.LITERAL
    except Exception:  # Another implementation, or a pattern only re.compile accepts.
        return None
    best, run = "", ""
    for op, value in parsed:
        if op is literal_op and value < 128:
            run += chr(value)
            continue
        best, run = max(best, run, key=len), ""
    best = max(best, run, key=len)
    return best.lower() if len(best) >= 3 else None


def _domain_test(text: str) -> Callable[[Any], bool]:
    """`*.go.id` matches any subdomain of go.id; `kemkes.go.id` itself and its subdomains."""
    suffix = text[2:] if text.startswith("*.") else text
    exact_allowed = not text.startswith("*.")
    return lambda value: value.endswith("." + suffix) or (exact_allowed and value == suffix)


def _norm(field: str, kind: str, value: Any, where: str) -> Any:
    if kind == "number":
        return _number(value, where)
    text = str(value).strip().lower()
    if field in _ENUMS and text.upper() not in _ENUMS[field] and text not in _ENUMS[field]:
        raise RuleError(f"{where}: {value!r} bukan salah satu dari {', '.join(_ENUMS[field])}")
    return text


def _number(value: Any, where: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        raise RuleError(f"{where}: {value!r} harus berupa angka")
    return value
