"""The guided rule form: one rule as labelled fields with help in Indonesian, plus switching
a rule on or off and moving it up or down. Every change becomes a candidate rules document
that goes through the same dry run and save as the YAML view; nothing is saved unseen."""

from __future__ import annotations

import asyncio
import copy
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml
from aiohttp import web

from gateway.routing.store import current_document
from gateway.routing.vocab import vocabulary_from_db
from rules.conditions import FIELDS, OPERATORS
from rules.errors import RuleError
from rules.loader import compile_document, compile_rule
from rules.model import KEAMANAN, KECEPATAN
from rules.vocabulary import Vocabulary
from webadmin.appkey import app_of
from webadmin.auth import VIEWER
from webadmin.params import clean_text, form_text

if TYPE_CHECKING:
    from gateway.app import App

CONDITION_ROWS = 5  # empty rows offered for a new rule
MAX_CONDITIONS = 10  # rows the form reads back; a rule with more stays in the YAML view
# Every condition field and operator the form offers; their labels and help are in the
# catalogue (rule_form.field.*, rule_form.help.*, rule_form.op.*; "" is rule_form.op.default).
FIELD_NAMES = tuple(FIELDS)
OPERATOR_NAMES = ("", *OPERATORS)
_SIMPLE_ACTIONS = {
    "dispose",
    "copy",
    "set_unit",
    "set_jenis",
    "set_klasifikasi",
    "set_sifat",
    "quarantine",
    "ignore",
}


@dataclass
class RuleForm:
    """The form's values as text, and the problems to show next to each part."""

    original: str = ""  # the rule's name before editing ("" for a new rule)
    name: str = ""
    priority: str = ""
    description: str = ""
    enabled: bool = True
    keep_going: bool = False
    match: str = "all"  # all | any
    conditions: list[tuple[str, str, str]] = field(default_factory=list)
    dispose_to: str = ""
    instructions: list[str] = field(default_factory=list)
    due: str = ""
    note: str = ""
    copy_to: str = ""
    unit: str = ""
    jenis: str = ""
    klasifikasi: str = ""
    keamanan: str = ""
    kecepatan: str = ""
    quarantine: str = ""
    ignore: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        """The condition rows padded with empty ones for the form."""
        padding = min(max(CONDITION_ROWS - len(self.conditions), 1), MAX_CONDITIONS)
        return (self.conditions + [("", "", "")] * padding)[:MAX_CONDITIONS]


def form_of_rule(rule: dict[str, Any]) -> RuleForm | None:
    """The form for a stored rule, or None when the form cannot show it exactly (nested
    conditions, several actions of one kind, more rows than the form reads back, values
    the form would write differently): those are edited in the YAML view. The test is a
    round trip, so saving the form unchanged never changes what the rule means."""
    try:
        form = _form_of_rule(rule)
    except (TypeError, ValueError, AttributeError):
        return None
    if form is None or canonical(rule_of_form(form)) != canonical(rule):
        return None
    return form


def _form_of_rule(rule: dict[str, Any]) -> RuleForm | None:
    when = rule.get("when", "always")
    match, leaves = "all", []
    if isinstance(when, dict) and set(when) <= {"any", "all"} and len(when) == 1:
        match = next(iter(when))
        leaves = when[match]
    elif isinstance(when, dict) and not set(when) & {"any", "all", "not"}:
        leaves = [{key: value} for key, value in when.items()]
    elif when != "always":
        return None
    if (
        not isinstance(leaves, list)
        or len(leaves) > MAX_CONDITIONS
        or any(
            not isinstance(leaf, dict) or len(leaf) != 1 or next(iter(leaf)) not in FIELDS
            for leaf in leaves
        )
    ):
        return None
    conditions = [_row_of(leaf) for leaf in leaves]
    if any(row is None for row in conditions):
        return None
    form = RuleForm(
        original=str(rule.get("name", "")),
        name=str(rule.get("name", "")),
        priority=str(rule.get("priority", "")),
        description=str(rule.get("description") or ""),
        enabled=rule.get("enabled", True) is not False,
        keep_going=bool(rule.get("continue", False)),
        match=match,
        conditions=[row for row in conditions if row is not None],
    )
    kinds = [next(iter(a)) for a in rule.get("then") or [] if isinstance(a, dict) and a]
    if len(kinds) != len(set(kinds)) or not set(kinds) <= _SIMPLE_ACTIONS | {"stop"}:
        return None
    for action in rule.get("then") or []:
        ((kind, value),) = action.items()
        _fill(form, kind, value)
    return form


def _row_of(leaf: dict[str, Any]) -> tuple[str, str, str] | None:
    ((name, matcher),) = leaf.items()
    if isinstance(matcher, dict):
        if len(matcher) != 1:
            return None
        ((operator, operand),) = matcher.items()
        return name, str(operator), _text_of(operand)
    if isinstance(matcher, list):  # a bare list means "one of"
        return name, "in", _text_of(matcher)
    return name, "", _text_of(matcher)


def _text_of(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(form: RuleForm, kind: str, value: Any) -> None:
    if kind == "dispose" and isinstance(value, dict):
        form.dispose_to = _text_of(value.get("to", []))
        form.instructions = [str(i) for i in _as_list(value.get("instructions", []))]
        form.due, form.note = str(value.get("due") or ""), str(value.get("note") or "")
    elif kind == "copy":
        form.copy_to = _text_of(value)
    elif kind == "set_unit":
        form.unit = str(value)
    elif kind == "set_jenis":
        form.jenis = str(value)
    elif kind == "set_klasifikasi":
        form.klasifikasi = str(value)
    elif kind == "set_sifat" and isinstance(value, dict):
        form.keamanan = str(value.get("keamanan") or "")
        form.kecepatan = str(value.get("kecepatan") or "")
    elif kind == "quarantine":
        form.quarantine = str(value)
    elif kind == "ignore":
        form.ignore = value is True


def form_of_post(post: Any) -> RuleForm:
    """The form as submitted (every value cleaned of control characters)."""
    conditions = []
    for i in range(MAX_CONDITIONS):
        name = form_text(post, f"kondisi_{i}", 40)
        if name:
            conditions.append(
                (name, form_text(post, f"operator_{i}", 16), form_text(post, f"nilai_{i}", 500))
            )
    return RuleForm(
        original=form_text(post, "asal", 200),
        name=form_text(post, "nama", 200),
        priority=form_text(post, "prioritas", 10),
        description=form_text(post, "keterangan", 500),
        enabled=post.get("aktif") == "1",
        keep_going=post.get("lanjut") == "1",
        match="any" if post.get("cocok") == "any" else "all",
        conditions=conditions,
        dispose_to=form_text(post, "disposisi_ke", 500),
        instructions=[clean_text(str(v), 32) for v in post.getall("instruksi", [])],
        due=form_text(post, "batas", 40),
        note=form_text(post, "catatan", 500),
        copy_to=form_text(post, "tembusan", 500),
        unit=form_text(post, "unit", 32),
        jenis=form_text(post, "jenis", 64),
        klasifikasi=form_text(post, "klasifikasi", 32),
        keamanan=form_text(post, "keamanan", 4),
        kecepatan=form_text(post, "kecepatan", 16),
        quarantine=form_text(post, "karantina", 300),
        ignore=post.get("abaikan") == "1",
    )


def _values(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _operand(kind: str, operator: str, text: str) -> Any:
    """The typed value the rules engine expects for this field and operator. Only "one of"
    splits on commas: a comma is an ordinary character in a phrase or a pattern."""
    if operator == "in":
        return [_scalar(kind, part) for part in _values(text)]
    if kind == "bool" or operator == "exists":
        return text.lower() in ("true", "ya", "1")
    return _scalar(kind, text)


def _scalar(kind: str, text: str) -> Any:
    if kind == "number" and re.fullmatch(r"-?[0-9]{1,12}", text):
        return int(text)
    return text


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def canonical(rule: dict[str, Any]) -> dict[str, Any]:
    """A rule written one way: a bare list as {in: list}, one-value target and instruction
    lists as lists, no condition as none, default flags left out."""
    out = copy.deepcopy(rule)
    when = out.pop("when", "always")
    if when != "always":
        leaves = when.get("all") or when.get("any") or [when] if isinstance(when, dict) else []
        match = "any" if isinstance(when, dict) and "any" in when else "all"
        if isinstance(when, dict) and not set(when) & {"any", "all"} and len(when) > 1:
            leaves = [{key: value} for key, value in when.items()]
        flat = []
        for leaf in leaves:
            ((name, matcher),) = leaf.items()
            flat.append({name: {"in": matcher} if isinstance(matcher, list) else matcher})
        out["when"] = {match: flat} if len(flat) > 1 else (flat[0] if flat else "always")
    if out.get("enabled", True) is True:
        out.pop("enabled", None)
    if out.get("continue", False) is False:
        out.pop("continue", None)
    if not out.get("description"):
        out.pop("description", None)
    then = []
    for action in out.get("then") or []:
        ((kind, value),) = action.items()
        if kind == "dispose" and isinstance(value, dict):
            value = {**value, "to": _as_list(value.get("to", []))}
            if "instructions" in value:
                value["instructions"] = _as_list(value["instructions"])
            value = {k: v for k, v in value.items() if v not in (None, "", [])}
        elif kind == "copy":
            value = _as_list(value)
        then.append({kind: value})
    out["then"] = sorted(then, key=lambda a: next(iter(a)))
    return out


def rule_of_form(form: RuleForm) -> dict[str, Any]:
    """The rule document the form describes (validated later by the rules engine)."""
    leaves = []
    for name, operator, value in form.conditions:
        kind = FIELDS.get(name, ("text", ""))[0]
        operand = _operand(kind, operator, value)
        leaves.append({name: {operator: operand} if operator else operand})
    then: list[dict[str, Any]] = []
    if form.unit:
        then.append({"set_unit": form.unit})
    if form.jenis:
        then.append({"set_jenis": form.jenis})
    if form.klasifikasi:
        then.append({"set_klasifikasi": form.klasifikasi})
    sifat = {k: v for k, v in (("keamanan", form.keamanan), ("kecepatan", form.kecepatan)) if v}
    if sifat:
        then.append({"set_sifat": sifat})
    if form.dispose_to:
        dispose: dict[str, Any] = {"to": _values(form.dispose_to)}
        if form.instructions:
            dispose["instructions"] = form.instructions
        if form.due:
            dispose["due"] = form.due
        if form.note:
            dispose["note"] = form.note
        then.append({"dispose": dispose})
    if form.copy_to:
        then.append({"copy": _values(form.copy_to)})
    if form.quarantine:
        then.append({"quarantine": form.quarantine})
    if form.ignore:
        then.append({"ignore": True})
    rule: dict[str, Any] = {"name": form.name}
    rule["priority"] = int(form.priority) if re.fullmatch(r"[0-9]{1,6}", form.priority) else None
    if form.description:
        rule["description"] = form.description
    if not form.enabled:
        rule["enabled"] = False
    if form.keep_going:
        rule["continue"] = True
    if leaves:
        rule["when"] = {form.match: leaves} if len(leaves) > 1 else leaves[0]
    rule["then"] = then
    return rule


def _part_of(message: str) -> str:
    """Which part of the form an engine message is about, to show it there."""
    for marker, part in (
        (".when", "kondisi"),
        (".then", "tindakan"),
        (".priority", "prioritas"),
        (".name", "nama"),
    ):
        if marker in message:
            return part
    if "prioritas" in message or "priority" in message:
        return "prioritas"
    if "nama" in message or "name" in message:
        return "nama"
    return "umum"


def candidate_document(
    document: dict[str, Any], form: RuleForm, vocabulary: Vocabulary
) -> dict[str, Any]:
    """The current document with the form's rule in place; the form's errors filled in
    (next to the part each is about) when the rule or the document would be refused."""
    rule = rule_of_form(form)
    if rule["priority"] is None:
        form.errors["prioritas"] = "prioritas wajib berupa bilangan bulat (kecil = lebih dulu)"
    if not rule["then"]:
        form.errors["tindakan"] = "isi sekurang-kurangnya satu tindakan"
    try:
        compile_rule(rule, "aturan", vocabulary)
    except RuleError as err:
        form.errors.setdefault(_part_of(str(err)), str(err))
    candidate = copy.deepcopy(document)
    rules = [r for r in candidate.get("rules") or [] if r.get("name") != form.original]
    rules.append(rule)
    candidate["rules"] = sorted(rules, key=lambda r: r.get("priority") or 0)
    if not form.errors:
        try:
            compile_document(candidate, vocabulary)
        except RuleError as err:
            form.errors[_part_of(str(err))] = str(err)
    return candidate


def toggled(document: dict[str, Any], name: str) -> dict[str, Any]:
    """The document with one rule switched on or off."""
    candidate = copy.deepcopy(document)
    for rule in candidate.get("rules") or []:
        if rule.get("name") == name:
            if rule.get("enabled", True) is False:
                rule.pop("enabled")
            else:
                rule["enabled"] = False
            return candidate
    raise LookupError(name)


def moved(document: dict[str, Any], name: str, up: bool) -> dict[str, Any]:
    """The document with one rule swapped in priority with its neighbour above or below."""
    candidate = copy.deepcopy(document)
    ordered = sorted(candidate.get("rules") or [], key=lambda r: r.get("priority") or 0)
    index = next((i for i, r in enumerate(ordered) if r.get("name") == name), None)
    if index is None:
        raise LookupError(name)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index]["priority"], ordered[other]["priority"] = (
            ordered[other]["priority"],
            ordered[index]["priority"],
        )
    candidate["rules"] = sorted(ordered, key=lambda r: r.get("priority") or 0)
    return candidate


def dumped(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def _admin(request: web.Request) -> str:
    viewer = request[VIEWER]
    if not viewer.is_admin:
        raise web.HTTPForbidden(text="hanya admin yang dapat mengubah aturan")
    return viewer.name


def _load(app: App) -> tuple[dict[str, Any], Vocabulary]:
    with app.db.read() as session:
        _, document = current_document(session)
        return document, vocabulary_from_db(session)


def _form_page(request: web.Request, form: RuleForm, vocabulary: Vocabulary) -> web.Response:
    from webadmin.views import page_response

    return page_response(
        request,
        "aturan_formulir.html",
        status=422 if form.errors else 200,
        form=form,
        fields=FIELD_NAMES,
        operators=OPERATOR_NAMES,
        vocabulary=vocabulary,
        keamanan=KEAMANAN,
        kecepatan=KECEPATAN,
    )


async def form_page(request: web.Request) -> web.Response:
    """A new rule (no ?nama=) or the named rule in the form."""
    _admin(request)
    document, vocabulary = await asyncio.to_thread(_load, app_of(request))
    name = clean_text(request.query.get("nama", ""), 200)
    if not name:
        return _form_page(request, RuleForm(), vocabulary)
    stored = next((r for r in document.get("rules") or [] if r.get("name") == name), None)
    if stored is None:
        raise web.HTTPNotFound()
    form = form_of_rule(stored)
    if form is None:
        raise web.HTTPSeeOther("/aturan/ubah")  # only the YAML view can show this rule
    return _form_page(request, form, vocabulary)


async def form_submit(request: web.Request) -> web.Response:
    """Validate the form; when it is sound, dry-run the document with it in place."""
    from webadmin.rules_page import dry_run_response

    _admin(request)
    post = await request.post()
    form = form_of_post(post)
    document, vocabulary = await asyncio.to_thread(_load, app_of(request))
    candidate = candidate_document(document, form, vocabulary)
    if form.errors:
        return _form_page(request, form, vocabulary)
    comment = f"aturan {form.name!r} diubah lewat formulir"
    return await dry_run_response(request, dumped(candidate), comment)


async def toggle(request: web.Request) -> web.Response:
    from webadmin.rules_page import dry_run_response

    _admin(request)
    post = await request.post()
    name = form_text(post, "nama", 200)
    document, _ = await asyncio.to_thread(_load, app_of(request))
    try:
        candidate = toggled(document, name)
    except LookupError:
        raise web.HTTPNotFound() from None
    return await dry_run_response(
        request, dumped(candidate), f"aturan {name!r} diaktifkan/nonaktif"
    )


async def move(request: web.Request) -> web.Response:
    from webadmin.rules_page import dry_run_response

    _admin(request)
    post = await request.post()
    name = form_text(post, "nama", 200)
    up = post.get("arah") == "naik"
    document, _ = await asyncio.to_thread(_load, app_of(request))
    try:
        candidate = moved(document, name, up)
    except LookupError:
        raise web.HTTPNotFound() from None
    direction = "dinaikkan" if up else "diturunkan"
    return await dry_run_response(request, dumped(candidate), f"aturan {name!r} {direction}")


def add_routes(application: web.Application) -> None:
    application.router.add_get("/aturan/formulir", form_page)
    application.router.add_post("/aturan/formulir", form_submit)
    application.router.add_post("/aturan/aktif", toggle)
    application.router.add_post("/aturan/geser", move)
