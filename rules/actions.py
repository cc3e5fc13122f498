"""Parse action documents into Actions (validated) and apply them to a Decision."""

from __future__ import annotations

from typing import Any

from rules.due import parse_due
from rules.errors import RuleError
from rules.model import KEAMANAN, KECEPATAN, Action, Decision, Dispose
from rules.vocabulary import Vocabulary

SPECIAL_TARGETS = ("@head", "@registrar", "@addressed")
ACTIONS = (
    "set_unit",
    "set_jenis",
    "set_sifat",
    "set_klasifikasi",
    "dispose",
    "copy",
    "quarantine",
    "ignore",
    "stop",
)


def parse_action(node: Any, where: str, vocabulary: Vocabulary) -> Action | None:
    """One action; None for `stop` (it is a flag of the rule, not an action)."""
    if not isinstance(node, dict) or len(node) != 1:
        raise RuleError(
            f"{where}: tindakan harus berupa satu tabel, mis. {{dispose: {{to: [sekda]}}}}"
        )
    ((kind, value),) = node.items()
    if kind == "stop":
        return None
    if kind == "set_unit":
        return Action(kind, vocabulary.unit(str(value), f"{where}.set_unit"))
    if kind == "set_jenis":
        return Action(kind, _text(value, f"{where}.set_jenis").lower())
    if kind == "set_sifat":
        return Action(kind, _sifat(value, f"{where}.set_sifat"))
    if kind == "set_klasifikasi":
        return Action(kind, vocabulary.klasifikasi(_text(value, where), f"{where}.set_klasifikasi"))
    if kind == "dispose":
        return Action(kind, dispose=_dispose(value, f"{where}.dispose", vocabulary))
    if kind == "copy":
        return Action(kind, tuple(_targets(value, f"{where}.copy", vocabulary)))
    if kind == "quarantine":
        return Action(kind, _text(value, f"{where}.quarantine"))
    if kind == "ignore":
        if value is not True:
            raise RuleError(f"{where}.ignore: tulis 'ignore: true'")
        return Action(kind, True)
    raise RuleError(
        f"{where}: tindakan {kind!r} tidak dikenal; gunakan salah satu dari {', '.join(ACTIONS)}"
    )


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str | int | float) or not str(value).strip():
        raise RuleError(f"{where}: wajib diisi dengan teks")
    return str(value).strip()


def _sifat(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not value or set(value) - {"keamanan", "kecepatan"}:
        raise RuleError(f"{where}: tulis {{keamanan: R}} dan/atau {{kecepatan: SEGERA}}")
    result = {}
    if "keamanan" in value:
        keamanan = str(value["keamanan"]).upper()
        if keamanan not in KEAMANAN:
            raise RuleError(
                f"{where}.keamanan: {value['keamanan']!r} bukan salah satu dari "
                f"{', '.join(KEAMANAN)}"
            )
        result["keamanan"] = keamanan
    if "kecepatan" in value:
        kecepatan = str(value["kecepatan"]).upper().replace(" ", "_")
        if kecepatan not in KECEPATAN:
            raise RuleError(
                f"{where}.kecepatan: {value['kecepatan']!r} bukan salah satu dari "
                f"{', '.join(KECEPATAN)}"
            )
        result["kecepatan"] = kecepatan
    return result


def _targets(value: Any, where: str, vocabulary: Vocabulary) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise RuleError(f"{where}: sebutkan sedikitnya satu handle jabatan")
    result = []
    for index, item in enumerate(items):
        handle = str(item).strip().lower()
        if handle not in SPECIAL_TARGETS:
            handle = vocabulary.position(handle, f"{where}[{index}]")
        result.append(handle)
    return result


def _dispose(value: Any, where: str, vocabulary: Vocabulary) -> Dispose:
    if isinstance(value, list | str):
        value = {"to": value}
    if not isinstance(value, dict) or "to" not in value:
        raise RuleError(f"{where}: tulis {{to: [handle, ...], instructions: [...], due: ...}}")
    unknown = set(value) - {"to", "instructions", "note", "due"}
    if unknown:
        raise RuleError(f"{where}: kunci tidak dikenal: {', '.join(sorted(unknown))}")
    instructions = value.get("instructions") or []
    instructions = instructions if isinstance(instructions, list) else [instructions]
    codes = tuple(
        vocabulary.instruction(str(item), f"{where}.instructions[{i}]")
        for i, item in enumerate(instructions)
    )
    due = str(value.get("due") or "")
    parse_due(due, f"{where}.due")
    return Dispose(
        targets=tuple(_targets(value["to"], f"{where}.to", vocabulary)),
        instructions=codes,
        note=str(value.get("note") or ""),
        due=due,
    )


def apply(action: Action, decision: Decision, facts: dict[str, Any]) -> None:
    """Apply one action; `facts` is updated so that later rules see the new values."""
    if action.kind == "set_unit":
        decision.unit = str(action.value)
        facts["unit"] = decision.unit.lower()  # facts are compared lower-case
    elif action.kind == "set_jenis":
        decision.jenis = str(action.value)
        facts["jenis"] = decision.jenis.lower()
    elif action.kind == "set_sifat":
        values: dict[str, str] = action.value
        decision.sifat_keamanan = _more_secret(
            decision.sifat_keamanan, values.get("keamanan", decision.sifat_keamanan)
        )
        decision.kecepatan = values.get("kecepatan", decision.kecepatan)
        facts["sifat_keamanan"], facts["kecepatan"] = (
            decision.sifat_keamanan.lower(),
            decision.kecepatan.lower(),
        )
    elif action.kind == "set_klasifikasi":
        decision.klasifikasi = str(action.value)
        facts["klasifikasi"] = decision.klasifikasi.lower()
    elif action.kind == "dispose" and action.dispose is not None:
        decision.dispositions.append(action.dispose)
    elif action.kind == "copy":
        decision.copies.extend(t for t in action.value if t not in decision.copies)
    elif action.kind == "quarantine":
        decision.quarantine = str(action.value)
    elif action.kind == "ignore":
        decision.ignore = True


def _more_secret(current: str, wanted: str) -> str:
    """The stricter of two keamanan levels: a rule may mark a letter more secret, never
    less, so a letter its sender marked RAHASIA cannot be opened up by a rule (and a rule
    cannot be used to move a secret letter's content into plain mail)."""
    order = {level: rank for rank, level in enumerate(KEAMANAN)}  # SR first, B last
    return current if order.get(current, len(order)) <= order.get(wanted, len(order)) else wanted
