"""The guided rule form: create and edit a rule with labelled fields, errors shown next to
the part they are about, switch a rule off, move it; every change goes through the dry
run and is saved only from there, and the next letter follows it."""

from __future__ import annotations

import html
import re

import yaml
from sqlalchemy import select

from gateway.catalogue import Catalogue
from gateway.db.models import Disposition, Naskah, Position
from gateway.routing.store import current_document
from gateway.seed import load_yaml
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import PanelClient, signed_in
from tests.support.queries import settled
from webadmin.rule_form import FIELD_NAMES, OPERATOR_NAMES, canonical, form_of_rule, rule_of_form


def test_every_field_and_operator_has_help() -> None:
    from rules.conditions import FIELDS, OPERATORS

    assert set(FIELD_NAMES) == set(FIELDS) and set(OPERATOR_NAMES) - {""} == set(OPERATORS)
    for language in ("id", "en"):
        t = Catalogue(language)
        keys = [f"rule_form.{group}.{name}" for name in FIELD_NAMES for group in ("field", "help")]
        keys += [f"rule_form.op.{operator or 'default'}" for operator in OPERATOR_NAMES]
        assert [key for key in keys if not t.has(key)] == [], language


def test_the_demo_rules_round_trip_through_the_form() -> None:
    shown = 0
    for rule in load_yaml("demo-rules.yaml")["rules"]:
        form = form_of_rule(rule)
        if form is None:
            continue
        shown += 1
        assert canonical(rule_of_form(form)) == canonical(rule), rule["name"]
    assert shown >= 7
    nested = {"name": "x", "priority": 1, "when": {"not": {"dmarc": "pass"}}, "then": []}
    assert form_of_rule(nested) is None  # only the YAML view shows a nested condition


def test_saving_the_form_unchanged_never_changes_a_rule() -> None:
    # Values with commas stay one value; a one-string instruction stays one instruction;
    # a rule with more conditions than the form reads back is left to the YAML view.
    then = [{"dispose": {"to": "sekda", "instructions": "PROSES"}}]
    rules = [
        {"name": "a", "priority": 1, "when": {"subject": "undangan, rapat"}, "then": then},
        {
            "name": "b",
            "priority": 2,
            "when": {"attachment_name": {"regex": "\\.(exe){1,2}$"}},
            "then": then,
        },
        {"name": "c", "priority": 3, "when": {"hour": [7, 8]}, "then": then},
        {"name": "d", "priority": 4, "when": {"sifat_keamanan": ["SR", "R"]}, "then": then},
    ]
    for rule in rules:
        form = form_of_rule(rule)
        assert form is not None, rule["name"]
        assert canonical(rule_of_form(form)) == canonical(rule), rule["name"]
    many = [{"sender": f"a{n}@x.go.id"} for n in range(12)]
    assert form_of_rule({"name": "e", "priority": 5, "when": {"any": many}, "then": then}) is None


def hidden(body: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', body)
    assert found, name
    return html.unescape(found.group(1))


def bkn_letter(gw: RunningGateway) -> None:
    raw = letter(to=f"setda@{DOMAIN}", sender="tu@bkn.go.id", subject="Kenaikan pangkat")
    with gw.smtp() as client:
        client.sendmail("tu@bkn.go.id", [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app))


def last_disposed(gw: RunningGateway) -> list[str]:
    with gw.app.db.read() as session:
        naskah = session.scalars(select(Naskah).order_by(Naskah.id.desc())).first()
        assert naskah is not None
        return list(
            session.scalars(
                select(Position.handle)
                .join(Disposition, Disposition.to_position_id == Position.id)
                .where(Disposition.naskah_id == naskah.id, Disposition.kind == "disposisi")
            )
        )


def save_dry_run(admin: PanelClient, tried_body: str) -> None:
    saved = admin.post(
        "/aturan/simpan",
        {
            "yaml": hidden(tried_body, "yaml"),
            "digest": hidden(tried_body, "digest"),
            "komentar": hidden(tried_body, "komentar"),
        },
    )
    assert saved.status == 303, saved.body


NEW_RULE = {
    "nama": "bkn ke kabag umum",
    "prioritas": "15",
    "keterangan": "Surat BKN ke Kepala Bagian Umum",
    "aktif": "1",
    "cocok": "all",
    "kondisi_0": "sender_domain",
    "operator_0": "",
    "nilai_0": "bkn.go.id",
    "disposisi_ke": "kabag.umum",
    "instruksi": "PROSES",
}


def test_a_rule_made_in_the_form_routes_the_next_letter(sqlite_gateway: RunningGateway) -> None:
    admin = signed_in(sqlite_gateway)
    page = admin.get("/aturan/formulir")
    assert page.status == 200 and "Domain pengirim" in page.body and "@head" in page.body

    wrong = admin.post("/aturan/formulir", {**NEW_RULE, "disposisi_ke": "kabag.tidakada"})
    assert wrong.status == 422
    tindakan = wrong.body[wrong.body.index("<legend>Tindakan</legend>") :]
    assert "kabag.tidakada" in tindakan.split("</fieldset>")[0]  # shown next to the actions
    taken = admin.post("/aturan/formulir", {**NEW_RULE, "prioritas": "10"})
    assert taken.status == 422
    aturan = taken.body[taken.body.index("<legend>Aturan</legend>") :].split("</fieldset>")[0]
    assert "10" in aturan and 'role="alert"' in aturan  # the priority is already taken

    tried = admin.post("/aturan/formulir", NEW_RULE)
    assert tried.status == 200 and "Uji coba aturan" in tried.body
    with sqlite_gateway.app.db.read() as session:
        assert current_document(session)[0] == 1  # nothing saved by a dry run
    save_dry_run(admin, tried.body)
    bkn_letter(sqlite_gateway)
    assert last_disposed(sqlite_gateway) == ["kabag.umum"]

    edit = admin.get("/aturan/formulir?nama=bkn+ke+kabag+umum")
    assert edit.status == 200 and 'value="bkn.go.id"' in edit.body
    assert admin.get("/aturan/formulir?nama=tidak+ada").status == 404


def test_switch_off_and_move_go_through_the_dry_run(sqlite_gateway: RunningGateway) -> None:
    admin = signed_in(sqlite_gateway)
    admin.get("/aturan")
    off = admin.post("/aturan/aktif", {"nama": "kemkes ke kadinkes"})
    assert off.status == 200 and "Uji coba aturan" in off.body
    document = yaml.safe_load(hidden(off.body, "yaml"))
    kemkes = next(r for r in document["rules"] if r["name"] == "kemkes ke kadinkes")
    assert kemkes["enabled"] is False
    save_dry_run(admin, off.body)
    with sqlite_gateway.app.db.read() as session:
        version, stored = current_document(session)
    assert version == 2
    assert next(r for r in stored["rules"] if r["name"] == "kemkes ke kadinkes")["enabled"] is False

    admin.get("/aturan")
    up = admin.post("/aturan/geser", {"nama": "rahasia ke pimpinan", "arah": "naik"})
    document = yaml.safe_load(hidden(up.body, "yaml"))
    priorities = {r["name"]: r["priority"] for r in document["rules"]}
    assert priorities["rahasia ke pimpinan"] == 10 and priorities["kemkes ke kadinkes"] == 20
    assert admin.post("/aturan/geser", {"nama": "tidak ada", "arah": "naik"}).status == 404
    operator = signed_in(sqlite_gateway, "operator", ["SETDA"])
    operator.get("/aturan")
    assert operator.post("/aturan/aktif", {"nama": "kemkes ke kadinkes"}).status == 403
    assert operator.get("/aturan/formulir").status == 403
