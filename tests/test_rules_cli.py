"""Rule versions, rollback, dry run and org import through the `tnde` command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from gateway.db.models import Naskah
from gateway.seed import load_yaml
from tests.support.cli import run
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import naskah_rows, settled


def write_rules(path: Path, document: dict[str, Any]) -> str:
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return str(path)


def kemkes_to(handle: str) -> dict[str, Any]:
    """The demo rules with the Kemenkes rule pointing at another position."""
    document = load_yaml("demo-rules.yaml")
    for rule in document["rules"]:
        if rule["name"] == "kemkes ke kadinkes":
            rule["then"] = [{"dispose": {"to": [handle], "instructions": ["KETAHUI"]}}]
    return document


def test_import_history_export_and_rollback(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    path = write_rules(tmp_path / "v2.yaml", kemkes_to("sekdinkes"))
    code, out, _ = run(capsys, "rules", "import", path, "--author", "admin", "-m", "sekdis dulu")
    assert code == 0 and "aturan versi 2 disimpan" in out
    code, out, _ = run(capsys, "rules", "history", "--json")
    history = json.loads(out)
    assert [(h["version"], h["author"], h["comment"]) for h in history] == [
        (2, "admin", "sekdis dulu"),
        (1, "demo", "aturan contoh Banyumas"),
    ]
    code, out, _ = run(capsys, "rules", "rollback", "1", "--author", "admin")
    assert code == 0 and "versi 1 berlaku lagi sebagai versi 3" in out
    code, out, _ = run(capsys, "rules", "export")
    exported = yaml.safe_load(out)
    assert out.startswith("# aturan versi 3")
    assert exported == load_yaml("demo-rules.yaml")
    code, out, _ = run(capsys, "rules", "export", "--version", "2")
    assert "sekdinkes" in out
    assert json.loads(run(capsys, "rules", "history", "--json")[1])[0]["restored_from"] == 1
    code, _, err = run(capsys, "rules", "export", "--version", "99")
    assert code == 1 and "aturan versi 99 tidak ada" in err
    code, _, err = run(capsys, "rules", "rollback", "99", "--author", "admin")
    assert code == 1 and "aturan versi 99 tidak ada" in err


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"when": {"subject": {"regex": "(unclosed"}}},
            r'rules\[0\] "uji"\.when\.subject\.regex: ekspresi reguler .* tidak sah',
        ),
        (
            {"then": [{"dispose": {"to": ["kepala.entah"]}}]},
            r"handle jabatan 'kepala.entah' tidak dikenal",
        ),
        (
            {"then": [{"dispose": {"to": ["sekda"], "instructions": ["TERBANG"]}}]},
            r"instructions\[0\]: instruksi 'TERBANG' tidak dikenal",
        ),
        ({"when": {"warna": "merah"}}, r"kolom 'warna' tidak dikenal"),
        (
            {"then": [{"dispose": {"to": ["sekda"], "due": "besok lusa"}}]},
            r"due: 'besok lusa' bukan batas waktu",
        ),
    ],
)
def test_invalid_rules_are_refused_with_the_field_named_and_nothing_saved(
    capsys: pytest.CaptureFixture[str],
    cli_env: str,
    tmp_path: Path,
    change: dict[str, Any],
    message: str,
) -> None:
    rule = {
        "name": "uji",
        "priority": 1,
        "when": {"subject": "x"},
        "then": [{"dispose": {"to": ["sekda"]}}],
        **change,
    }
    path = write_rules(tmp_path / "bad.yaml", {"rules": [rule]})
    code, _, err = run(capsys, "rules", "import", path)
    assert code == 1 and "ditolak, tidak ada yang disimpan" in err
    import re

    assert re.search(message, err), err
    assert len(json.loads(run(capsys, "rules", "history", "--json")[1])) == 1


def test_each_letter_records_the_version_that_routed_it(
    capsys: pytest.CaptureFixture[str], cli_env: str, gateway: RunningGateway, tmp_path: Path
) -> None:
    def send_kemkes() -> None:
        with gateway.smtp() as client:
            client.sendmail(
                "a@kemkes.go.id",
                [f"dinkes@{DOMAIN}"],
                letter(to=f"dinkes@{DOMAIN}", sender="a@kemkes.go.id"),
            )
        wait_for(lambda: settled(gateway.app))

    send_kemkes()
    run(capsys, "rules", "import", write_rules(tmp_path / "v2.yaml", kemkes_to("sekdinkes")))
    send_kemkes()
    first, second = naskah_rows(gateway.app)
    assert (first.rule_set_version, second.rule_set_version) == (1, 2)
    _, out, _ = run(capsys, "naskah", "show", second.agenda_number)
    assert "Penjaluran (aturan versi 2)" in out and "-> sekdinkes [KETAHUI]" in out


def test_dry_run_equals_the_real_run_and_shows_a_candidates_diff(
    capsys: pytest.CaptureFixture[str], cli_env: str, gateway: RunningGateway, tmp_path: Path
) -> None:
    messages = [
        ("a@kemkes.go.id", f"dinkes@{DOMAIN}", "Surveilans", "Mohon tindak lanjut."),
        ("b@jatengprov.go.id", f"setda@{DOMAIN}", "Permohonan data", "Mohon data."),
        ("c@jatengprov.go.id", f"bappeda@{DOMAIN}", "Musrenbang", "Jadwal musrenbang."),
    ]
    with gateway.smtp() as client:
        for sender, to, subject, body in messages:
            client.sendmail(sender, [to], letter(to=to, sender=sender, subject=subject, body=body))
    wait_for(lambda: settled(gateway.app) and len(naskah_rows(gateway.app)) == 3)
    code, out, _ = run(capsys, "rules", "test", "--last", "10", "--json", "--all")
    results = json.loads(out)
    assert len(results) == 3 and not any(r["changed"] for r in results)
    with gateway.app.db.read() as session:
        stored = {n.agenda_number: n.decision for n in session.scalars(select(Naskah))}
    for result in results:
        # Same code path: the dry run's "current" equals what the worker decided and stored.
        decision = stored[result["agenda_number"]]
        assert result["current_rules"] == [hit["rule"] for hit in decision["hits"]]
        assert result["current"]["dispositions"] == decision["dispositions"]
    candidate = write_rules(tmp_path / "cand.yaml", kemkes_to("sekdinkes"))
    code, out, _ = run(capsys, "rules", "test", "--last", "10", "--rules", candidate)
    assert code == 0
    # A table for people: one row per changed letter, then each change in words.
    lines = out.splitlines()
    assert lines[0].split() == [
        "NOMOR",
        "AGENDA",
        "HASIL",
        "ATURAN",
        "KINI",
        "ATURAN",
        "CALON",
        "YANG",
        "BERUBAH",
        "PERIHAL",
    ]
    row = next(line for line in lines if line.startswith("00001/SM/DINKES/2026"))
    assert "BERUBAH" in row and "kemkes ke kadinkes" in row and "disposisi kepada" in row
    assert "  disposisi kepada: kadinkes -> sekdinkes" in lines
    assert "{" not in out and "['" not in out and "None" not in out  # no Python reprs
    assert lines[-1] == "3 surat diuji terhadap versi 1: 1 akan berubah"
    code, out, _ = run(capsys, "rules", "test", "--last", "10", "--rules", candidate, "--json")
    (changed,) = json.loads(out)
    assert {"field": "dispositions_to", "current": ["kadinkes"], "candidate": ["sekdinkes"]} in (
        changed["changes"]
    )
    bad = write_rules(tmp_path / "bad.yaml", {"rules": [{"name": "x", "priority": 1, "then": []}]})
    assert run(capsys, "rules", "test", "--rules", bad)[0] == 1


def test_a_rule_naming_a_removed_position_is_skipped_at_run_time(
    capsys: pytest.CaptureFixture[str], cli_env: str, gateway: RunningGateway, tmp_path: Path
) -> None:
    org = yaml.safe_load(Path("gateway/data/demo-org.yaml").read_text(encoding="utf-8"))
    dinkes = next(u for u in org["units"] if u["code"] == "DINKES")
    dinkes["positions"] = [p for p in dinkes["positions"] if p["handle"] != "kabid.p2p"]
    for position in dinkes["positions"]:
        if position.get("superior") == "kabid.p2p":
            position["superior"] = "kadinkes"
    for person in org["people"]:
        person["assignments"] = [a for a in person["assignments"] if a["position"] != "kabid.p2p"]
    (tmp_path / "org.yaml").write_text(yaml.safe_dump(org, allow_unicode=True), encoding="utf-8")
    code, out, _ = run(capsys, "org", "import", str(tmp_path / "org.yaml"))
    assert code == 0 and "dinonaktifkan: 1 jabatan" in out
    with gateway.smtp() as client:
        client.sendmail(
            "a@kemkes.go.id",
            [f"dinkes@{DOMAIN}"],
            letter(to=f"dinkes@{DOMAIN}", sender="a@kemkes.go.id"),
        )
    wait_for(lambda: settled(gateway.app) and naskah_rows(gateway.app))
    (naskah,) = naskah_rows(gateway.app)
    # The Kemenkes rule copies to kabid.p2p, which no longer exists: that rule is skipped,
    # logged in the decision, and the letter is still routed (by the undangan rule).
    assert any(e["rule"] == "kemkes ke kadinkes" for e in naskah.decision["errors"])
    assert naskah.status == "didisposisikan"


def test_org_export_import_round_trip_and_show(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    target = tmp_path / "org.yaml"
    assert run(capsys, "org", "export", str(target))[0] == 0
    code, out, _ = run(capsys, "org", "import", str(target))
    assert code == 0 and "Dibuat: tidak ada; diperbarui: tidak ada; dinonaktifkan: tidak ada" in out
    code, out, _ = run(capsys, "org", "show", "kadinkes", "--json")
    shown = json.loads(out)
    assert shown["address"] == f"kadinkes@{DOMAIN}" and shown["superior"] == "sekda"
    code, out, _ = run(capsys, "org", "show", "dinkes", "--json")
    assert len(json.loads(out)["positions"]) == 7
    broken = yaml.safe_load(target.read_text(encoding="utf-8"))
    broken["units"][0]["positions"][0]["superior"] = "tidak.ada"
    target.write_text(yaml.safe_dump(broken), encoding="utf-8")
    code, _, err = run(capsys, "org", "import", str(target))
    assert code == 1 and "superior tidak.ada tidak dikenal" in err


def test_every_organisation_problem_is_reported_at_once(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    target = tmp_path / "org.yaml"
    assert run(capsys, "org", "export", str(target))[0] == 0
    broken = yaml.safe_load(target.read_text(encoding="utf-8"))
    broken["units"][0]["positions"][0]["superior"] = "tidak.ada"
    broken["units"][1]["positions"][0]["superior"] = "juga.tidak.ada"
    broken["people"][0]["emails"] = ["bukan alamat"]
    target.write_text(yaml.safe_dump(broken), encoding="utf-8")
    code, _, err = run(capsys, "org", "import", str(target))
    assert (
        code == 1 and "people[0].emails[0] 'bukan alamat' bukan alamat email yang sah" in err
    )  # an entry that did not parse
    del broken["people"][0]["emails"]
    target.write_text(yaml.safe_dump(broken), encoding="utf-8")
    code, _, err = run(capsys, "org", "import", str(target))
    assert code == 1 and "2 masalah:" in err
    assert "superior tidak.ada tidak dikenal" in err
    assert "superior juga.tidak.ada tidak dikenal" in err
