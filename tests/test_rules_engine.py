"""The routing-rule engine (rules/): conditions, actions, ordering, validation and the index.

Everything here is pure: rule documents are plain dicts shaped like the YAML administrators
write (gateway/data/demo-rules.yaml), facts are built directly, and no I/O happens.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rules.builtin import FALLBACK_DOCUMENT
from rules.conditions import FIELDS, OPERATORS
from rules.due import DueSpec, parse_due
from rules.engine import evaluate
from rules.errors import RuleError
from rules.index import RuleIndex
from rules.loader import RuleSet, compile_document
from rules.model import Action, AttachmentFact, Decision, Dispose, Facts, Rule
from rules.vocabulary import Vocabulary

# ---------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------

VOCABULARY = Vocabulary(
    units=frozenset({"SETDA", "DINKES"}),
    positions=frozenset({"sekda", "kadinkes", "kabid.p2p", "kabag.umum"}),
    instructions={
        "KETAHUI": "Untuk diketahui",
        "HADIRI": "Hadiri",
        "PROSES": "Proses lebih lanjut",
    },
)

IGNORE: dict[str, Any] = {"ignore": True}


def rule(
    name: str,
    priority: int,
    when: Any,
    *then: dict[str, Any],
    continues: bool = False,
    **keys: Any,
) -> dict[str, Any]:
    """One rule document as an administrator writes it (`continue: true` when `continues`)."""
    document = {"name": name, "priority": priority, "when": when, "then": list(then), **keys}
    if continues:
        document["continue"] = True
    return document


def compile(rules: list[dict[str, Any]], **options: Any) -> RuleSet:
    """Compile a list of rule documents against the test vocabulary."""
    return compile_document({"rules": rules}, VOCABULARY, **options)


def fallback() -> RuleSet:
    return compile_document(FALLBACK_DOCUMENT, VOCABULARY, builtin=True)


def matches(when: Any, facts: Facts) -> bool:
    """Whether a one-rule set with this condition matches (through the engine and its index)."""
    decision = evaluate(compile([rule("r", 1, when, IGNORE)]), facts)
    return decision.ignore


def attachment(filename: str, content_type: str = "application/octet-stream") -> AttachmentFact:
    return AttachmentFact(filename=filename, content_type=content_type)


def hit_names(decision: Decision) -> list[str]:
    return [hit["rule"] for hit in decision.hits]


def without_index(ruleset: RuleSet) -> RuleSet:
    """The same rules with no guards and an empty index: every rule runs its condition."""
    return dataclasses.replace(
        ruleset,
        index=RuleIndex([None] * len(ruleset.rules)),
        rules=tuple(dataclasses.replace(r, guard=None) for r in ruleset.rules),
    )


# ---------------------------------------------------------------------------------------------
# 1. Condition fields: every field in FIELDS with its default operator
# ---------------------------------------------------------------------------------------------

FIELD_CASES = [
    pytest.param(
        "sender",
        {"sender": "Kepala@Kemkes.go.id"},
        Facts(sender="kepala@kemkes.go.id"),
        Facts(sender="wakil@kemkes.go.id"),
        id="sender-equals",
    ),
    pytest.param(
        "sender_domain",
        {"sender_domain": "kemkes.go.id"},
        Facts(sender_domain="x.kemkes.go.id"),
        Facts(sender_domain="notkemkes.go.id"),
        id="sender_domain-domain",
    ),
    pytest.param(
        "sender_agency",
        {"sender_agency": "kementerian kesehatan"},
        Facts(sender_agency="Kementerian Kesehatan RI"),
        Facts(sender_agency="Kementerian Dalam Negeri"),
        id="sender_agency-contains",
    ),
    pytest.param(
        "recipient",
        {"recipient": "setda@banyumaskab.go.id"},
        Facts(recipients=("info@banyumaskab.go.id", "SETDA@banyumaskab.go.id")),
        Facts(recipients=("info@banyumaskab.go.id", "setda.lama@banyumaskab.go.id")),
        id="recipient-any-element-equals",
    ),
    pytest.param(
        "recipient_unit",
        {"recipient_unit": "dinkes"},
        Facts(recipient_units=("SETDA", "DINKES")),
        Facts(recipient_units=("SETDA",)),
        id="recipient_unit-any-element-equals",
    ),
    pytest.param(
        "recipient_position",
        {"recipient_position": "kabag.umum"},
        Facts(recipient_positions=("sekda", "Kabag.Umum")),
        Facts(recipient_positions=("sekda",)),
        id="recipient_position-any-element-equals",
    ),
    pytest.param(
        "unit",
        {"unit": "DINKES"},
        Facts(unit="dinkes"),
        Facts(unit="SETDA"),
        id="unit-equals",
    ),
    pytest.param(
        "subject",
        {"subject": "undangan"},
        Facts(subject="UNDANGAN Rapat Koordinasi"),
        Facts(subject="Laporan bulanan"),
        id="subject-contains",
    ),
    pytest.param(
        "body",
        {"body": "vaksinasi"},
        Facts(body="Pelaksanaan Vaksinasi tahap 2"),
        Facts(body="Pelaksanaan imunisasi", subject="vaksinasi"),
        id="body-contains",
    ),
    pytest.param(
        "text",
        {"text": "musrenbang"},
        Facts(subject="Laporan", body="hasil MUSRENBANG kecamatan"),
        Facts(subject="Laporan", body="hasil rapat"),
        id="text-contains-subject-or-body",
    ),
    pytest.param(
        "perihal",
        {"perihal": "anggaran"},
        Facts(perihal="Usulan Anggaran 2025"),
        Facts(perihal="Usulan kegiatan", subject="anggaran"),
        id="perihal-contains",
    ),
    pytest.param(
        "nomor_surat",
        {"nomor_surat": "/dinkes/"},
        Facts(nomor_surat="400.7/123/DINKES/2024"),
        Facts(nomor_surat="400.7/123/SETDA/2024"),
        id="nomor_surat-contains",
    ),
    pytest.param(
        "attachment_name",
        {"attachment_name": "*.pdf"},
        Facts(attachments=(attachment("surat.docx"), attachment("Laporan.PDF"))),
        Facts(attachments=(attachment("surat.docx"), attachment("pdf.txt"))),
        id="attachment_name-glob-any",
    ),
    pytest.param(
        "attachment_type",
        {"attachment_type": "image/*"},
        Facts(attachments=(attachment("a.pdf", "application/pdf"), attachment("b", "IMAGE/PNG"))),
        Facts(attachments=(attachment("a.pdf", "application/pdf"),)),
        id="attachment_type-glob-any",
    ),
    pytest.param(
        "has_attachment",
        {"has_attachment": True},
        Facts(attachments=(attachment("a.pdf"),)),
        Facts(),
        id="has_attachment-bool",
    ),
    pytest.param(
        "spf",
        {"spf": "PASS"},
        Facts(spf="pass"),
        Facts(spf="softfail"),
        id="spf-equals",
    ),
    pytest.param(
        "dkim",
        {"dkim": "pass"},
        Facts(dkim="Pass"),
        Facts(dkim="none"),
        id="dkim-equals",
    ),
    pytest.param(
        "dmarc",
        {"dmarc": "fail"},
        Facts(dmarc="FAIL"),
        Facts(dmarc="pass"),
        id="dmarc-equals",
    ),
    pytest.param(
        "dmarc_policy",
        {"dmarc_policy": ["reject", "quarantine"]},
        Facts(dmarc_policy="reject"),
        Facts(dmarc_policy="none"),
        id="dmarc_policy-in",
    ),
    pytest.param(
        "arc",
        {"arc": "pass"},
        Facts(arc="pass"),
        Facts(arc="fail"),
        id="arc-equals",
    ),
    pytest.param(
        "sender_verified",
        {"sender_verified": False},
        Facts(sender_verified=False),
        Facts(sender_verified=True),
        id="sender_verified-bool",
    ),
    pytest.param(
        "sender_flag",
        {"sender_flag": "lookalike-domain"},
        Facts(sender_flags=("multiple-addresses", "lookalike-domain")),
        Facts(sender_flags=("multiple-addresses",)),
        id="sender_flag-any-element",
    ),
    pytest.param(
        "tte",
        {"tte": "modified"},
        Facts(tte="modified"),
        Facts(tte="valid"),
        id="tte-equals",
    ),
    pytest.param(
        "tte_signer",
        {"tte_signer": "budi"},
        Facts(tte_signers=("Dr. Budi Santoso",)),
        Facts(tte_signers=("Siti",)),
        id="tte_signer-contains",
    ),
    pytest.param(
        "sifat_keamanan",
        {"sifat_keamanan": "R"},
        Facts(sifat_keamanan="R"),
        Facts(sifat_keamanan="SR"),
        id="sifat_keamanan-equals",
    ),
    pytest.param(
        "kecepatan",
        {"kecepatan": "segera"},
        Facts(kecepatan="SEGERA"),
        Facts(kecepatan="SANGAT_SEGERA"),
        id="kecepatan-equals",
    ),
    pytest.param(
        "jenis",
        {"jenis": "surat_undangan"},
        Facts(jenis="Surat_Undangan"),
        Facts(jenis="surat_edaran"),
        id="jenis-equals",
    ),
    pytest.param(
        "klasifikasi",
        {"klasifikasi": "400"},
        Facts(klasifikasi="400.7.1"),
        Facts(klasifikasi="4001"),
        id="klasifikasi-hierarchy",
    ),
    pytest.param(
        "size",
        {"size": 1_000_000},
        Facts(size=1_000_000),
        Facts(size=999_999),
        id="size-gte",
    ),
    pytest.param(
        "weekday",
        {"weekday": "Sabtu"},
        Facts(weekday="sabtu"),
        Facts(weekday="jumat"),
        id="weekday-in",
    ),
    pytest.param(
        "balasan_surat_keluar",
        {"balasan_surat_keluar": True},
        Facts(balasan_surat_keluar=True),
        Facts(balasan_surat_keluar=False),
        id="balasan-surat-keluar-equals",
    ),
    pytest.param(
        "hour",
        {"hour": 9},
        Facts(hour=9),
        Facts(hour=10),
        id="hour-in",
    ),
]


def test_every_condition_field_has_a_case() -> None:
    assert {case.values[0] for case in FIELD_CASES} == set(FIELDS)


@pytest.mark.parametrize(("field", "when", "matching", "not_matching"), FIELD_CASES)
def test_condition_field_matches_with_its_default_operator(
    field: str, when: dict[str, Any], matching: Facts, not_matching: Facts
) -> None:
    assert field in when
    assert matches(when, matching) is True
    assert matches(when, not_matching) is False


@pytest.mark.parametrize(
    ("pattern", "domain", "expected"),
    [
        ("kemkes.go.id", "kemkes.go.id", True),
        ("kemkes.go.id", "x.kemkes.go.id", True),
        ("kemkes.go.id", "a.b.KEMKES.go.id", True),
        ("kemkes.go.id", "notkemkes.go.id", False),
        ("kemkes.go.id", "kemkes.go.id.evil.com", False),
        ("kemkes.go.id", "go.id", False),
        ("KEMKES.GO.ID", "kemkes.go.id", True),
        ("*.go.id", "kemkes.go.id", True),
        ("*.go.id", "x.kemkes.go.id", True),
        ("*.go.id", "go.id", False),
        ("*.go.id", "notgo.id", False),
    ],
)
def test_sender_domain_matches_the_domain_and_its_subdomains(
    pattern: str, domain: str, expected: bool
) -> None:
    assert matches({"sender_domain": pattern}, Facts(sender_domain=domain)) is expected


def test_text_field_searches_subject_and_body_together() -> None:
    when = {"text": "rapat"}
    assert matches(when, Facts(subject="Undangan Rapat", body="")) is True
    assert matches(when, Facts(subject="Undangan", body="rapat koordinasi")) is True
    assert matches(when, Facts(subject="Undangan", body="koordinasi")) is False


def test_has_attachment_false_matches_only_letters_without_attachments() -> None:
    when = {"has_attachment": False}
    assert matches(when, Facts()) is True
    assert matches(when, Facts(attachments=(attachment("a.pdf"),))) is False


def test_list_fields_match_when_any_element_matches_and_never_when_empty() -> None:
    when = {"recipient_position": "kadinkes"}
    assert matches(when, Facts(recipient_positions=("sekda", "kadinkes", "kabid.p2p"))) is True
    assert matches(when, Facts(recipient_positions=())) is False


def test_weekday_accepts_every_day_name_from_senin_to_minggu() -> None:
    days = ["senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"]
    for day in days:
        assert matches({"weekday": day}, Facts(weekday=day.upper())) is True
        other = days[(days.index(day) + 1) % len(days)]
        assert matches({"weekday": day}, Facts(weekday=other)) is False


def test_weekend_list_like_the_demo_rules() -> None:
    when = {"weekday": ["sabtu", "minggu"]}
    assert matches(when, Facts(weekday="minggu")) is True
    assert matches(when, Facts(weekday="senin")) is False


# ---------------------------------------------------------------------------------------------
# 2. Operators
# ---------------------------------------------------------------------------------------------

OPERATOR_CASES = [
    pytest.param(
        "equals",
        {"subject": {"equals": "Undangan Rapat"}},
        Facts(subject="UNDANGAN rapat"),
        Facts(subject="Undangan rapat koordinasi"),
        id="equals-whole-value",
    ),
    pytest.param(
        "contains",
        {"sender": {"contains": "KEMKES"}},
        Facts(sender="humas@kemkes.go.id"),
        Facts(sender="humas@kemendagri.go.id"),
        id="contains",
    ),
    pytest.param(
        "regex",
        {"subject": {"regex": r"^UNDANGAN\s+rapat\b"}},
        Facts(subject="undangan   RAPAT koordinasi"),
        Facts(subject="re: undangan rapat"),
        id="regex-case-insensitive-search",
    ),
    pytest.param(
        "glob",
        {"subject": {"glob": "undangan*2024"}},
        Facts(subject="Undangan Rakor 2024"),
        Facts(subject="Undangan Rakor 2024 (revisi)"),
        id="glob-whole-value",
    ),
    pytest.param(
        "kka",
        {"klasifikasi": {"kka": "000.1"}},
        Facts(klasifikasi="000.1.2"),
        Facts(klasifikasi="000.10"),
        id="kka-dot-boundary",
    ),
    pytest.param(
        "prefix",
        {"sender": {"prefix": "Newsletter@"}},
        Facts(sender="newsletter@kemkes.go.id"),
        Facts(sender="no-newsletter@kemkes.go.id"),
        id="prefix",
    ),
    pytest.param(
        "suffix",
        {"sender": {"suffix": "@KEMKES.go.id"}},
        Facts(sender="humas@kemkes.go.id"),
        Facts(sender="humas@kemkes.go.id.example"),
        id="suffix",
    ),
    pytest.param(
        "in",
        {"unit": {"in": ["setda", "DINKES"]}},
        Facts(unit="Dinkes"),
        Facts(unit="BAPPEDA"),
        id="in",
    ),
    pytest.param(
        "exists",
        {"sender_agency": {"exists": True}},
        Facts(sender_agency="Kemenkes"),
        Facts(sender_agency=""),
        id="exists",
    ),
    pytest.param(
        "gt",
        {"size": {"gt": 100}},
        Facts(size=101),
        Facts(size=100),
        id="gt",
    ),
    pytest.param(
        "gte",
        {"hour": {"gte": 16}},
        Facts(hour=16),
        Facts(hour=15),
        id="gte",
    ),
    pytest.param(
        "lt",
        {"hour": {"lt": 7}},
        Facts(hour=6),
        Facts(hour=7),
        id="lt",
    ),
    pytest.param(
        "lte",
        {"size": {"lte": "2048"}},
        Facts(size=2048),
        Facts(size=2049),
        id="lte-number-given-as-text",
    ),
    pytest.param(
        "domain",
        {"sender": {"domain": "kemkes.go.id"}},
        Facts(sender="x.kemkes.go.id"),
        Facts(sender="notkemkes.go.id"),
        id="domain-on-another-text-field",
    ),
]


def test_every_operator_has_a_case() -> None:
    assert {case.values[0] for case in OPERATOR_CASES} == set(OPERATORS)


@pytest.mark.parametrize(("operator", "when", "matching", "not_matching"), OPERATOR_CASES)
def test_operator_matches_and_refuses(
    operator: str, when: dict[str, Any], matching: Facts, not_matching: Facts
) -> None:
    ((_field, matcher),) = when.items()
    assert operator in matcher
    assert matches(when, matching) is True
    assert matches(when, not_matching) is False


def test_regex_is_case_insensitive_in_both_directions() -> None:
    assert matches({"body": {"regex": "SPBE"}}, Facts(body="aplikasi spbe daerah")) is True
    assert matches({"body": {"regex": "spbe"}}, Facts(body="APLIKASI SPBE DAERAH")) is True
    assert matches({"body": {"regex": r"\bspbe\b"}}, Facts(body="spbex")) is False


def test_a_yaml_list_as_matcher_means_in() -> None:
    when = {"kecepatan": ["SEGERA", "sangat_segera"]}
    assert matches(when, Facts(kecepatan="SANGAT_SEGERA")) is True
    assert matches(when, Facts(kecepatan="SEGERA")) is True
    assert matches(when, Facts(kecepatan="BIASA")) is False
    decision = evaluate(compile([rule("r", 1, when, IGNORE)]), Facts(kecepatan="BIASA"))
    assert decision.misses == [("r", "kecepatan not in ['SEGERA', 'sangat_segera']")]


def test_in_on_a_list_field_matches_any_element_in_the_options() -> None:
    when = {"recipient_unit": ["DINKES", "BAPPEDA"]}
    assert matches(when, Facts(recipient_units=("SETDA", "dinkes"))) is True
    assert matches(when, Facts(recipient_units=("SETDA",))) is False


def test_in_on_numbers_for_hours() -> None:
    when = {"hour": [7, 8, "9"]}
    assert matches(when, Facts(hour=9)) is True
    assert matches(when, Facts(hour=10)) is False


def test_exists_false_matches_an_empty_text_field() -> None:
    when = {"sender_agency": {"exists": False}}
    assert matches(when, Facts(sender_agency="")) is True
    assert matches(when, Facts(sender_agency="Kemenkes")) is False


def test_exists_on_a_list_field_is_true_when_it_has_an_element() -> None:
    when = {"recipient_position": {"exists": True}}
    assert matches(when, Facts(recipient_positions=("kabag.umum",))) is True
    assert matches(when, Facts(recipient_positions=())) is False


def test_exists_false_on_a_list_field_matches_a_letter_without_elements() -> None:
    when = {"recipient_position": {"exists": False}}
    assert matches(when, Facts(recipient_positions=())) is True
    assert matches(when, Facts(recipient_positions=("kabag.umum",))) is False


def test_numeric_comparisons_at_the_boundaries() -> None:
    assert matches({"size": {"gt": 10}}, Facts(size=10)) is False
    assert matches({"size": {"gte": 10}}, Facts(size=10)) is True
    assert matches({"size": {"lt": 10}}, Facts(size=10)) is False
    assert matches({"size": {"lte": 10}}, Facts(size=10)) is True
    assert matches({"hour": {"gt": 15.5}}, Facts(hour=16)) is True


def test_hit_and_miss_reasons_name_field_operator_and_operand() -> None:
    ruleset = compile([rule("pola", 1, {"subject": {"regex": "^UND"}}, IGNORE)])
    assert evaluate(ruleset, Facts(subject="undangan")).hits[0]["reason"] == (
        "subject regex '^UND'"
    )
    assert evaluate(ruleset, Facts(subject="laporan")).misses == [
        ("pola", "subject not regex '^UND'")
    ]


# ---------------------------------------------------------------------------------------------
# 3. all / any / not, nesting, and the recorded reasons
# ---------------------------------------------------------------------------------------------

DEEP = {
    "all": [
        {"sender_domain": "*.go.id"},
        {
            "any": [
                {"subject": "undangan"},
                {
                    "all": [
                        {"has_attachment": True},
                        {"not": {"attachment_name": "*.exe"}},
                    ]
                },
            ]
        },
        {"not": {"kecepatan": "SANGAT_SEGERA"}},
    ]
}


def test_deep_condition_hit_records_the_reasons_of_the_matching_branch() -> None:
    facts = Facts(
        sender_domain="kemkes.go.id", subject="Laporan", attachments=(attachment("lap.pdf"),)
    )
    decision = evaluate(compile([rule("dalam", 1, DEEP, IGNORE)]), facts)
    assert decision.ignore is True
    assert decision.hits == [
        {
            "rule": "dalam",
            "reason": "sender_domain domain '*.go.id' and has_attachment equals True and "
            "not (attachment_name not glob '*.exe') and "
            "not (kecepatan not equals 'SANGAT_SEGERA')",
            "actions": [{"action": "ignore", "value": True}],
        }
    ]
    assert decision.misses == []


def test_deep_condition_miss_records_every_failed_alternative_of_any() -> None:
    facts = Facts(
        sender_domain="kemkes.go.id", subject="Laporan", attachments=(attachment("SETUP.EXE"),)
    )
    decision = evaluate(compile([rule("dalam", 1, DEEP, IGNORE)]), facts)
    assert decision.ignore is False
    assert decision.hits == []
    assert decision.to_dict()["misses"] == [
        {
            "rule": "dalam",
            "reason": "none of: subject not contains 'undangan'; "
            "not (attachment_name glob '*.exe')",
        }
    ]


def test_deep_condition_miss_reports_the_first_failing_part_of_all() -> None:
    ruleset = compile([rule("dalam", 1, DEEP, IGNORE)])
    outside = evaluate(ruleset, Facts(sender_domain="go.id", subject="undangan"))
    assert outside.misses == [("dalam", "sender_domain not domain '*.go.id'")]
    urgent = evaluate(
        ruleset,
        Facts(sender_domain="kemkes.go.id", subject="Undangan", kecepatan="SANGAT_SEGERA"),
    )
    assert urgent.misses == [("dalam", "not (kecepatan equals 'SANGAT_SEGERA')")]


def test_not_inverts_and_double_not_restores() -> None:
    assert matches({"not": {"unit": "SETDA"}}, Facts(unit="DINKES")) is True
    assert matches({"not": {"unit": "SETDA"}}, Facts(unit="SETDA")) is False
    assert matches({"not": {"not": {"unit": "SETDA"}}}, Facts(unit="SETDA")) is True


def test_any_of_all_of_not_four_levels_deep() -> None:
    when = {
        "any": [
            {"dmarc": "fail"},
            {
                "all": [
                    {"recipient_unit": "DINKES"},
                    {"not": {"any": [{"subject": "iklan"}, {"sender": {"prefix": "promo@"}}]}},
                ]
            },
        ]
    }
    assert matches(when, Facts(dmarc="fail", subject="iklan")) is True
    assert matches(when, Facts(recipient_units=("DINKES",), subject="Laporan")) is True
    assert matches(when, Facts(recipient_units=("DINKES",), subject="IKLAN obat")) is False
    assert matches(when, Facts(recipient_units=("DINKES",), sender="promo@toko.id")) is False
    assert matches(when, Facts(recipient_units=("SETDA",), subject="Laporan")) is False


def test_always_conditions_match_everything() -> None:
    for when in ("always", None, True):
        decision = evaluate(compile([rule("selalu", 1, when, IGNORE)]), Facts())
        assert decision.hits[0]["reason"] == "always"


# ---------------------------------------------------------------------------------------------
# 4. Actions
# ---------------------------------------------------------------------------------------------


def test_set_unit_normalises_the_code_and_changes_the_decision() -> None:
    decision = evaluate(
        compile([rule("ke dinkes", 1, "always", {"set_unit": " dinkes "})]), Facts(unit="setda")
    )
    assert decision.unit == "DINKES"
    assert decision.hits[0]["actions"] == [{"action": "set_unit", "value": "DINKES"}]


def test_the_decision_starts_from_the_letters_unit_in_upper_case() -> None:
    decision = evaluate(compile([]), Facts(unit="setda"))
    assert decision.unit == "SETDA"


def test_later_rules_see_the_unit_set_by_a_continuing_rule() -> None:
    ruleset = compile(
        [
            rule("pindah", 1, "always", {"set_unit": "DINKES"}, continues=True),
            rule("dinkes", 2, {"unit": "DINKES"}, {"dispose": {"to": ["kadinkes"]}}),
        ]
    )
    decision = evaluate(ruleset, Facts(unit="SETDA"))
    assert decision.unit == "DINKES"
    assert hit_names(decision) == ["pindah", "dinkes"]
    assert decision.dispositions == [Dispose(targets=("kadinkes",))]


def test_later_rules_see_jenis_and_sifat_set_by_a_continuing_rule() -> None:
    ruleset = compile(
        [
            rule(
                "tandai",
                1,
                "always",
                {"set_jenis": "Surat_Undangan"},
                {"set_sifat": {"kecepatan": "segera"}},
                continues=True,
            ),
            rule(
                "segera",
                2,
                {"all": [{"jenis": "surat_undangan"}, {"kecepatan": "SEGERA"}]},
                {"dispose": "sekda"},
            ),
        ]
    )
    decision = evaluate(ruleset, Facts(kecepatan="BIASA"))
    assert hit_names(decision) == ["tandai", "segera"]
    assert decision.jenis == "surat_undangan"
    assert decision.kecepatan == "SEGERA"
    assert decision.dispositions == [Dispose(targets=("sekda",))]


def test_set_jenis_is_lower_cased() -> None:
    decision = evaluate(compile([rule("j", 1, "always", {"set_jenis": "Surat_Edaran"})]), Facts())
    assert decision.jenis == "surat_edaran"


def test_set_sifat_sets_keamanan_and_kecepatan_normalised() -> None:
    then = {"set_sifat": {"keamanan": "r", "kecepatan": "sangat segera"}}
    decision = evaluate(compile([rule("sifat", 1, "always", then)]), Facts())
    assert (decision.sifat_keamanan, decision.kecepatan) == ("R", "SANGAT_SEGERA")
    assert decision.outcome()["sifat"] == {"keamanan": "R", "kecepatan": "SANGAT_SEGERA"}


def test_set_sifat_with_only_kecepatan_keeps_the_letters_keamanan() -> None:
    then = {"set_sifat": {"kecepatan": "SEGERA"}}
    decision = evaluate(compile([rule("s", 1, "always", then)]), Facts(sifat_keamanan="T"))
    assert (decision.sifat_keamanan, decision.kecepatan) == ("T", "SEGERA")


def test_set_sifat_never_lowers_the_letters_keamanan() -> None:
    # A letter its sender marked RAHASIA stays secret whatever a rule says; raising works.
    lower = {"set_sifat": {"keamanan": "B", "kecepatan": "SEGERA"}}
    decision = evaluate(compile([rule("s", 1, "always", lower)]), Facts(sifat_keamanan="R"))
    assert (decision.sifat_keamanan, decision.kecepatan) == ("R", "SEGERA")
    raise_to_sr = {"set_sifat": {"keamanan": "SR"}}
    decision = evaluate(compile([rule("s", 1, "always", raise_to_sr)]), Facts(sifat_keamanan="T"))
    assert decision.sifat_keamanan == "SR"


def test_set_klasifikasi_accepts_a_kode_klasifikasi() -> None:
    decision = evaluate(compile([rule("k", 1, "always", {"set_klasifikasi": "000.1.2"})]), Facts())
    assert decision.klasifikasi == "000.1.2"


@pytest.mark.parametrize("code", ["12.3", "1000", "400.", "abc", "1000.1"])
def test_set_klasifikasi_refuses_what_is_not_a_kode_klasifikasi(code: str) -> None:
    with pytest.raises(
        RuleError, match=r'"k"\.then\[0\]\.set_klasifikasi: .* bukan kode klasifikasi'
    ):
        compile([rule("k", 1, "always", {"set_klasifikasi": code})])


def test_dispose_normalises_targets_and_instructions_by_code_or_label() -> None:
    then = {
        "dispose": {
            "to": ["Kadinkes", "@HEAD", "kabid.p2p"],
            "instructions": ["ketahui", "proses LEBIH lanjut", "Hadiri", "UNTUK DIKETAHUI"],
            "note": "Mohon segera",
            "due": "3 hari kerja",
        }
    }
    decision = evaluate(compile([rule("disposisi", 1, "always", then)]), Facts())
    assert decision.dispositions == [
        Dispose(
            targets=("kadinkes", "@head", "kabid.p2p"),
            instructions=("KETAHUI", "PROSES", "HADIRI", "KETAHUI"),
            note="Mohon segera",
            due="3 hari kerja",
        )
    ]
    assert decision.outcome()["dispositions"] == [
        {
            "to": ["kadinkes", "@head", "kabid.p2p"],
            "instructions": ["KETAHUI", "PROSES", "HADIRI", "KETAHUI"],
            "note": "Mohon segera",
            "due": "3 hari kerja",
        }
    ]
    assert decision.routed is True


def test_dispose_shorthands_and_special_targets() -> None:
    ruleset = compile(
        [
            rule("satu", 1, "always", {"dispose": "sekda"}, continues=True),
            rule(
                "daftar",
                2,
                "always",
                {"dispose": ["@registrar", "@addressed"]},
                {"dispose": {"to": "kabag.umum", "instructions": "HADIRI"}},
            ),
        ]
    )
    decision = evaluate(ruleset, Facts())
    assert decision.dispositions == [
        Dispose(targets=("sekda",)),
        Dispose(targets=("@registrar", "@addressed")),
        Dispose(targets=("kabag.umum",), instructions=("HADIRI",)),
    ]


def test_copy_adds_tembusan_without_duplicates_in_order() -> None:
    ruleset = compile(
        [
            rule(
                "a",
                1,
                "always",
                {"copy": ["kabag.umum", "Kabag.Umum", "@registrar"]},
                continues=True,
            ),
            rule("b", 2, "always", {"copy": "kabid.p2p"}, {"copy": ["kabag.umum", "sekda"]}),
        ]
    )
    decision = evaluate(ruleset, Facts())
    assert decision.copies == ["kabag.umum", "@registrar", "kabid.p2p", "sekda"]
    assert decision.outcome()["tembusan"] == ["kabag.umum", "@registrar", "kabid.p2p", "sekda"]


def test_copy_alone_does_not_route_the_letter() -> None:
    decision = evaluate(compile([rule("c", 1, "always", {"copy": ["sekda"]})]), Facts())
    assert decision.copies == ["sekda"]
    assert decision.routed is False


def test_quarantine_records_the_reason_and_routes() -> None:
    ruleset = compile([rule("dmarc", 1, {"dmarc": "fail"}, {"quarantine": "DMARC gagal"})])
    decision = evaluate(ruleset, Facts(dmarc="fail"))
    assert decision.quarantine == "DMARC gagal"
    assert decision.routed is True
    assert decision.outcome()["quarantine"] == "DMARC gagal"
    assert evaluate(ruleset, Facts(dmarc="pass")).quarantine is None


def test_ignore_marks_the_letter_ignored() -> None:
    ruleset = compile([rule("buletin", 1, {"subject": "buletin"}, IGNORE)])
    assert evaluate(ruleset, Facts(subject="Laporan")).ignore is False
    decision = evaluate(ruleset, Facts(subject="Buletin Mingguan"))
    assert decision.ignore is True
    assert decision.routed is True
    assert decision.outcome()["ignore"] is True


def test_ignore_must_be_written_as_true() -> None:
    with pytest.raises(RuleError, match=r"\"b\"\.then\[0\]\.ignore: tulis 'ignore: true'"):
        compile([rule("b", 1, "always", {"ignore": False})])


def test_stop_action_ends_the_rules_without_routing() -> None:
    ruleset = compile(
        [
            rule("berhenti", 1, {"unit": "SETDA"}, {"copy": ["kabag.umum"]}, {"stop": True}),
            rule("lain", 2, "always", {"dispose": ["sekda"]}),
        ]
    )
    assert ruleset.rules[0].stop is True
    assert [a.kind for a in ruleset.rules[0].actions] == ["copy"]
    decision = evaluate(ruleset, Facts(unit="SETDA"))
    assert hit_names(decision) == ["berhenti"]
    assert decision.dispositions == []
    assert decision.copies == ["kabag.umum"]


def test_describe_lists_every_action_in_the_hit() -> None:
    then = [
        {"set_unit": "DINKES"},
        {"dispose": {"to": ["kadinkes"], "instructions": ["PROSES"], "due": "1d"}},
        {"copy": ["kabid.p2p"]},
    ]
    decision = evaluate(compile([rule("kemkes", 1, "always", *then)]), Facts())
    assert decision.hits[0]["actions"] == [
        {"action": "set_unit", "value": "DINKES"},
        {
            "action": "dispose",
            "to": ["kadinkes"],
            "instructions": ["PROSES"],
            "note": "",
            "due": "1d",
        },
        {"action": "copy", "value": ("kabid.p2p",)},
    ]


# ---------------------------------------------------------------------------------------------
# 5. Ordering, disabled rules, stop/continue and the fallback
# ---------------------------------------------------------------------------------------------


def test_rules_run_by_priority_not_by_document_order() -> None:
    ruleset = compile(
        [
            rule("kedua", 20, "always", {"dispose": ["sekda"]}),
            rule("pertama", 10, "always", {"dispose": ["kadinkes"]}),
            rule("ketiga", 30, "always", {"dispose": ["kabag.umum"]}),
        ]
    )
    assert [r.name for r in ruleset.rules] == ["pertama", "kedua", "ketiga"]
    decision = evaluate(ruleset, Facts())
    assert hit_names(decision) == ["pertama"]
    assert decision.dispositions == [Dispose(targets=("kadinkes",))]


def test_first_matching_rule_stops_unless_it_continues() -> None:
    rules = [
        rule("tembusan", 1, "always", {"copy": ["kabag.umum"]}),
        rule("tidak cocok", 2, {"unit": "DINKES"}, {"dispose": ["kadinkes"]}),
        rule("setda", 3, {"unit": "SETDA"}, {"dispose": ["sekda"]}),
        rule("sesudahnya", 4, "always", {"dispose": ["kabid.p2p"]}),
    ]
    stopping = evaluate(compile(rules), Facts(unit="SETDA"))
    assert hit_names(stopping) == ["tembusan"]
    assert stopping.misses == []
    assert stopping.dispositions == []

    rules[0]["continue"] = True
    continuing = evaluate(compile(rules), Facts(unit="SETDA"))
    assert hit_names(continuing) == ["tembusan", "setda"]
    assert continuing.misses == [("tidak cocok", "unit not equals 'DINKES'")]
    assert continuing.copies == ["kabag.umum"]
    assert continuing.dispositions == [Dispose(targets=("sekda",))]


def test_disabled_rules_are_skipped_and_recorded_as_disabled() -> None:
    ruleset = compile(
        [
            rule("mati", 1, "always", {"dispose": ["sekda"]}, enabled=False),
            rule("hidup", 2, "always", {"dispose": ["kadinkes"]}),
        ]
    )
    decision = evaluate(ruleset, Facts())
    assert decision.misses == [("mati", "disabled")]
    assert hit_names(decision) == ["hidup"]
    assert decision.to_dict()["misses"] == [{"rule": "mati", "reason": "disabled"}]


def test_fallback_runs_when_no_rule_routed_the_letter() -> None:
    ruleset = compile(
        [rule("tembusan", 1, "always", {"copy": ["kabag.umum"]}, {"set_unit": "DINKES"})]
    )
    decision = evaluate(ruleset, Facts(unit="SETDA"), fallback=fallback())
    assert hit_names(decision) == ["tembusan", "bawaan: kepala unit"]
    assert decision.unit == "DINKES"
    assert decision.copies == ["kabag.umum"]
    assert decision.dispositions == [Dispose(targets=("@head",))]


def test_fallback_runs_when_no_rule_matched() -> None:
    ruleset = compile([rule("dinkes", 1, {"unit": "DINKES"}, {"dispose": ["kadinkes"]})])
    decision = evaluate(ruleset, Facts(unit="SETDA"), fallback=fallback())
    assert decision.misses == [
        ("dinkes", "unit not equals 'DINKES'"),
        ("bawaan: alamat jabatan", "recipient_position not exists True"),
    ]
    assert decision.dispositions == [Dispose(targets=("@head",))]


@pytest.mark.parametrize(
    ("routing", "dispositions"),
    [
        ({"dispose": ["sekda"]}, [Dispose(targets=("sekda",))]),
        ({"quarantine": "lampiran berbahaya"}, []),
        ({"ignore": True}, []),
    ],
    ids=["dispose", "quarantine", "ignore"],
)
def test_fallback_does_not_run_after_a_rule_routed_the_letter(
    routing: dict[str, Any], dispositions: list[Dispose]
) -> None:
    decision = evaluate(compile([rule("atur", 1, "always", routing)]), Facts(), fallback())
    assert hit_names(decision) == ["atur"]
    assert decision.misses == []
    assert decision.dispositions == dispositions


def test_builtin_fallback_document_compiles_as_builtin_rules() -> None:
    ruleset = fallback()
    assert [(r.name, r.priority, r.builtin) for r in ruleset.rules] == [
        ("bawaan: alamat jabatan", 1_000_000, True),
        ("bawaan: kepala unit", 1_000_001, True),
    ]
    assert all(r.builtin is False for r in compile([rule("a", 1, "always", IGNORE)]).rules)


def test_builtin_fallback_addressed_position_wins_over_head() -> None:
    addressed = evaluate(compile([]), Facts(recipient_positions=("kabag.umum",)), fallback())
    assert hit_names(addressed) == ["bawaan: alamat jabatan"]
    assert addressed.dispositions == [Dispose(targets=("@addressed",))]

    unaddressed = evaluate(compile([]), Facts(recipient_units=("SETDA",)), fallback())
    assert hit_names(unaddressed) == ["bawaan: kepala unit"]
    assert unaddressed.misses == [("bawaan: alamat jabatan", "recipient_position not exists True")]
    assert unaddressed.dispositions == [Dispose(targets=("@head",))]


def test_decision_carries_the_rule_set_version_into_to_dict() -> None:
    ruleset = compile([rule("r", 1, {"unit": "X"}, IGNORE)], version=7)
    stored = evaluate(ruleset, Facts(unit="SETDA")).to_dict()
    assert stored["rule_set_version"] == 7
    assert stored["misses"] == [{"rule": "r", "reason": "unit not equals 'X'"}]
    assert stored["hits"] == []
    assert stored["errors"] == []
    assert stored["unit"] == "SETDA"


# ---------------------------------------------------------------------------------------------
# 6. Invalid rules are refused, naming the rule and the field
# ---------------------------------------------------------------------------------------------

DISPOSE_SEKDA: dict[str, Any] = {"dispose": ["sekda"]}

INVALID_RULES = [
    pytest.param(
        rule("pola rusak", 1, {"subject": {"regex": "(undangan"}}, IGNORE),
        r'rules\[0\] "pola rusak"\.when\.subject\.regex: ekspresi reguler .* tidak sah',
        id="bad-regex",
    ),
    pytest.param(
        rule(
            "pola dalam",
            1,
            {"all": [{"unit": "SETDA"}, {"any": [{"body": {"regex": "[a-"}}]}]},
            IGNORE,
        ),
        r'"pola dalam"\.when\.all\[1\]\.any\[0\]\.body\.regex: ekspresi reguler .* tidak sah',
        id="bad-regex-nested",
    ),
    pytest.param(
        rule("ke aptika", 1, "always", {"dispose": {"to": ["sekda", "kabid.aptika"]}}),
        r'"ke aptika"\.then\[0\]\.dispose\.to\[1\]: handle jabatan \'kabid\.aptika\' tidak dikenal',
        id="unknown-position",
    ),
    pytest.param(
        rule("tembusan", 1, "always", {"copy": ["@boss"]}),
        r'"tembusan"\.then\[0\]\.copy\[0\]: handle jabatan \'@boss\' tidak dikenal',
        id="unknown-copy-target",
    ),
    pytest.param(
        rule("perintah", 1, "always", {"dispose": {"to": ["sekda"], "instructions": ["TERBANG"]}}),
        r'"perintah"\.then\[0\]\.dispose\.instructions\[0\]: instruksi \'TERBANG\' tidak dikenal',
        id="unknown-instruction",
    ),
    pytest.param(
        rule("unit", 1, "always", {"set_unit": "DINSOS"}),
        r'"unit"\.then\[0\]\.set_unit: unit \'DINSOS\' tidak dikenal; unit yang ada: DINKES, SETDA',
        id="unknown-unit",
    ),
    pytest.param(
        rule("medan", 1, {"pengirim": "x"}, IGNORE),
        r'"medan"\.when: kolom \'pengirim\' tidak dikenal; kolom yang dikenal: ',
        id="unknown-field",
    ),
    pytest.param(
        rule("operator", 1, {"subject": {"like": "x"}}, IGNORE),
        r'"operator"\.when\.subject: operator \'like\' tidak dikenal; '
        r"gunakan salah satu dari equals",
        id="unknown-operator",
    ),
    pytest.param(
        rule("dua operator", 1, {"subject": {"contains": "x", "prefix": "y"}}, IGNORE),
        r'"dua operator"\.when\.subject: berikan tepat satu operator',
        id="two-operators",
    ),
    pytest.param(
        rule("angka", 1, {"subject": {"gt": 3}}, IGNORE),
        r'"angka"\.when\.subject: operator \'gt\' tidak dapat dipakai untuk kolom ini',
        id="numeric-operator-on-text",
    ),
    pytest.param(
        rule("ukuran", 1, {"size": {"gt": "besar"}}, IGNORE),
        r'"ukuran"\.when\.size: \'besar\' harus berupa angka',
        id="number-not-a-number",
    ),
    pytest.param(
        rule("lampiran", 1, {"has_attachment": "ya"}, IGNORE),
        r'"lampiran"\.when\.has_attachment: harus true atau false',
        id="bool-not-a-bool",
    ),
    pytest.param(
        rule("hari", 1, {"weekday": ["sabtu", "ahad"]}, IGNORE),
        r'"hari"\.when\.weekday: \'ahad\' bukan salah satu dari senin, selasa',
        id="unknown-weekday",
    ),
    pytest.param(
        rule("cepat", 1, {"kecepatan": "SUPER"}, IGNORE),
        r'"cepat"\.when\.kecepatan: \'SUPER\' bukan salah satu dari SANGAT_SEGERA, SEGERA, BIASA',
        id="enum-in-condition",
    ),
    pytest.param(
        rule("sifat", 1, "always", {"set_sifat": {"kecepatan": "SUPER"}}),
        r'"sifat"\.then\[0\]\.set_sifat\.kecepatan: \'SUPER\' bukan salah satu dari SANGAT_SEGERA',
        id="enum-kecepatan-in-action",
    ),
    pytest.param(
        rule("rahasia", 1, "always", {"set_sifat": {"keamanan": "TOP"}}),
        r'"rahasia"\.then\[0\]\.set_sifat\.keamanan: \'TOP\' bukan salah satu dari SR, R, T, B',
        id="enum-keamanan-in-action",
    ),
    pytest.param(
        rule("sifat kosong", 1, "always", {"set_sifat": {"warna": "merah"}}),
        r'"sifat kosong"\.then\[0\]\.set_sifat: tulis \{keamanan: R\}',
        id="set-sifat-unknown-key",
    ),
    pytest.param(
        rule("tenggat", 1, "always", {"dispose": {"to": ["sekda"], "due": "besok"}}),
        r'"tenggat"\.then\[0\]\.dispose\.due: \'besok\' bukan batas waktu',
        id="bad-due",
    ),
    pytest.param(
        rule("kunci", 1, "always", {"dispose": {"to": ["sekda"], "kepada": ["x"]}}),
        r'"kunci"\.then\[0\]\.dispose: kunci tidak dikenal: kepada',
        id="unknown-dispose-key",
    ),
    pytest.param(
        {"name": "tanpa urutan", "when": "always", "then": [DISPOSE_SEKDA]},
        r'"tanpa urutan"\.priority: wajib berupa bilangan bulat',
        id="missing-priority",
    ),
    pytest.param(
        {"name": "urutan teks", "priority": "10", "when": "always", "then": [DISPOSE_SEKDA]},
        r'"urutan teks"\.priority: wajib berupa bilangan bulat',
        id="priority-as-text",
    ),
    pytest.param(
        {"name": "kosong", "priority": 1, "when": "always", "then": []},
        r'"kosong"\.then: wajib berupa daftar tindakan yang tidak kosong',
        id="empty-then",
    ),
    pytest.param(
        {"name": "tanpa then", "priority": 1, "when": "always"},
        r'"tanpa then"\.then: wajib berupa daftar tindakan yang tidak kosong',
        id="missing-then",
    ),
    pytest.param(
        rule("lanjut", 1, "always", DISPOSE_SEKDA, {"stop": True}, continues=True),
        r"\"lanjut\": 'continue: true' dan tindakan 'stop' saling bertentangan",
        id="continue-and-stop",
    ),
    pytest.param(
        rule("aksi", 1, "always", {"forward": ["sekda"]}),
        r'"aksi"\.then\[0\]: tindakan \'forward\' tidak dikenal; gunakan salah satu dari set_unit',
        id="unknown-action",
    ),
    pytest.param(
        rule("kunci rule", 1, "always", DISPOSE_SEKDA, prioritas=2),
        r'"kunci rule": kunci tidak dikenal: prioritas; kunci aturan: name, priority',
        id="unknown-rule-key",
    ),
    pytest.param(
        {"priority": 1, "when": "always", "then": [DISPOSE_SEKDA]},
        r"rules\[0\]\.name wajib diisi",
        id="missing-name",
    ),
    pytest.param(
        rule("kosong", 1, {"all": []}, IGNORE),
        r'"kosong"\.when\.all: harus berupa daftar kondisi yang tidak kosong',
        id="empty-all",
    ),
    pytest.param(
        rule("dua medan", 1, {"unit": "SETDA", "subject": "x"}, IGNORE),
        r'"dua medan"\.when: kondisi harus berupa all/any/not',
        id="two-fields-in-one-leaf",
    ),
]


@pytest.mark.parametrize(("document", "message"), INVALID_RULES)
def test_invalid_rule_is_refused_naming_rule_and_field(
    document: dict[str, Any], message: str
) -> None:
    with pytest.raises(RuleError, match=message):
        compile([document])


def test_error_names_the_position_of_the_rule_in_the_document() -> None:
    good = rule("baik", 1, "always", DISPOSE_SEKDA)
    bad = rule("buruk", 2, {"subject": {"regex": "("}}, IGNORE)
    with pytest.raises(RuleError, match=r'^rules\[1\] "buruk"\.when\.subject\.regex: '):
        compile([good, bad])


def test_duplicate_rule_names_are_refused() -> None:
    with pytest.raises(RuleError, match=r'nama aturan "sama" dipakai dua kali'):
        compile(
            [
                rule("sama", 1, "always", DISPOSE_SEKDA),
                rule("sama", 2, "always", DISPOSE_SEKDA),
            ]
        )


def test_duplicate_priorities_are_refused() -> None:
    with pytest.raises(RuleError, match=r'aturan "satu" dan "dua" sama-sama memakai priority 10'):
        compile(
            [
                rule("satu", 10, "always", DISPOSE_SEKDA),
                rule("dua", 10, "always", DISPOSE_SEKDA),
            ]
        )


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], r"dokumen aturan harus berupa tabel dengan daftar 'rules'"),
        ({"rules": "semua"}, r"dokumen aturan harus berupa tabel dengan daftar 'rules'"),
        ({"rules": [], "versi": 2}, r"kunci tingkat atas tidak dikenal: versi"),
        ({"rules": ["bukan rule"]}, r"rules\[0\]: aturan harus berupa tabel dengan name, priority"),
    ],
)
def test_malformed_documents_are_refused(document: Any, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        compile_document(document, VOCABULARY)


def test_empty_documents_compile_to_no_rules() -> None:
    assert compile_document(None, VOCABULARY).rules == ()
    assert compile_document({"rules": [], "comment": "kosong"}, VOCABULARY).rules == ()


# ---------------------------------------------------------------------------------------------
# 7. Lenient compile of stored rules the organisation outgrew
# ---------------------------------------------------------------------------------------------

STORED_RULES = [
    rule("tembusan tu", 5, "always", {"copy": ["kabag.umum"]}, continues=True),
    rule("ke kabid lama", 10, {"sender_domain": "kemkes.go.id"}, {"dispose": ["kabid.lama"]}),
    rule("kemkes", 20, {"sender_domain": "kemkes.go.id"}, {"dispose": ["kadinkes"]}),
]


def test_strict_compile_refuses_a_rule_naming_a_removed_position() -> None:
    with pytest.raises(RuleError, match=r"\"ke kabid lama\"\.then\[0\]\.dispose\.to\[0\]"):
        compile(STORED_RULES)


def test_lenient_compile_skips_only_the_broken_rule_and_records_why() -> None:
    ruleset = compile(STORED_RULES, lenient=True)
    assert [r.name for r in ruleset.rules] == ["tembusan tu", "kemkes"]
    assert ruleset.errors == (
        {
            "rule": "ke kabid lama",
            "error": 'rules[1] "ke kabid lama".then[0].dispose.to[0]: '
            "handle jabatan 'kabid.lama' tidak dikenal",
        },
    )


def test_lenient_rule_set_still_routes_the_letter() -> None:
    ruleset = compile(STORED_RULES, lenient=True)
    decision = evaluate(ruleset, Facts(sender_domain="kemkes.go.id"), fallback())
    assert hit_names(decision) == ["tembusan tu", "kemkes"]
    assert decision.dispositions == [Dispose(targets=("kadinkes",))]
    assert decision.copies == ["kabag.umum"]


def test_lenient_compile_of_a_valid_document_has_no_errors() -> None:
    ruleset = compile([STORED_RULES[0], STORED_RULES[2]], lenient=True)
    assert ruleset.errors == ()
    assert len(ruleset.rules) == 2


# ---------------------------------------------------------------------------------------------
# 8. A rule that fails at run time is skipped and recorded
# ---------------------------------------------------------------------------------------------


def _explodes(_facts: dict[str, Any]) -> tuple[bool, str]:
    raise ZeroDivisionError("division by zero")


def test_rule_that_raises_at_run_time_is_skipped_and_recorded() -> None:
    compiled = compile(
        [
            rule("catat", 10, "always", {"copy": ["kabag.umum"]}, continues=True),
            rule("kemkes", 30, {"sender_domain": "kemkes.go.id"}, {"dispose": ["kadinkes"]}),
        ]
    )
    broken = Rule(
        name="meledak",
        priority=20,
        enabled=True,
        stop=True,
        condition=_explodes,
        actions=(Action("ignore", True),),
    )
    rules = tuple(sorted([*compiled.rules, broken], key=lambda r: r.priority))
    ruleset = RuleSet(rules=rules, document={}, index=RuleIndex([r.guard for r in rules]))

    decision = evaluate(ruleset, Facts(sender_domain="kemkes.go.id"))

    assert decision.errors == [{"rule": "meledak", "error": "ZeroDivisionError: division by zero"}]
    assert decision.ignore is False
    assert hit_names(decision) == ["catat", "kemkes"]
    assert decision.misses == []
    assert decision.dispositions == [Dispose(targets=("kadinkes",))]
    assert decision.to_dict()["errors"] == decision.errors


# ---------------------------------------------------------------------------------------------
# 9. The index is only a prefilter: it never changes results
# ---------------------------------------------------------------------------------------------

DOMAINS = ("kemkes.go.id", "x.kemkes.go.id", "notkemkes.go.id", "go.id", "banyumaskab.go.id")
DOMAIN_PATTERNS = ("kemkes.go.id", "*.go.id", "*.kemkes.go.id", "go.id", "KEMKES.go.id")
UNITS = ("SETDA", "DINKES")
WORDS = ("undangan", "laporan", "rapat")
SPEEDS = ("SANGAT_SEGERA", "SEGERA", "BIASA")
JENIS = ("surat_undangan", "surat_edaran")


def _equality_leaf(field: str, values: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """`{field: v}`, `{field: {equals: v}}`, `{field: [v, ...]}` or `{field: {in: [...]}}`."""
    value = st.sampled_from(values)
    some = st.lists(value, min_size=1, max_size=len(values), unique=True)
    return st.one_of(
        value.map(lambda v: {field: v}),
        value.map(lambda v: {field: {"equals": v.lower()}}),
        some.map(lambda vs: {field: vs}),
        some.map(lambda vs: {field: {"in": vs}}),
    )


INDEXED_LEAVES = st.one_of(
    st.sampled_from(DOMAIN_PATTERNS).map(lambda d: {"sender_domain": d}),
    st.sampled_from(DOMAINS).map(lambda d: {"sender_domain": {"equals": d}}),
    _equality_leaf("recipient_unit", UNITS),
    _equality_leaf("unit", UNITS),
    _equality_leaf("kecepatan", SPEEDS),
    _equality_leaf("jenis", JENIS),
)
UNINDEXED_LEAVES = st.one_of(
    st.sampled_from(WORDS).map(lambda w: {"subject": {"contains": w}}),
    st.sampled_from(UNITS).map(lambda u: {"unit": {"prefix": u[:3].lower()}}),
    st.booleans().map(lambda b: {"recipient_unit": {"exists": b}}),
    st.just("always"),
)
CONDITIONS = st.recursive(
    st.one_of(INDEXED_LEAVES, UNINDEXED_LEAVES),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda parts: {"all": parts}),
        st.lists(inner, min_size=1, max_size=3).map(lambda parts: {"any": parts}),
        inner.map(lambda part: {"not": part}),
    ),
    max_leaves=8,
)
# Actions that change facts the index looks at (the engine must re-index after them).
SETTERS = st.one_of(
    st.sampled_from(UNITS).map(lambda u: {"set_unit": u}),
    st.sampled_from(SPEEDS).map(lambda s: {"set_sifat": {"kecepatan": s}}),
    st.sampled_from(JENIS).map(lambda j: {"set_jenis": j}),
)
ACTIONS = st.one_of(
    SETTERS,
    st.just({"copy": ["kabag.umum"]}),
    st.just({"dispose": ["sekda"]}),
    st.just({"quarantine": "tahan"}),
)


@st.composite
def rule_sets(draw: st.DrawFn) -> RuleSet:
    count = draw(st.integers(min_value=1, max_value=6))
    priorities = draw(st.lists(st.integers(0, 99), min_size=count, max_size=count, unique=True))
    documents = [
        rule(
            f"r{i}",
            priority,
            draw(st.one_of(INDEXED_LEAVES, CONDITIONS)),
            *draw(st.lists(ACTIONS, min_size=1, max_size=2)),
            continues=draw(st.booleans()),
            enabled=draw(st.sampled_from([True] * 4 + [False])),
        )
        for i, priority in enumerate(priorities)
    ]
    if draw(st.booleans()):
        # A continuing rule that runs first and changes an indexed fact for the rules after it.
        when = draw(st.one_of(st.just("always"), CONDITIONS))
        documents.append(rule("setter", -1, when, draw(SETTERS), continues=True))
    return compile(documents)


@st.composite
def letters(draw: st.DrawFn) -> Facts:
    unit_spellings = (*UNITS, "dinkes", "")
    return Facts(
        sender_domain=draw(st.sampled_from((*DOMAINS, ""))),
        recipient_units=tuple(draw(st.lists(st.sampled_from(unit_spellings), max_size=2))),
        unit=draw(st.sampled_from(unit_spellings)),
        subject=" ".join(draw(st.lists(st.sampled_from(WORDS), max_size=2))),
        kecepatan=draw(st.sampled_from(SPEEDS)),
        jenis=draw(st.sampled_from((*JENIS, ""))),
    )


INDEX_SETTINGS = settings(max_examples=500, deadline=None, database=None)
DISPOSE_HEAD: dict[str, Any] = {"dispose": ["@head"]}


@INDEX_SETTINGS
@given(ruleset=rule_sets(), facts=letters())
# Shapes a wrong guard would get wrong, always tried besides the generated ones:
@example(  # `any` with an unindexed alternative has no guard
    ruleset=compile([rule("r", 1, {"any": [{"unit": "SETDA"}, {"subject": "rapat"}]}, IGNORE)]),
    facts=Facts(unit="DINKES", subject="rapat"),
)
@example(  # `not` over an indexed leaf has no guard
    ruleset=compile([rule("r", 1, {"not": {"unit": "SETDA"}}, IGNORE)]),
    facts=Facts(unit="DINKES"),
)
@example(  # a continuing rule changes kecepatan: the later rule becomes a candidate
    ruleset=compile(
        [
            rule("s", 1, "always", {"set_sifat": {"kecepatan": "SEGERA"}}, continues=True),
            rule("r", 2, {"kecepatan": "SEGERA"}, DISPOSE_HEAD),
        ]
    ),
    facts=Facts(kecepatan="BIASA"),
)
@example(  # a continuing rule sets jenis
    ruleset=compile(
        [
            rule("s", 1, "always", {"set_jenis": "surat_undangan"}, continues=True),
            rule("r", 2, {"jenis": ["surat_undangan"]}, DISPOSE_HEAD),
        ]
    ),
    facts=Facts(),
)
@example(  # domain guards are looked up by every suffix of the sender's domain
    ruleset=compile([rule("r", 1, {"sender_domain": "*.go.id"}, IGNORE)]),
    facts=Facts(sender_domain="x.kemkes.go.id"),
)
def test_index_never_changes_the_outcome_hits_or_missed_rules(
    ruleset: RuleSet, facts: Facts
) -> None:
    indexed = evaluate(ruleset, facts)
    plain = evaluate(without_index(ruleset), facts)
    assert indexed.outcome() == plain.outcome()
    assert indexed.hits == plain.hits
    assert [name for name, _ in indexed.misses] == [name for name, _ in plain.misses]
    assert indexed.errors == plain.errors == []


ALL_WITH_UNINDEXED_FIRST = {"all": [{"subject": {"contains": "undangan"}}, {"unit": "SETDA"}]}


@INDEX_SETTINGS
@given(ruleset=rule_sets(), facts=letters())
@example(  # the minimal counterexample, so that the failure does not depend on the search
    ruleset=compile([rule("r0", 0, ALL_WITH_UNINDEXED_FIRST, IGNORE)]), facts=Facts()
)
def test_index_records_the_same_miss_reason_as_running_the_rule(
    ruleset: RuleSet, facts: Facts
) -> None:
    assert evaluate(ruleset, facts).misses == evaluate(without_index(ruleset), facts).misses


def test_index_miss_reason_for_all_is_the_first_failing_part() -> None:
    ruleset = compile([rule("r0", 0, ALL_WITH_UNINDEXED_FIRST, IGNORE)])
    facts = Facts()
    assert evaluate(without_index(ruleset), facts).misses == [
        ("r0", "subject not contains 'undangan'")
    ]
    assert evaluate(ruleset, facts).misses == [("r0", "subject not contains 'undangan'")]


def test_index_miss_reason_for_all_of_two_indexed_parts() -> None:
    when = {"all": [{"sender_domain": "kemkes.go.id"}, {"recipient_unit": "DINKES"}]}
    ruleset = compile([rule("r0", 0, when, IGNORE)])
    facts = Facts(sender_domain="kemendagri.go.id", recipient_units=("SETDA",))
    assert evaluate(without_index(ruleset), facts).misses == [
        ("r0", "sender_domain not domain 'kemkes.go.id'")
    ]
    assert evaluate(ruleset, facts).misses == [("r0", "sender_domain not domain 'kemkes.go.id'")]


def test_index_skips_rules_whose_guard_fails_without_running_them() -> None:
    calls: list[str] = []

    def counting(_facts: dict[str, Any]) -> tuple[bool, str]:
        calls.append("ran")
        return True, "counted"

    compiled = compile([rule("dinkes", 1, {"recipient_unit": "DINKES"}, IGNORE)])
    counted = dataclasses.replace(compiled.rules[0], condition=counting)
    ruleset = dataclasses.replace(compiled, rules=(counted,))
    decision = evaluate(ruleset, Facts(recipient_units=("SETDA",)))
    assert calls == []
    assert decision.misses == [("dinkes", "recipient_unit not equals 'DINKES'")]
    evaluate(ruleset, Facts(recipient_units=("DINKES",)))
    assert calls == ["ran"]


def test_index_is_recomputed_after_a_continuing_rule_changes_an_indexed_fact() -> None:
    ruleset = compile(
        [
            rule(
                "segerakan",
                1,
                "always",
                {"set_sifat": {"kecepatan": "SEGERA"}},
                continues=True,
            ),
            rule("segera", 2, {"kecepatan": "SEGERA"}, {"dispose": ["sekda"]}),
        ]
    )
    assert ruleset.rules[1].guard is not None
    decision = evaluate(ruleset, Facts(kecepatan="BIASA"))
    assert hit_names(decision) == ["segerakan", "segera"]
    assert decision.dispositions == [Dispose(targets=("sekda",))]


# ---------------------------------------------------------------------------------------------
# 10. Due specs
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1d", DueSpec("days", 1)),
        ("4h", DueSpec("hours", 4)),
        ("2 jam", DueSpec("hours", 2)),
        ("3 workdays", DueSpec("workdays", 3)),
        ("1 workday", DueSpec("workdays", 1)),
        ("2 working days", DueSpec("workdays", 2)),
        ("3 hari kerja", DueSpec("workdays", 3)),
        ("  3   HARI   Kerja ", DueSpec("workdays", 3)),
        ("5 hari", DueSpec("days", 5)),
        ("10 days", DueSpec("days", 10)),
        ("same day", DueSpec("same_day")),
        ("Hari Ini", DueSpec("same_day")),
        ("0d", DueSpec("same_day")),
        ("kecepatan", DueSpec("kecepatan")),
        ("", DueSpec("kecepatan")),
    ],
)
def test_parse_due_accepts_the_documented_forms(text: str, expected: DueSpec) -> None:
    assert parse_due(text) == expected


@pytest.mark.parametrize("junk", ["besok", "1 minggu", "-1d", "1000d", "d", "3 hari kerja lagi"])
def test_parse_due_refuses_junk_listing_the_accepted_forms(junk: str) -> None:
    with pytest.raises(RuleError) as raised:
        parse_due(junk, "rules[0].due")
    message = str(raised.value)
    assert message.startswith(f"rules[0].due: {junk!r} bukan batas waktu yang dikenal")
    for form in ("'4 jam'", "'5 hari'", "'3 hari kerja'", "'hari ini'", "'1d'", "'4h'"):
        assert form in message
    assert "'kecepatan'" in message


def test_a_tembusan_to_the_rules_own_disposition_target_is_refused() -> None:
    twice = rule(
        "dobel", 10, "always", {"dispose": {"to": ["kadinkes"]}}, {"copy": ["kadinkes", "sekda"]}
    )
    with pytest.raises(RuleError, match=r'"dobel": kadinkes menerima disposisi sekaligus tembusan'):
        compile([twice])


def test_every_invalid_rule_is_reported_at_once() -> None:
    bad = [
        rule("satu", 10, {"subject": {"regex": "("}}, IGNORE),
        rule("dua", 20, "always", {"dispose": {"to": ["nobody"]}}),
        rule("tiga", 30, "always", IGNORE),
    ]
    with pytest.raises(RuleError) as err:
        compile(bad)
    text = str(err.value)
    assert text.startswith("2 aturan tidak sah:") and '"satu"' in text and '"dua"' in text
    assert '"tiga"' not in text


def test_the_demo_rules_model_good_practice() -> None:
    from pathlib import Path

    import yaml

    demo = yaml.safe_load(
        (Path(__file__).parents[1] / "gateway" / "data" / "demo-rules.yaml").read_text()
    )
    for item in demo["rules"]:
        copies = [t for action in item["then"] for t in action.get("copy", [])]
        assert "@registrar" not in copies, item["name"]  # the TU desk has every letter
