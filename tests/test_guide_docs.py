"""The administrators' guide to organisation and rules (docs/id/organisasi-dan-aturan.md)
stays true: its YAML examples load exactly as `tnde org import` / `tnde rules import` would
read them, and the fields, actions and instruction codes it lists are the engine's."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from gateway.org.document import parse_org
from rules.actions import ACTIONS, SPECIAL_TARGETS
from rules.conditions import FIELDS, OPERATORS
from rules.loader import compile_document
from rules.vocabulary import Vocabulary

ROOT = Path(__file__).parent.parent
GUIDE = ROOT / "docs" / "id" / "organisasi-dan-aturan.md"
DOMAIN = "tnde.banyumaskab.go.id"
# Operators the engine uses internally as a field's default; administrators write the rest.
INTERNAL_OPERATORS = {"kka", "domain"}


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def yaml_blocks() -> list[Any]:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", guide(), re.S)]


def demo_vocabulary() -> Vocabulary:
    """What the demo organisation and the seeded instructions let rules name."""
    org = parse_org(
        yaml.safe_load((ROOT / "gateway/data/demo-org.yaml").read_text(encoding="utf-8")), DOMAIN
    )
    instructions = yaml.safe_load(
        (ROOT / "gateway/data/instructions.yaml").read_text(encoding="utf-8")
    )
    return Vocabulary(
        units=frozenset(u.code for u in org.units),
        positions=frozenset(p.handle for p in org.positions),
        instructions={str(code): str(label) for code, label in instructions.items()},
    )


def test_the_organisation_example_imports() -> None:
    document = parse_org(yaml_blocks()[0], DOMAIN)
    assert {u.code for u in document.units} == {"SETDA", "DINKES"}
    assert any(a.kind == "plt" for p in document.people for a in p.assignments)


def test_every_rules_example_compiles_against_the_demo_organisation() -> None:
    vocabulary = demo_vocabulary()
    documents = []
    for block in yaml_blocks()[1:]:
        if isinstance(block, dict) and "rules" in block:
            documents.append(block)
        elif isinstance(block, list):  # one rule, as added to an exported file
            documents.append({"rules": block})
        else:  # a condition fragment: wrap it in a rule
            documents.append(
                {"rules": [{"name": "x", "priority": 1, **block, "then": [{"ignore": True}]}]}
            )
    assert len(documents) >= 3
    for document in documents:
        compile_document(document, vocabulary)


def test_the_guide_lists_every_field_action_operator_target_and_instruction() -> None:
    text = guide()
    missing = [f for f in FIELDS if f"`{f}`" not in text]
    missing += [a for a in ACTIONS if f"`{a}`" not in text]
    missing += [o for o in OPERATORS if o not in INTERNAL_OPERATORS and f"`{o}`" not in text]
    missing += [t for t in SPECIAL_TARGETS if f"`{t}`" not in text]
    missing += [code for code in demo_vocabulary().instructions if f"`{code}`" not in text]
    assert missing == []
