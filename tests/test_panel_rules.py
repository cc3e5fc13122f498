"""Aturan in the panel: change the rules in YAML, dry-run, save, and see the next letter
routed by them; only admins change, everyone at the desk reads."""

from __future__ import annotations

import html
import re

import yaml
from sqlalchemy import select

from gateway.db.models import Disposition, Naskah, Position
from gateway.seed import load_yaml
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import signed_in
from tests.support.queries import settled


def kemkes_letter(gw: RunningGateway) -> None:
    raw = letter(to=f"dinkes@{DOMAIN}", sender="a@kemkes.go.id", subject="Surveilans")
    with gw.smtp() as client:
        client.sendmail("a@kemkes.go.id", [f"dinkes@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app))


def disposed_to(gw: RunningGateway) -> list[str]:
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


def candidate() -> str:
    document = load_yaml("demo-rules.yaml")
    for rule in document["rules"]:
        if rule["name"] == "kemkes ke kadinkes":
            rule["then"] = [{"dispose": {"to": ["sekdinkes"], "instructions": ["KETAHUI"]}}]
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def hidden(body: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', body)
    assert found, name
    return html.unescape(found.group(1))


def test_dry_run_then_save_then_the_next_letter_follows(gateway: RunningGateway) -> None:
    kemkes_letter(gateway)
    assert disposed_to(gateway) == ["kadinkes"]
    admin = signed_in(gateway)
    listing = admin.get("/aturan")
    assert listing.status == 200 and "kemkes ke kadinkes" in listing.body
    assert "<textarea" in admin.get("/aturan/ubah").body

    refused = admin.post("/aturan/uji", {"yaml": "rules: [", "komentar": "x"})
    assert refused.status == 422 and "YAML tidak dapat dibaca" in refused.body

    tried = admin.post("/aturan/uji", {"yaml": candidate(), "komentar": "sekdis dulu"})
    assert tried.status == 200 and "1</b> akan berubah" in tried.body
    assert "kadinkes → sekdinkes" in tried.body
    digest = hidden(tried.body, "digest")
    tampered = admin.post(
        "/aturan/simpan", {"yaml": candidate() + "\n# diam-diam", "digest": digest}
    )
    assert tampered.status == 400  # only what was dry-run can be saved
    saved = admin.post(
        "/aturan/simpan", {"yaml": candidate(), "digest": digest, "komentar": "sekdis dulu"}
    )
    assert saved.status == 303 and saved.headers["Location"] == "/aturan?disimpan=2"
    assert "Versi 2 disimpan" in admin.get(saved.headers["Location"]).body
    kemkes_letter(gateway)
    assert disposed_to(gateway) == ["sekdinkes"]

    assert admin.post("/aturan/kembali/1").status == 303
    kemkes_letter(gateway)
    assert disposed_to(gateway) == ["kadinkes"]


def test_only_admins_change_rules(sqlite_gateway: RunningGateway) -> None:
    operator = signed_in(sqlite_gateway, "operator", ["SETDA"])
    assert operator.get("/aturan").status == 200
    assert operator.get("/aturan/ubah").status == 403
    assert operator.post("/aturan/uji", {"yaml": candidate()}).status == 403
    assert operator.post("/aturan/simpan", {"yaml": candidate(), "digest": "x"}).status == 403
    assert operator.post("/aturan/kembali/1").status == 403


def test_a_dry_run_never_tells_what_a_secret_letter_says(sqlite_gateway: RunningGateway) -> None:
    # A probe rule "text contains WORD" must not show which Rahasia letters hold the word.
    raw = letter(
        to=f"dinkes@{DOMAIN}",
        sender="a@kemkes.go.id",
        subject="Surat",
        body="Nomor: 800/9/2026\nSifat: Rahasia\nPerihal: Penyidikan pegawai\nKATARAHASIA\n",
    )
    with sqlite_gateway.smtp() as client:
        client.sendmail("a@kemkes.go.id", [f"dinkes@{DOMAIN}"], raw)
    wait_for(lambda: settled(sqlite_gateway.app))
    kemkes_letter(sqlite_gateway)
    probe = load_yaml("demo-rules.yaml")
    probe["rules"].insert(
        0,
        {
            "name": "probe",
            "priority": 1,
            "when": {"text": "katarahasia"},
            "then": [{"dispose": {"to": ["sekdinkes"]}}],
        },
    )
    admin = signed_in(sqlite_gateway)
    admin.get("/aturan/ubah")
    tried = admin.post("/aturan/uji", {"yaml": yaml.safe_dump(probe, allow_unicode=True)})
    assert tried.status == 200
    assert "<b>0</b> akan berubah" in tried.body and "1 surat terakhir" in tried.body
    assert "(rahasia)" not in tried.body


def test_the_rules_page_notice_has_no_words_from_the_link(sqlite_gateway: RunningGateway) -> None:
    admin = signed_in(sqlite_gateway)
    page = admin.get("/aturan?pesan=Hubungi+0812+untuk+reset&disimpan=abc&dipulihkan=1")
    assert page.status == 200 and "Hubungi" not in page.body and "abc" not in page.body


def test_a_version_shows_what_it_changed(sqlite_gateway: RunningGateway) -> None:
    admin = signed_in(sqlite_gateway)
    admin.get("/aturan/ubah")
    tried = admin.post("/aturan/uji", {"yaml": candidate(), "komentar": "sekdis dulu"})
    admin.post("/aturan/simpan", {"yaml": candidate(), "digest": hidden(tried.body, "digest")})
    diff = admin.get("/aturan/versi/2")
    assert diff.status == 200
    assert re.search(r'<span class="hapus">-\s+- kadinkes', diff.body)
    assert re.search(r'<span class="tambah">\+\s+- sekdinkes', diff.body)
    assert "versi 1" in diff.body and admin.get("/aturan/versi/99").status == 404
    assert signed_in(sqlite_gateway, "pimpinan", ["SETDA"]).get("/aturan/versi/2").status == 200
