"""The message catalogue: both languages complete, every key the code uses exists, and
every state, event type and outcome field a person can see has a label."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from gateway.catalogue import Catalogue, load_messages, placeholders
from gateway.config import ConfigError, load_settings
from gateway.core.states import DispositionStatus, InboundState, NaskahStatus, OutboxState
from gateway.workflow.notices import KEAMANAN_LABEL, KECEPATAN_LABEL
from rules.model import Decision

ROOT = Path(__file__).parent.parent
SOURCES = [*ROOT.joinpath("gateway").rglob("*.py"), *ROOT.joinpath("webadmin").rglob("*.py")]
TEMPLATES = [
    *ROOT.joinpath("webadmin", "templates").rglob("*.html"),
    *ROOT.joinpath("gateway", "templates").rglob("*.j2"),
]
# Keys built at run time from a stored value: `t.label("status.inbound", state)` and
# f-strings such as t(f"rules.field.{field}").
CHANNELS = ("system", "email", "cli", "rule", "web")  # event channels and actors, not types
GROUPS = (
    "lacak.milestone.",
    "sifat.",
    "status.",
    "register.",
    "event.",
    "outbox.kind.",
    "rules.field.",
    "rule_form.",
    "count.",
    "verdict.",
    "sender_flag.",
    "tte.result.",
    "tte.unchecked.",
    "tte.detail.",
    "tte.time_source.",
)


def _calls(name: str) -> list[ast.Call]:
    """Every call of `name(...)` or `x.name(...)` in the gateway and the panel."""
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                called = node.func
                if getattr(called, "id", None) == name or getattr(called, "attr", None) == name:
                    found.append(node)
    return found


def keys_in_code() -> set[str]:
    keys = set()
    for call in _calls("t"):
        if call.args and isinstance(call.args[0], ast.Constant):
            keys.add(call.args[0].value)
    for path in TEMPLATES:
        keys |= set(
            re.findall(r"""\bt\(["']([a-z_.]+)["']\s*[,)]""", path.read_text(encoding="utf-8"))
        )
    return keys


def recorded_event_types() -> set[str]:
    """The audit event types the code writes: the type argument of each event call."""
    types = set()
    for name in ("record_event", "system_event", "event"):
        for call in _calls(name):
            candidates = [*call.args, *(k.value for k in call.keywords if k.arg == "type")]
            for arg in candidates:
                if (
                    isinstance(arg, ast.Constant)
                    and isinstance(arg.value, str)
                    and re.fullmatch(r"[a-z]+(_[a-z]+)*", arg.value)
                    and arg.value not in CHANNELS
                ):
                    types.add(arg.value)
                if isinstance(arg, ast.IfExp):  # type="released" if release else "requeued"
                    types |= {
                        side.value
                        for side in (arg.body, arg.orelse)
                        if isinstance(side, ast.Constant)
                    }
    from gateway.workflow.unverified import REPORTED_EVENT

    return types | {REPORTED_EVENT}


def test_every_text_has_both_languages_with_the_same_placeholders() -> None:
    for key, entry in load_messages().items():
        assert set(entry) == {"id", "en"}, key
        assert entry["id"].strip() and entry["en"].strip(), key
        assert placeholders(entry["id"]) == placeholders(entry["en"]), key


def test_every_key_the_code_asks_for_exists() -> None:
    keys = keys_in_code()
    assert len(keys) > 100  # the scan found the command line's texts
    missing = sorted(k for k in keys if k not in load_messages())
    assert missing == [], f"keys used in the code but absent from the catalogue: {missing}"


def test_no_text_is_left_unused() -> None:
    sources = "\n".join(p.read_text(encoding="utf-8") for p in [*SOURCES, *TEMPLATES])
    unused = sorted(
        key
        for key in load_messages()
        if not key.startswith(GROUPS) and f'"{key}"' not in sources and f"'{key}'" not in sources
    )
    assert unused == [], f"texts nobody shows: {unused}"


def test_every_state_a_person_sees_has_a_label_in_both_languages() -> None:
    outcome_fields = {*Decision(unit="X").outcome(), "dispositions_to", "tembusan_to"}
    wanted = [
        *(f"status.inbound.{s}" for s in InboundState),
        *(f"status.outbox.{s}" for s in OutboxState),
        *(f"status.disposition.{s}" for s in DispositionStatus),
        *(f"status.naskah.{s}" for s in NaskahStatus),
        *(f"rules.field.{f}" for f in outcome_fields),
        *(f"sifat.keamanan.{code}" for code in KEAMANAN_LABEL),
        *(f"sifat.kecepatan.{code}" for code in KECEPATAN_LABEL),
    ]
    assert [key for key in wanted if key not in load_messages()] == []


def test_every_event_type_the_code_records_has_a_timeline_label() -> None:
    types = recorded_event_types()
    assert {"registered", "comment_unverified", "disposed", "released", "requeued"} <= types
    assert sorted(t for t in types if f"event.{t}" not in load_messages()) == []
    t = Catalogue()
    assert t.event("registered") == "Diregistrasi"
    assert t.event("comment_unverified") == "Tanggapan tidak terverifikasi"
    assert Catalogue("en").event("registered") == "Registered"
    assert t.event("something_new") == "something_new"  # a gap shows, it does not fail


def test_every_outbox_kind_has_a_label() -> None:
    kinds = set()
    for call in _calls("OutgoingMail"):
        for keyword in call.keywords:
            if keyword.arg == "kind" and isinstance(keyword.value, ast.Constant):
                kinds.add(keyword.value.value)
    from gateway.services import CAPPED_KINDS
    from gateway.workflow.unverified import ALERT_KIND, CONFIRMATION_KIND

    kinds |= {*CAPPED_KINDS, ALERT_KIND, CONFIRMATION_KIND}
    assert sorted(k for k in kinds if f"outbox.kind.{k}" not in load_messages()) == []


def test_a_label_typed_by_a_person_means_the_stored_value() -> None:
    t = Catalogue()
    assert t.value_for("status.inbound", "dikarantina") == "quarantined"
    assert t.value_for("status.inbound", "Quarantined") == "quarantined"
    assert t.value_for("status.inbound", "quarantined") == "quarantined"
    assert t.value_for("status.outbox", "terkirim") == "sent"
    assert t.value_for("status.outbox", "entah") == "entah"


def test_ui_language_is_validated_when_the_configuration_loads() -> None:
    assert load_settings(environ={"TNDE_UI__LANGUAGE": "en"}).ui.language == "en"
    with pytest.raises(ConfigError, match=r"ui\.language"):
        load_settings(environ={"TNDE_UI__LANGUAGE": "jawa"})
    with pytest.raises(ValueError, match="unknown language"):
        Catalogue("jawa")
