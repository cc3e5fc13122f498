"""Rule engine speed: 1,000 rules against one letter, next to baselines from the same run.

    python bench/rules.py [--rules 1000] [--letters 2000] [--output bench/results/rules.json]

Scenarios:
  indexed     realistic rules keyed by sender domain / recipient unit (the index skips them)
  subject     every rule is `subject contains`: the index cannot help, all 1,000 run
  body-regex  every rule is a regex over subject + body (~2 KB): the slowest kind
  no-index    the indexed set with the index switched off (what the index buys)
Baselines, each over the same text its scenarios scan (like with like):
  baseline       1,000 substring tests on the subject (for indexed, subject, no-index)
  baseline-text  1,000 substring tests on subject + body, ~2 KB (for body-regex)
the least any evaluation of 1,000 text conditions over that text can cost in Python.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rules.engine import evaluate
from rules.index import RuleIndex
from rules.loader import RuleSet, compile_document
from rules.model import Facts
from rules.vocabulary import Vocabulary

UNITS = ("SETDA", "DINKES", "BAPPEDA", "DINHUBKOMINFO")
VOCABULARY = Vocabulary(
    units=frozenset(UNITS),
    positions=frozenset({"sekda", "kadinkes", "kabappeda", "kadis.hubkominfo"}),
    instructions={"KETAHUI": "Untuk diketahui", "PROSES": "Proses lebih lanjut"},
)


def indexed_rules(count: int) -> dict[str, Any]:
    rules = []
    for i in range(count):
        key = (
            {"sender_domain": f"instansi{i}.go.id"}
            if i % 2
            else {"recipient_unit": UNITS[i % 4]}
            if i % 10 == 0
            else {"sender": f"tu{i}@x.go.id"}
        )
        rules.append(
            {
                "name": f"r{i}",
                "priority": i,
                "when": {"all": [key, {"subject": {"contains": f"kata{i}"}}]},
                "then": [{"dispose": {"to": ["sekda"], "instructions": ["KETAHUI"]}}],
            }
        )
    return {"rules": rules}


def unindexed_rules(count: int, field: str, operator: str) -> dict[str, Any]:
    """Rules the index cannot skip: every one of them runs for every letter."""
    rules = []
    for i in range(count):
        operand = f"kata{i}x" if operator == "contains" else f"\\bkata{i}x\\b"
        rules.append(
            {
                "name": f"r{i}",
                "priority": i,
                "when": {field: {operator: operand}},
                "then": [{"dispose": {"to": ["sekda"]}}],
            }
        )
    return {"rules": rules}


def without_index(rule_set: RuleSet) -> RuleSet:
    rules = tuple(dataclasses.replace(r, guard=None) for r in rule_set.rules)
    return dataclasses.replace(rule_set, rules=rules, index=RuleIndex([None] * len(rules)))


def letter(index: int) -> Facts:
    return Facts(
        sender=f"surat{index}@kemkes.go.id",
        sender_domain="kemkes.go.id",
        recipients=("dinkes@tnde.banyumaskab.go.id",),
        recipient_units=("DINKES",),
        unit="DINKES",
        subject=f"Undangan rapat koordinasi nomor {index}",
        body="Dengan hormat, bersama ini kami mengundang Bapak/Ibu. " * 40,
    )


def timed(function: Any, letters: list[Facts]) -> list[float]:
    samples = []
    for facts in letters:
        start = time.perf_counter()
        function(facts)
        samples.append((time.perf_counter() - start) * 1e6)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "mean_us": round(statistics.fmean(ordered), 1),
        "p50_us": round(ordered[len(ordered) // 2], 1),
        "p99_us": round(ordered[int(len(ordered) * 0.99) - 1], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--output", default="bench/results/rules.json")
    args = parser.parse_args()
    letters = [letter(i) for i in range(args.letters)]
    start = time.perf_counter()
    indexed = compile_document(indexed_rules(args.rules), VOCABULARY)
    compile_ms = (time.perf_counter() - start) * 1000
    subject = compile_document(unindexed_rules(args.rules, "subject", "contains"), VOCABULARY)
    body = compile_document(unindexed_rules(args.rules, "text", "regex"), VOCABULARY)
    plain = without_index(indexed)
    needles = [f"kata{i}" for i in range(args.rules)]

    def baseline(facts: Facts) -> None:
        subject = facts.subject.lower()
        for needle in needles:
            if needle in subject:
                return

    def baseline_text(facts: Facts) -> None:
        # The text body-regex rules see: subject and body, lower-cased once.
        text = (facts.subject + "\n" + facts.body).lower()
        for needle in needles:
            if needle in text:
                return

    results: dict[str, Any] = {}
    for name, function in (
        ("baseline", baseline),
        ("baseline-text", baseline_text),
        ("indexed", lambda f: evaluate(indexed, f)),
        ("subject", lambda f: evaluate(subject, f)),
        ("body-regex", lambda f: evaluate(body, f)),
        ("no-index", lambda f: evaluate(plain, f)),
    ):
        timed(function, letters[:200])  # warm up
        results[name] = summary(timed(function, letters))
        print(f"  {name:13} {results[name]}", file=sys.stderr)
    # Each scenario against the baseline that scans the same text.
    baseline_of = {"body-regex": "baseline-text", "baseline-text": "baseline-text"}
    report = {
        "rules": args.rules,
        "letters": args.letters,
        "compile_ms": round(compile_ms, 1),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "results": results,
        "baseline_of": {k: baseline_of.get(k, "baseline") for k in results},
        "ratio_to_baseline": {
            k: round(v["mean_us"] / results[baseline_of.get(k, "baseline")]["mean_us"], 1)
            for k, v in results.items()
        },
    }
    print(f"{args.rules} rules, {args.letters} letters, compile {compile_ms:.1f} ms")
    print(f"{'scenario':13} {'mean µs':>9} {'p50 µs':>9} {'p99 µs':>9} {'× baseline':>11}")
    for name, values in results.items():
        ratio = report["ratio_to_baseline"][name]
        numbers = f"{values['mean_us']:9.1f} {values['p50_us']:9.1f} {values['p99_us']:9.1f}"
        print(f"{name:13} {numbers} {ratio:11.1f}  (÷ {report['baseline_of'][name]})")
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
